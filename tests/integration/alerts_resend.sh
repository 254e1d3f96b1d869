#!/usr/bin/env bash
# Alertmanager re-sends never let an alert lapse: with 5,000 leak alerts and
# 30 listener alerts firing and a short resend_interval, every one of them
# stays active in a real Alertmanager across five intervals. Re-sends go in
# pages of 2,000 by key, each page queueing the next, so no kind of alert
# can be starved by the order of another.
. "$(dirname "$0")/lib.sh"

AM_BIN=${AM_BIN:-/usr/bin/prometheus-alertmanager}
[ -x "$AM_BIN" ] || { fail "prometheus-alertmanager" "$AM_BIN is missing (deploy/setup.sh installs it)"; exit 1; }
AM_PORT=$(free_port)
CSTATE=$WORK/collector
start_alertmanager "$AM_PORT"
check "Alertmanager is up on loopback" curl -sf "http://127.0.0.1:$AM_PORT/-/ready"

# endsAt is four intervals ahead, and at least 60 s: at 15 s, five intervals
# outlast an alert's lifetime, so one left out of the re-sends would lapse
RESEND=15
cat >"$WORK/collector.yaml" <<YAML
state_dir: $CSTATE
server:
  listen: 127.0.0.1:0
alerting:
  sinks:
    - name: am
      type: alertmanager
      url: http://127.0.0.1:$AM_PORT
  routes:
    - {sink: am, kind: [listener, leak]}
  resend_interval: ${RESEND}s
  group_window: 0s
YAML
start_collector "$WORK/collector.yaml" || exit 1
TOKEN=$(cat "$CSTATE/token")

# 5,000 critical leaks on one host, then 30 exposed listeners (high)
python3 - "$WORK" "$LW_ROOT" <<'PY'
import gzip, os, sys, time
sys.path.insert(0, sys.argv[2] + "/tests/integration")
import pbbatch
work, now = sys.argv[1], time.time_ns()
host = {"hostname": "busy-1", "machine_id": "m-busy-1"}
for b in range(5):
    evs = [{"host": host, "process": {"pid": 7, "comm": "api"},
            "leak": {"rule": "github-pat", "family": "github-classic", "severity": "critical",
                     "redacted": "ghp_...abcd", "fingerprint": "%032x" % (b * 1000 + i + 1),
                     "path": "/var/log/api/%d.log" % i, "count": 1, "first_seen": now, "last_seen": now}}
           for i in range(1000)]
    open(f"{work}/leaks{b}.gz", "wb").write(gzip.compress(pbbatch.encode_batch(
        {"agent_id": "busy-1", "sequence": b + 1, "events": evs})))
evs = [{"host": host, "process": {"pid": 100 + i, "comm": "redis-server"},
        "listener": {"action": "open", "protocol": "tcp", "address": "0.0.0.0", "port": 10000 + i,
                     "wildcard": True, "exposure": "public", "severity": "high", "unexpected": True,
                     "service": {"name": "redis", "category": "database"},
                     "reachable": [{"address": "203.0.113.5", "class": "public", "interface": "eth0"}]}}
       for i in range(30)]
open(f"{work}/listeners.gz", "wb").write(gzip.compress(pbbatch.encode_batch(
    {"agent_id": "busy-1", "sequence": 6, "events": evs})))
PY
for f in leaks0 leaks1 leaks2 leaks3 leaks4 listeners; do
	code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
		-H "Content-Type: application/x-protobuf" -H "Content-Encoding: gzip" \
		--data-binary @"$WORK/$f.gz" "$URL/v1/events")
	expect "batch $f stored" 200 "$code"
done

# active COUNTS: "leaks listeners" active in Alertmanager
active() {
	curl -s "http://127.0.0.1:$AM_PORT/api/v2/alerts?active=true&silenced=false&inhibited=false" |
		python3 -c '
import json, sys
alerts = json.load(sys.stdin)
kinds = [a["labels"].get("kind", a["labels"].get("alertname", "")) for a in alerts]
print(sum(1 for k in kinds if "eak" in k), sum(1 for k in kinds if "isten" in k))'
}
for _ in $(seq 300); do
	[ "$(active)" = "5000 30" ] && break
	sleep 0.2
done
expect "all 5,030 alerts reach Alertmanager" "5000 30" "$(active)"

# five resend intervals
worst="5000 30"
end=$((SECONDS + 5 * RESEND + 2))
while [ "$SECONDS" -lt "$end" ]; do
	now=$(active)
	[ "$now" = "5000 30" ] || worst=$now
	sleep 1
done
expect "all 30 listener alerts and 5,000 leak alerts stay active across 5 intervals" "5000 30" "$worst"
check "the collector still holds them firing" bash -c \
	"[ \"\$(dbq '$CSTATE/collector.db' \"SELECT count(*) FROM alerts WHERE status = 'firing'\")\" = 5030 ]"
