#!/usr/bin/env bash
# Probe time per protocol on loopback (p50, p99 of whole probes: connect,
# exchange, goodbye, close), against the real Debian servers and the
# scripted ones of the tests, all open; then the agent's CPU for 200 probes:
# `leakwatch listeners` over 200 RESP listeners, with and without probing.
# Prints figures; never fails on speed. Run as root (network namespaces).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
N=${BENCH_PROBES:-200}
LW_NO_TALLY=1
. tests/integration/lib.sh
. tests/integration/lib_servers.sh

NS=lwb13
make_netns $NS 10.213.7.2/24 10.213.7.1/24 >/dev/null || exit 2
in_ns ip link set lo up
D=$(mktemp -d /tmp/lwb13.XXXXXX)
chmod 755 "$D"
on_exit "rm -rf $D"

bg redis ip netns exec "$NS" redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no
bg memcached ip netns exec "$NS" memcached -u nobody -l 127.0.0.1 -p 11211 -U 11211
start_postgres 5432
start_mariadb 3306 >/dev/null
start_clickhouse 8123 9000
start_etcd bench 2379 127.0.0.1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=lwb13 \
	-keyout "$D/srv.key" -out "$D/srv.crt" >/dev/null 2>&1
bg scripted ip netns exec "$NS" python3 tests/integration/scripted.py open "$D/srv.crt" "$D/srv.key" "$D/srv.crt" "$D/scripted.log"
for p in 6379 11211 5432 3306 8123 9000 2379 27017 9200 10250 2375 11434 6333 8888 5984; do
	wait_port $NS tcp $p || wait_port $NS tcp $p || echo "bench/probes.sh: nothing on $p" >&2
done

echo "== probe time per protocol, $N probes each, 127.0.0.1 in a network namespace, one at a time"
in_ns "$BUILD/bench/probe_bench" "$N" redis:6379 memcached:11211 memcached:11211:udp postgresql:5432 \
	mysql:3306 clickhouse-http:8123 clickhouse-native:9000 etcd:2379 mongodb:27017 elasticsearch:9200 \
	kubelet:10250 docker:2375 ollama:11434 qdrant:6333 jupyter:8888 couchdb:5984

echo "== agent CPU for 200 probes (leakwatch listeners, 200 RESP listeners, concurrency 4)"
for i in $(seq 1 200); do echo "addr add 10.213.8.$i/32 dev ${NS}n"; done | ip -n $NS -batch -
bg resp200 ip netns exec "$NS" python3 tests/integration/resp200.py "$D/hits.txt" 0 10.213.8
sleep 1
cat >"$D/agent.yaml" <<YAML
exposure:
  public_cidrs: [10.213.8.0/24]
log:
  level: error
YAML
python3 - "$BUILD/leakwatch" "$D/agent.yaml" <<'PY'
import resource, subprocess, sys, time
def run(*extra):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    out = subprocess.run([sys.argv[1], "listeners", "--config", sys.argv[2], "--format", "json", *extra],
                         capture_output=True, text=True).stdout
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, out.count('"state":"none"')
rounds = [(run("--no-probe"), run()) for _ in range(5)]
base = sorted(r[0][0] for r in rounds)[2]
probed = sorted(r[1][0] for r in rounds)[2]
wall = sorted(r[1][1] for r in rounds)[2]
print(f"  without probes: {base * 1000:.1f} ms CPU; with: {probed * 1000:.1f} ms CPU, {wall * 1000:.0f} ms wall,"
      f" {rounds[-1][1][2]} verdicts 'none'")
print(f"  200 probes cost {(probed - base) * 1000:.1f} ms of CPU ({(probed - base) * 5000:.0f} µs per probe)"
      f" (medians of 5)")
PY
