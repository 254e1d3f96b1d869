#!/bin/sh
# Install the Debian packages that leakwatch needs to build, run and test.
# Idempotent: prints nothing and touches nothing when every package is present.
# `all` also installs the npm packages of tests/k8s (the offline Kubernetes
# schema checks), tests/sarif (the SARIF validator) and tests/ui (the
# DevTools client that drives Debian's headless Chromium over the collector's
# pages), each pinned by its package-lock.json.
#
#   build        what `make` needs
#   run          build, and what `make run` needs
#   cross [ARCH] a cross compiler for ARCH (Debian's name, default arm64) and
#                ARCH's builds of the libraries (multiarch): `make ARCH=arm64`.
#                Nothing when this machine is ARCH.
#   arm64        cross arm64, and qemu: `make test-arm64-unit`, `make test-arm64`
#   deb          what `make deb` and its checks need
#   all          everything above: `make test`
set -eu

BUILD="make gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
       libvectorscan-dev protobuf-c-compiler libprotobuf-c-dev libcurl4-openssl-dev
       libssl-dev libmicrohttpd-dev libgnutls28-dev libsqlite3-dev libyaml-dev libsystemd-dev
       libzstd-dev liblzma-dev libbz2-dev libdeflate-dev libpq-dev"
RUN="iproute2 procps ca-certificates"
TEST="libcmocka-dev python3 redis-server memcached postgresql mariadb-server clickhouse-server
      etcd-server sqlite3 curl ripgrep prometheus-alertmanager systemd hyperfine openssl libclang-rt-dev
      rsyslog liburing-dev nftables iptables prometheus chromium zstd xz-utils bzip2 lz4"
# The libraries of BUILD (and the unit tests') that a cross build links.
# libpq-dev is not co-installable across architectures: the build's own
# headers serve, and the collector links libpq.so.5 by name.
CROSS_LIBS="libbpf-dev libelf-dev zlib1g-dev libvectorscan-dev libprotobuf-c-dev
            libcurl4-openssl-dev libssl-dev libmicrohttpd-dev libgnutls28-dev libsqlite3-dev
            libyaml-dev libsystemd-dev libzstd-dev liblzma-dev libbz2-dev libdeflate-dev libcmocka-dev
            libpq5"
# qemu-user runs the arm64 unit tests; qemu-system-arm boots Debian's arm64
# kernel for the load-and-attach test; cpio packs its initramfs.
ARM64_TEST="qemu-user qemu-system-arm cpio"
DEB="dpkg-dev fakeroot lintian mandoc debootstrap bash-completion"

# cross ARCH: the packages for cross-building to ARCH, none on an ARCH machine;
# qemu-user runs the build's generator of the built-in rules database
# (agent/detect/gen/), without which the binary compiles them at start-up
cross() {
  [ "$(dpkg --print-architecture)" = "$1" ] && return 0
  case $1 in
    arm64) printf 'gcc-aarch64-linux-gnu libc6-dev:arm64 qemu-user' ;;
    amd64) printf 'gcc-x86-64-linux-gnu libc6-dev:amd64 qemu-user' ;;
  esac
  for p in $CROSS_LIBS; do printf ' %s:%s' "$p" "$1"; done
}

case "${1:-all}" in
  build) want="$BUILD" ;;
  run)   want="$BUILD $RUN" ;;
  cross) case ${2:-arm64} in arm64 | amd64) ;; *) echo "leakwatch setup: no cross build for $2 (arm64 or amd64)" >&2; exit 2 ;; esac
         want="$BUILD $(cross "${2:-arm64}")" ;;
  arm64) want="$BUILD $(cross arm64) $ARM64_TEST" ;;
  deb)   want="$BUILD $DEB" ;;
  all)   want="$BUILD $RUN $TEST $(cross arm64) $ARM64_TEST $DEB" ;;
  *) echo "usage: $0 [build|run|cross [ARCH]|arm64|deb|all]" >&2; exit 2 ;;
esac

# installed NAME[:ARCH]: without an architecture, the machine's own (or
# all): once :arm64 libraries are there, a name alone matches both.
native=$(dpkg --print-architecture)
installed() {
  case $1 in
    *:*) dpkg-query -W -f='${db:Status-Status}\n' "$1" 2>/dev/null | grep -qx installed ;;
    *) dpkg-query -W -f='${Architecture} ${db:Status-Status}\n' "$1" 2>/dev/null |
         grep -Eqx "($native|all) installed" ;;
  esac
}
missing=""
for p in $want; do
  installed "$p" || missing="$missing $p"
done
# Node.js and npm for tests/k8s, by command rather than by package: a machine
# may have them from elsewhere (NodeSource's nodejs bundles npm and conflicts
# with Debian's npm package).
if [ "${1:-all}" = all ] && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
  missing="$missing nodejs npm"
fi

# npm_ci: the node_modules of tests/k8s (the offline Kubernetes checks),
# tests/sarif (Microsoft's SARIF validator) and tests/ui (puppeteer-core,
# with Debian's chromium), exactly as locked; again when a lock changed since
# the last install.
npm_ci() {
  [ "${1:-all}" = all ] || return 0
  for sub in k8s sarif ui; do
    dir=$(cd "$(dirname "$0")/../tests/$sub" && pwd)
    cmp -s "$dir/package-lock.json" "$dir/node_modules/.leakwatch-lock" 2>/dev/null && continue
    echo "leakwatch setup: npm ci in tests/$sub" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$dir/package-lock.json" "$dir/node_modules/.leakwatch-lock"
  done
}

if [ -z "$missing" ]; then
  npm_ci "${1:-all}"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "leakwatch setup: missing packages:$missing; run as root (sudo make ...)" >&2
  exit 1
fi

echo "leakwatch setup: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A foreign architecture's packages (name:arch) need that architecture known
# to dpkg before apt reads the indexes.
for a in $(printf '%s\n' $missing | sed -n 's/.*:\([a-z0-9]*\)$/\1/p' | sort -u); do
  dpkg --print-foreign-architectures | grep -qx "$a" || dpkg --add-architecture "$a"
done
# Installing server packages must not start their services: the tests start
# their own instances on addresses they choose.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && made_policy=1
fi
trap '[ "$made_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get -o DPkg::Lock::Timeout=900 update -qq >/dev/null
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $missing >/dev/null
npm_ci "${1:-all}"
