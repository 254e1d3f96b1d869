#!/usr/bin/env bash
# The Debian package installed for real: `apt-get install ./leakwatch_*.deb`
# in a clean Debian 12 chroot made by debootstrap from Debian's archive,
# where `leakwatch --version` runs; the agent enabled only when asked;
# an upgrade keeping that; a purge removing all it added but the state.
#
#   tests/package/install.sh [DEB]   default: build/deb-<this arch>/leakwatch_VERSION_<arch>.deb
#
# The minbase chroot is made once and kept as a tarball under
# LEAKWATCH_CACHE (default /var/cache/leakwatch-test), keyed by suite,
# architecture and debootstrap's version; each run unpacks a fresh copy.
# It needs root and the network to Debian's archive. `make test-deb-install`.
. "$(dirname "$0")/../integration/lib.sh"
VERSION=$(cat "$LW_ROOT/VERSION")
ARCH=$(dpkg --print-architecture)
DEB=${1:-$LW_ROOT/build/deb-$ARCH/leakwatch_${VERSION}_$ARCH.deb}
SUITE=bookworm
MIRROR=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
CACHE=${LEAKWATCH_CACHE:-/var/cache/leakwatch-test}/debootstrap

if [ ! -s "$DEB" ]; then
	if make -C "$LW_ROOT" --no-print-directory deb >"$WORK/make.out" 2>&1; then pass "make deb"; else fail "make deb" "$(tail -3 "$WORK/make.out")"; exit 1; fi
fi
command -v debootstrap >/dev/null || { fail debootstrap "not installed (deploy/setup.sh deb)"; exit 1; }

# ---- a clean chroot ------------------------------------------------------------

tarball=$CACHE/${SUITE}_${ARCH}_minbase_debootstrap-$(dpkg-query -W -f='${Version}' debootstrap).tar.gz
mkdir -p "$CACHE"
if [ ! -s "$tarball" ]; then
	start=$(date +%s)
	(
		flock 9
		[ -s "$tarball" ] && exit 0
		d=$(mktemp -d /tmp/lwdeb-boot.XXXXXX)
		trap 'rm -rf "$d"' EXIT
		debootstrap --variant=minbase "$SUITE" "$d" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 &&
			tar -C "$d" -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
	) 9>"$CACHE/.lock"
	check "debootstrap --variant=minbase $SUITE from $MIRROR ($(($(date +%s) - start)) s, cached)" test -s "$tarball"
	[ -s "$tarball" ] || { tail -5 "$WORK/debootstrap.log"; exit 1; }
fi
R=$(mktemp -d /tmp/lwdeb-root.XXXXXX)
umount_all() { for m in dev/pts dev proc sys; do umount "$R/$m" 2>/dev/null; done; }
# --one-file-system: never into /dev, should an unmount have failed
on_exit "umount_all; rm -rf --one-file-system '$R'"
tar -C "$R" -xzf "$tarball"
cp /etc/resolv.conf "$R/etc/resolv.conf"
mount -t proc proc "$R/proc" && mount -t sysfs sysfs "$R/sys" && mount --bind /dev "$R/dev" && mount --bind /dev/pts "$R/dev/pts"
cp "$DEB" "$R/tmp/"
deb=/tmp/$(basename "$DEB")
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
# what the chroot holds, but for apt's and dpkg's own records and logs
snapshot() {
	(cd "$R" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./tmp -o -path ./run \
		-o -path ./var/lib/apt -o -path ./var/cache -o -path ./var/lib/dpkg -o -path ./var/log \) -prune \
		-o -print | sort) >"$1"
}
in_root apt-get -q update >"$WORK/update.out" 2>&1
check "apt-get update in the chroot" grep -q '^Reading package lists' "$WORK/update.out"

# ---- install, not asked to enable -----------------------------------------------

wants=/etc/systemd/system/multi-user.target.wants
start=$(date +%s)
if in_root apt-get install -y -q "$deb" >"$WORK/install.out" 2>&1; then
	pass "apt-get install ./$(basename "$DEB") in a clean $SUITE chroot ($(($(date +%s) - start)) s, with its Depends)"
else
	fail "apt-get install ./$(basename "$DEB")" "$(tail -5 "$WORK/install.out")"
fi
check "leakwatch --version runs there: leakwatch $VERSION" bash -c '[ "$(chroot "$1" leakwatch --version)" = "leakwatch $2" ]' _ "$R" "$VERSION"
check "leakwatch-collector --version runs there" bash -c '[ "$(chroot "$1" leakwatch-collector --version)" = "leakwatch-collector $2" ]' _ "$R" "$VERSION"
check "leakwatch check-config accepts the installed /etc/leakwatch/leakwatch.yaml" chroot "$R" leakwatch check-config /etc/leakwatch/leakwatch.yaml
# without its rules cache: that would be the user's, in their home, and
# the purge below checks only what the package itself leaves
check "leakwatch scan runs on a file of the chroot (exit 0, nothing found)" \
	chroot "$R" env LEAKWATCH_CACHE_DIR= leakwatch scan /etc/leakwatch/leakwatch.yaml
check "dpkg records the two conffiles" bash -c '
	[ "$(chroot "$1" dpkg-query -W -f="\${Conffiles}" leakwatch | awk "{print \$1}" | sort | tr "\n" " ")" = \
		"/etc/leakwatch/collector.yaml /etc/leakwatch/leakwatch.yaml " ]' _ "$R"
check "not asked: neither unit is enabled" bash -c '! ls "$1$2"/leakwatch-* 2>/dev/null | grep .' _ "$R" "$wants"
check "not asked: the debconf answers are no" bash -c '
	chroot "$1" debconf-show leakwatch | grep -qx "\* leakwatch/enable-agent: false" ||
	chroot "$1" debconf-show leakwatch | grep -qx "  leakwatch/enable-agent: false"' _ "$R"

# ---- purge: all gone but the state ---------------------------------------------------

# the state an agent and a collector leave behind
mkdir -p "$R/var/lib/leakwatch/spool" "$R/var/lib/private/leakwatch-collector"
echo key >"$R/var/lib/leakwatch/fingerprint.key"
echo db >"$R/var/lib/private/leakwatch-collector/collector.db"
echo "# edited" >>"$R/etc/leakwatch/leakwatch.yaml"
# Purge leaves the dependencies (and what they recommend) installed: what
# it must remove is what has leakwatch in its name, but the state.
if in_root apt-get purge -y -q leakwatch >"$WORK/purge.out" 2>&1; then
	pass "apt-get purge leakwatch"
else
	fail "apt-get purge" "$(tail -5 "$WORK/purge.out")"
fi
snapshot "$WORK/purged"
check "purge removes every file and directory it added (an edited conffile too)" \
	bash -c '! grep leakwatch "$1" | grep -v -e "^\./var/lib/leakwatch" -e "^\./var/lib/private/leakwatch-collector"' _ "$WORK/purged"
check "the state stays: fingerprint key, spool, the collector's database" bash -c '
	[ -s "$1/var/lib/leakwatch/fingerprint.key" ] && [ -s "$1/var/lib/private/leakwatch-collector/collector.db" ]' _ "$R"
check "purge forgets the debconf answers" bash -c '[ -z "$(chroot "$1" debconf-show leakwatch 2>/dev/null)" ]' _ "$R"
check "purge forgets the units' enablement state" bash -c '! ls "$1"/var/lib/systemd/deb-systemd-helper-*/*leakwatch* 2>/dev/null | grep .' _ "$R"

# ---- install asked to enable the agent; an upgrade keeps it ---------------------------

if in_root LEAKWATCH_ENABLE_AGENT=yes apt-get install -y -q "$deb" >"$WORK/install2.out" 2>&1; then
	pass "LEAKWATCH_ENABLE_AGENT=yes apt-get install"
else
	fail "LEAKWATCH_ENABLE_AGENT=yes apt-get install" "$(tail -5 "$WORK/install2.out")"
fi
check "asked: the agent is enabled (multi-user.target), the collector is not" bash -c '
	[ -L "$1$2/leakwatch-agent.service" ] && [ ! -e "$1$2/leakwatch-collector.service" ]' _ "$R" "$wants"
in_root dpkg -i "$deb" >"$WORK/reinstall.out" 2>&1
check "a reinstall without the variable keeps the agent enabled" test -L "$R$wants/leakwatch-agent.service"
in_root LEAKWATCH_ENABLE_AGENT=no LEAKWATCH_ENABLE_COLLECTOR=yes dpkg -i "$deb" >"$WORK/reinstall2.out" 2>&1
check "LEAKWATCH_ENABLE_COLLECTOR=yes enables the collector" test -L "$R$wants/leakwatch-collector.service"
in_root apt-get purge -y -q leakwatch >"$WORK/purge2.out" 2>&1
check "purge after enabling: no unit link left" bash -c '! ls "$1$2"/leakwatch-* 2>/dev/null | grep .' _ "$R" "$wants"
snapshot "$WORK/purged2"
check "the chroot is as the first purge left it: enabling left nothing behind" diff "$WORK/purged" "$WORK/purged2"
