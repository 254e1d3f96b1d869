#!/bin/sh
# Packs an installed tree (make install DESTDIR=ROOT PREFIX=/usr) into
# OUTDIR/leakwatch_VERSION_ARCH.deb: stripped binaries, compressed man pages
# and changelog, the copyright file, the maintainer scripts and debconf
# templates beside this file, the conffiles, and Depends from
# dpkg-shlibdeps and the libraries the agent loads itself. `make deb` runs it.
#
#   build-deb.sh ARCH ROOT OUTDIR      ARCH is Debian's (amd64, arm64)
set -eu
arch=$1 root=$(cd "$2" && pwd) out=$3
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
version=$(cat "$top/VERSION")
triplet=$(dpkg-architecture -a"$arch" -qDEB_HOST_GNU_TYPE 2>/dev/null)
doc=$root/usr/share/doc/leakwatch

# binaries: stripped by the target's own strip (binutils reads one arch)
strip=strip
[ "$arch" = "$(dpkg --print-architecture)" ] || strip=$triplet-strip
for b in "$root"/usr/bin/*; do
	$strip --strip-unneeded --remove-section=.comment --remove-section=.note "$b"
done

# docs: man pages and the changelog compressed, without timestamps
find "$root/usr/share/man" -type f ! -name '*.gz' -exec gzip -9n {} +
install -m 0644 "$here/copyright" "$doc/copyright"
# CHANGELOG.md in Debian's changelog format ("## X.Y.Z - DATE" sections)
awk -v maint="leakwatch maintainers <maintainers@leakwatch.invalid>" '
	function close_entry() { if (v != "") { printf "\n -- %s  %s\n\n", maint, date } }
	/^## [0-9]/ {
		close_entry()
		v = $2; cmd = "date -R -u -d " $4; cmd | getline date; close(cmd)
		printf "leakwatch (%s) stable; urgency=medium\n\n", v; item = 0; next
	}
	v == "" { next }
	/^- / { sub(/^- /, ""); printf "  * %s\n", $0; item = 1; next }
	/^  [^ ]/ && item { sub(/^  /, ""); printf "    %s\n", $0; next }
	/^[^ -]/ { item = 0; printf "  * %s\n", $0 }
	END { close_entry() }' "$top/CHANGELOG.md" | gzip -9n >"$doc/changelog.gz"
install -d -m 0755 "$root/usr/share/lintian/overrides"
install -m 0644 "$here/lintian-overrides" "$root/usr/share/lintian/overrides/leakwatch"

# the control area
ctl=$root/DEBIAN
rm -rf "$ctl" && install -d -m 0755 "$ctl"
for f in config postinst prerm postrm; do install -m 0755 "$here/$f" "$ctl/$f"; done
install -m 0644 "$here/templates" "$ctl/templates"
(cd "$root" && find etc -type f | sed 's|^|/|' | sort) >"$ctl/conffiles"
chmod 0644 "$ctl/conffiles"
# dpkg-shlibdeps wants a debian/control to read; it learns each library's
# package from dpkg's database (the :ARCH packages for a cross build)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/debian"
printf 'Source: leakwatch\n\nPackage: leakwatch\nArchitecture: any\n' >"$tmp/debian/control"
shlibs=$(cd "$tmp" && DEB_HOST_ARCH=$arch dpkg-shlibdeps -O "$root"/usr/bin/* 2>"$tmp/err" |
	sed -n 's/^shlibs:Depends=//p') || { cat "$tmp/err" >&2; exit 1; }
[ -n "$shlibs" ] || { echo "build-deb.sh: dpkg-shlibdeps found no dependencies" >&2; cat "$tmp/err" >&2; exit 1; }
# the libraries the agent loads when it needs them (lib/os/dynlib.h), which
# dpkg-shlibdeps cannot see: their packages, where the binaries' links did
# not already bring them in
for pkg in $(sed -n 's/.*\.package = "\([^"]*\)".*/\1/p' "$top"/agent/*/*api.c | sort -u); do
	echo "$shlibs" | grep -Eq "(^|, )$pkg( |,|$)" || shlibs="$shlibs, $pkg"
done
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@SHLIBS@/$shlibs/" \
	"$here/control" >"$ctl/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$ctl/md5sums"
chmod 0644 "$ctl/control" "$ctl/md5sums"

deb=$out/leakwatch_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
