#!/bin/sh
# Install the Debian packages that leakwatch needs to build, run and test.
# Idempotent: prints nothing and touches nothing when every package is present.
# `all` also installs the npm packages of tests/k8s (the offline Kubernetes
# schema checks), pinned by its package-lock.json.
set -eu

BUILD="make gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
       libvectorscan-dev protobuf-c-compiler libprotobuf-c-dev libcurl4-openssl-dev
       libssl-dev libmicrohttpd-dev libsqlite3-dev libyaml-dev libsystemd-dev"
RUN="iproute2 procps ca-certificates"
TEST="libcmocka-dev python3 redis-server memcached postgresql sqlite3 curl
      ripgrep prometheus-alertmanager systemd hyperfine openssl libclang-rt-dev
      rsyslog liburing-dev"

case "${1:-all}" in
  build) want="$BUILD" ;;
  run)   want="$BUILD $RUN" ;;
  all)   want="$BUILD $RUN $TEST" ;;
  *) echo "usage: $0 [build|run|all]" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
  dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing="$missing $p"
done
# Node.js and npm for tests/k8s, by command rather than by package: a machine
# may have them from elsewhere (NodeSource's nodejs bundles npm and conflicts
# with Debian's npm package).
if [ "${1:-all}" = all ] && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
  missing="$missing nodejs npm"
fi

# npm_ci: tests/k8s's node_modules, exactly as locked; again when the lock
# changed since the last install.
npm_ci() {
  [ "${1:-all}" = all ] || return 0
  k8s=$(cd "$(dirname "$0")/../tests/k8s" && pwd)
  cmp -s "$k8s/package-lock.json" "$k8s/node_modules/.leakwatch-lock" 2>/dev/null && return 0
  echo "leakwatch setup: npm ci in tests/k8s" >&2
  (cd "$k8s" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$k8s/package-lock.json" "$k8s/node_modules/.leakwatch-lock"
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
