#!/bin/sh
# Fetches a Debian package of another architecture from the archive apt is
# configured with, unpacks it into a cache and prints where. It makes
# vmlinux/<arch>/vmlinux.h on any machine (vmlinux/from-debian.sh), and the
# arm64 boot test takes its kernel and busybox from here (tests/arm64).
#
#   debian-package.sh ARCH [PACKAGE[=VERSION]]
#     ARCH     Debian's name: arm64
#     PACKAGE  default: the kernel image linux-image-ARCH depends on now;
#              VERSION default: apt's candidate
#   prints   the directory: the .deb, its sha256 in deb.sha256, and the
#            unpacked package in root/ (a -dbg package: only usr/lib/debug/boot)
#
# The cache (LEAKWATCH_CACHE, default /var/cache/leakwatch-test, outside the
# repository) is keyed by package, version and architecture: a second run
# downloads nothing. The architecture must be known to dpkg and apt
# (deploy/setup.sh arm64 adds it).
set -eu
arch=${1:?usage: debian-package.sh ARCH [PACKAGE[=VERSION]]}
pkg=${2:-}
cache=${LEAKWATCH_CACHE:-/var/cache/leakwatch-test}/deb

if [ -z "$pkg" ]; then
	pkg=$(apt-cache depends "linux-image-$arch:$arch" 2>/dev/null |
		sed -n "s/^ *Depends: \(linux-image-[0-9][^:]*\)\(:$arch\)\?$/\1/p" | head -1)
	[ -n "$pkg" ] || { echo "debian-package.sh: no linux-image-$arch:$arch in apt's indexes (deploy/setup.sh arm64)" >&2; exit 1; }
fi
case $pkg in
*=*) ver=${pkg#*=}; pkg=${pkg%%=*} ;;
*) ver=$(apt-cache policy "$pkg:$arch" | sed -n 's/^ *Candidate: //p') ;;
esac
[ -n "$ver" ] && [ "$ver" != "(none)" ] || { echo "debian-package.sh: $pkg:$arch is not in apt's indexes" >&2; exit 1; }
dir=$cache/${pkg}_${ver}_$arch
mkdir -p "$cache"
# one download and unpack at a time per cache
exec 9>"$cache/.lock"
flock 9
if [ ! -e "$dir/.done" ]; then
	rm -rf "$dir" && mkdir -p "$dir/root"
	# apt's sandbox user may not write the cache: download as the caller
	(cd "$dir" && apt-get download -q=2 -o APT::Sandbox::User="$(id -un)" "$pkg:$arch=$ver") >&2 ||
		{ rm -rf "$dir"; echo "debian-package.sh: $pkg:$arch=$ver cannot be downloaded" >&2; exit 1; }
	deb=$(ls "$dir"/*.deb)
	sha256sum "$deb" | cut -d' ' -f1 >"$dir/deb.sha256"
	case $pkg in
	# a -dbg package unpacks to gigabytes of modules: only its vmlinux
	*-dbg) dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir/root" --wildcards './usr/lib/debug/boot/*' ;;
	*) dpkg-deb -x "$deb" "$dir/root" ;;
	esac
	touch "$dir/.done"
fi
echo "$dir"
