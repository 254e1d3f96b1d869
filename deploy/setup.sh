#!/bin/sh
# Install the Debian packages that leakwatch needs to build, run and test.
# Idempotent: prints nothing and touches nothing when every package is present.
set -eu

BUILD="make gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
       libvectorscan-dev protobuf-c-compiler libprotobuf-c-dev libcurl4-openssl-dev
       libssl-dev libmicrohttpd-dev libsqlite3-dev libyaml-dev"
RUN="iproute2 procps ca-certificates"
TEST="libcmocka-dev python3 redis-server memcached postgresql sqlite3 curl
      ripgrep prometheus-alertmanager systemd hyperfine openssl libclang-rt-dev"

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
[ -z "$missing" ] && exit 0

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
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
