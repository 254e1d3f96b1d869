#!/usr/bin/env bash
# Alerting end to end with the real things: the agent on the real kernel, a
# real redis-server in a test network namespace whose address the agent is
# told is public, the collector, and a real Prometheus Alertmanager on
# loopback. An exposed redis fires an alert that Alertmanager's own API shows
# with the expected labels; stopping redis resolves it. A GitHub token written
# 1,000 times into a log pages once (PagerDuty stand-in on loopback), shows in
# Alertmanager, and resolves when acknowledged. The raw token is in no
# notification, nor in Alertmanager, the collector's log or its database.
# A real ClickHouse 18.16 whose default user has no password is a critical
# alert (and a page: the pager's route wants critical); setting its password
# makes the agent's next probe a verified event with auth required, and the
# alert is updated to high in place: one alert in Alertmanager, the page
# resolved.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_servers.sh"

AM_BIN=${AM_BIN:-/usr/bin/prometheus-alertmanager}
if [ ! -x "$AM_BIN" ]; then
	fail "prometheus-alertmanager" "$AM_BIN is missing (deploy/setup.sh installs it)"
	exit 1
fi

HOSTNAME_=$(uname -n)
AM_PORT=$(free_port)
RPORT=$(free_port)
CPORT=$(free_port)
RLOG=$WORK/received.jsonl
CSTATE=$WORK/collector
DB=$CSTATE/collector.db
mkdir -p "$WORK/logs" "$WORK/am"

# --- a real Alertmanager: loopback, no cluster, a receiver that drops --------
start_alertmanager "$AM_PORT"
check "Alertmanager is up on loopback" curl -sf "http://127.0.0.1:$AM_PORT/-/ready"

# --- a PagerDuty stand-in that records what it gets ------------------------
start_sink_receiver "$RPORT" "$RLOG" || exit 1

cat >"$WORK/collector.yaml" <<YAML
state_dir: $CSTATE
server:
  listen: 127.0.0.1:$CPORT
alerting:
  sinks:
    - name: am
      type: alertmanager
      url: http://127.0.0.1:$AM_PORT
    - name: pager
      type: pagerduty
      routing_key: e2e-routing-key
      url: http://127.0.0.1:$RPORT/pd
  routes:
    - {sink: pager, kind: leak, continue: true}
    - {sink: pager, kind: listener, min_severity: critical, continue: true}
    - {sink: am, kind: [listener, leak]}
  runbooks:
    listener: https://wiki.example.com/runbooks/exposed-listener
  resend_interval: 5s
  # each listener pages alone, at once, rather than in a storm's notification
  group_window: 0s
YAML
start_collector "$WORK/collector.yaml" || exit 1

make_netns lwa-pub 10.231.9.2/24 10.231.9.1/24 || exit 1
NETNS=$(netns_ino lwa-pub)
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/agent
agent:
  health_interval: 1s
exposure:
  # the test's veth range stands in for an internet-facing interface
  public_cidrs: [10.231.9.0/24]
collector:
  url: http://127.0.0.1:$CPORT
  token_file: $CSTATE/token
  flush_interval: 200ms
  max_backoff: 1s
leaks:
  coalesce_delay: 0s
  coalesce_window: 0s
probe:
  interval: 1m
YAML
start_agent "$WORK/agent.yaml" || exit 1


# pd_count ACTION KEY WANT: PagerDuty events of that action for that dedup_key,
# once there are WANT of them (or after 15 s)
pd_count() {
	python3 - "$RLOG" "$1" "$2" "$3" <<'PY'
import json, sys, time
log, action, key, want = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
for _ in range(150):
    n = 0
    for line in open(log):
        b = json.loads(json.loads(line)["body"])
        n += b.get("dedup_key") == key and b.get("event_action") == action
    if n >= want:
        break
    time.sleep(0.1)
print(n)
PY
}

# am_alert FILTER [--absent]: Alertmanager's GET /api/v2/alerts has (or, with
# --absent, no longer has) an alert for which FILTER over `a` holds, in 30 s
am_alert() {
	python3 - "http://127.0.0.1:$AM_PORT/api/v2/alerts" "$1" "${2:-}" <<'PY'
import json, sys, time, urllib.request
url, flt, absent = sys.argv[1], sys.argv[2], sys.argv[3] == "--absent"
for _ in range(300):
    alerts = json.load(urllib.request.urlopen(url))
    hits = [a for a in alerts if eval(flt)]
    if bool(hits) != absent:
        if hits:
            print(json.dumps(hits[0]))
        sys.exit(0)
    time.sleep(0.1)
sys.exit("still there" if absent else f"not there; Alertmanager has {len(alerts)}: "
         + json.dumps([a["labels"] for a in alerts])[:600])
PY
}

# --- an open ClickHouse on a public address: a critical alert, and a page -------
NS=lwa-pub
D=$(mktemp -d /tmp/lwa13.XXXXXX)
chmod 755 "$D"
on_exit "rm -rf $D"
in_ns ip link set lo up
start_clickhouse 8123 9000
wait_port lwa-pub tcp 8123 || wait_port lwa-pub tcp 8123 || fail "clickhouse-server started"
IS_CH="a['labels'].get('alertname') == 'LeakwatchExposedListener' and a['labels'].get('port') == '8123' and a['labels'].get('netns') == '$NETNS'"
if out=$(am_alert "$IS_CH and a['labels'].get('severity') == 'critical'"); then
	pass "an open ClickHouse is a critical alert in Alertmanager"
	check "    it answers without credentials: summary and description say so" python3 - "$out" <<'PY'
import json, sys
a = json.loads(sys.argv[1])
n = a["annotations"]
assert "answers without credentials on a public address: 0.0.0.0:8123/tcp" in n["summary"], n["summary"]
assert "Access: it answered the agent's probe without any credentials (SELECT 1 -> 1)" in n["description"], n
assert "identified by its reply to the agent's probe" in n["description"], n["description"]
PY
else
	fail "an open ClickHouse is a critical alert in Alertmanager" "$out"
fi
CH_KEY=$(dbq "$DB" "SELECT key FROM alerts WHERE kind = 'listener' AND labels LIKE '%port=8123%netns=$NETNS%'")
expect "    and pages: the pager's route wants critical" 1 "$(pd_count trigger "$CH_KEY" 1)"
CH_SECRET="Ch13$(head -c 15 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
ch_users "$CH_SECRET" # the next probe, a minute after the first, finds it locked
CH_LOCKED_AT=$(date +%s)

# --- an exposed redis fires; stopping it resolves -----------------------------
bg redis ip netns exec lwa-pub redis-server --port 6379 --bind 0.0.0.0 --protected-mode no \
	--save '' --appendonly no --daemonize no
REDIS_PID=$BG_PID
wait_port lwa-pub tcp 6379 || fail "redis-server started"
IS_REDIS="a['labels'].get('alertname') == 'LeakwatchExposedListener' and a['labels'].get('port') == '6379' and a['labels'].get('netns') == '$NETNS'"
if out=$(am_alert "$IS_REDIS"); then
	pass "an exposed redis is a firing alert in Alertmanager"
	check "    labels: alertname, severity, host, kind, service, protocol, address, port, netns" python3 - "$out" "$HOSTNAME_" <<'PY'
import json, sys
a, host = json.loads(sys.argv[1]), sys.argv[2]
l = a["labels"]
want = {"alertname": "LeakwatchExposedListener", "severity": "critical", "host": host, "kind": "listener",
        "service": "redis", "protocol": "tcp", "address": "0.0.0.0", "port": "6379"}
for k, v in want.items():
    assert l.get(k) == v, (k, l.get(k), v)
assert a["status"]["state"] == "active", a["status"]
n = a["annotations"]
assert n["summary"] == f"redis on {host} answers without credentials on a public address: 0.0.0.0:6379/tcp", n["summary"]
for part in ("What:", "Where:", "Why:", "What to do:", "10.231.9.2 (public", "process redis-server"):
    assert part in n["description"], (part, n["description"])
assert n["runbook_url"] == "https://wiki.example.com/runbooks/exposed-listener"
assert n["dedup_key"].startswith(f"leakwatch/listener/{host}/")
PY
	echo "    labels: $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["labels"])' "$out")"
else
	fail "an exposed redis is a firing alert in Alertmanager" "$out"
fi
kill "$REDIS_PID"
if out=$(am_alert "$IS_REDIS" --absent); then
	pass "stopping redis resolves it: gone from Alertmanager's active alerts"
else
	fail "stopping redis resolves it" "$out"
fi
check "    the collector holds it resolved, with an end" test \
	"$(dbq "$DB" "SELECT status, CASE WHEN ends_ns > starts_ns THEN 1 ELSE 0 END FROM alerts WHERE kind = 'listener' AND labels LIKE '%port=6379%netns=$NETNS%'")" = "resolved|1"

# --- a token written 1,000 times into a log pages once ------------------------
TOKEN=$(gh_token)
export TOKEN
python3 - "$WORK/logs/app.log" <<'PY'
import os, sys, time
tok = os.environ["TOKEN"].encode()
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
for i in range(1000):
    os.write(fd, b"INFO request %d authorization: token " % i + tok + b"\n")
    if i % 100 == 99:
        time.sleep(0.05)  # several flushes: several events reach the collector
PY
expect_json "the agent reports the leak" "$WORK/agent.out" kind=leak file.path="$WORK/logs/app.log"
FP=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("kind") == "leak":
        print(e["fingerprint"]); break' "$WORK/agent.out")
check "the collector stores all 1,000 sightings" bash -c '
	for _ in $(seq 300); do
		n=$(dbq "$1" "SELECT total_count FROM leaks WHERE fingerprint = '"'"'$2'"'"'" 2>/dev/null)
		[ "${n:-0}" -ge 1000 ] && exit 0
		sleep 0.1
	done
	echo "holds ${n:-nothing}"; exit 1' _ "$DB" "$FP"
echo "    from $(dbq "$DB" "SELECT events FROM leaks WHERE fingerprint = '$FP'") event(s) the agent sent"
LEAK_KEY="leakwatch/leak/$FP"
sleep 2
got=$(pd_count trigger "$LEAK_KEY" 1)
expect "written 1,000 times: one page" 1 "$got"
IS_LEAK="a['labels'].get('alertname') == 'LeakwatchCredentialLeak' and a['labels'].get('fingerprint') == '$FP'"
if out=$(am_alert "$IS_LEAK"); then
	pass "the leak is in Alertmanager"
	check "    labels: rule and fingerprint; the redacted form in the summary" python3 - "$out" "$HOSTNAME_" <<'PY'
import json, sys
a, host = json.loads(sys.argv[1]), sys.argv[2]
l = a["labels"]
assert l["rule"].startswith("github") and l["severity"] in ("high", "critical") and l["host"] == host, l
assert "ghp_..." in a["annotations"]["summary"], a["annotations"]
assert "app.log, offset " in a["annotations"]["summary"], a["annotations"]
PY
else
	fail "the leak is in Alertmanager" "$out"
fi
# re-sent every resend_interval (5 s) with the count so far
if am_alert "$IS_LEAK and 'Seen 1000 times' in a['annotations']['description']" >/dev/null; then
	pass "    re-sent with the count: seen 1000 times"
else
	fail "    re-sent with the count: seen 1000 times"
fi
curl -s "http://127.0.0.1:$AM_PORT/api/v2/alerts" >"$WORK/am-alerts.json"

# --- acknowledging it resolves it everywhere ----------------------------------
code=$(curl -s -o "$WORK/ack.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $(cat "$CSTATE/token")" \
	"$URL/v1/findings/$FP/ack?by=e2e")
expect "POST /v1/findings/<fingerprint>/ack: 200" 200 "$code"
if out=$(am_alert "$IS_LEAK" --absent); then
	pass "    the leak is resolved in Alertmanager"
else
	fail "    the leak is resolved in Alertmanager" "$out"
fi
got=$(pd_count resolve "$LEAK_KEY" 1)
expect "    and PagerDuty gets the resolve" 1 "$got"

# --- the ClickHouse password set: verified, required, the alert updated ----------
WAIT_S=$((80 - $(date +%s) + CH_LOCKED_AT))
[ "$WAIT_S" -lt 10 ] && WAIT_S=10
LW_TIMEOUT=$WAIT_S expect_json \
	"setting the password: a verified event with auth required, a minute after the first probe" \
	"$WORK/agent.out" kind=listener event=verified netns="$NETNS" port=8123 auth.state=required \
	auth.protocol=clickhouse-http severity=high
if out=$(am_alert "$IS_CH and a['labels'].get('severity') == 'high'"); then
	pass "the alert is updated in Alertmanager: severity high"
	check "    still one alert: the critical labels ended, the summary says credentials are required" \
		python3 - "http://127.0.0.1:$AM_PORT/api/v2/alerts" "$NETNS" <<'PY'
import json, sys, time, urllib.request
for _ in range(100):
    active = [a for a in json.load(urllib.request.urlopen(sys.argv[1] + "?active=true"))
              if a["labels"].get("port") == "8123" and a["labels"].get("netns") == sys.argv[2]]
    if len(active) == 1:
        break
    time.sleep(0.1)
assert len(active) == 1, [a["labels"] for a in active]
assert active[0]["labels"]["severity"] == "high", active[0]["labels"]
assert "(credentials required)" in active[0]["annotations"]["summary"], active[0]["annotations"]
PY
else
	fail "the alert is updated in Alertmanager: severity high" "$out"
fi
check "    the collector holds it firing, high, with the critical labels kept as ended" test \
	"$(dbq "$DB" "SELECT status, severity, CASE WHEN prev_labels LIKE '%severity=critical%' THEN 1 ELSE 0 END FROM alerts WHERE key = '$CH_KEY'")" = "firing|4|1"
expect "    the page is resolved: the pager's route wants critical only" 1 "$(pd_count resolve "$CH_KEY" 1)"
check "    the listener's auth in the collector: required" test \
	"$(dbq "$DB" "SELECT auth_state FROM listeners WHERE port = 8123 AND netns = $NETNS")" = required
check "the ClickHouse password is in no output" bash -c '! grep -rqF "$1" "$2"' _ "$CH_SECRET" "$WORK"

# --- the raw token is nowhere ---------------------------------------------------
check "the raw token is in no PagerDuty request" bash -c '! grep -qF "$TOKEN" "$1"' _ "$RLOG"
check "    its redacted form is" grep -q 'ghp_\.\.\.' "$RLOG"
check "the raw token is not in Alertmanager's alerts" bash -c '! grep -qF "$TOKEN" "$1"' _ "$WORK/am-alerts.json"
check "the raw token is not in the collector's log" bash -c '! grep -qF "$TOKEN" "$1"' _ "$WORK/collector.err"
dbdump "$DB" >"$WORK/dump.sql"
check "the raw token is not in the collector's database" bash -c '! grep -qF "$TOKEN" "$1"' _ "$WORK/dump.sql"
stop_agent
stop_collector
expect "the collector stops cleanly" 0 "$?"
