#!/usr/bin/env bash
# Alert routing from the collector to PagerDuty, Slack and a JSON webhook.
# Those services are outside the network, so a loopback HTTP receiver stands
# in and records every request; each payload is checked against the
# documented schema. Batches are posted as an agent would (pbbatch.py):
# payloads and resolve, one page for 1,000 sightings of one leak, a storm of
# listeners grouped, acknowledgements (API and CLI), agent health, the
# outbox across 503s and a kill -9, and configuration errors.
. "$(dirname "$0")/lib.sh"

PB="$LW_ROOT/tests/integration/pbbatch.py"
RPORT=$(free_port)
RLOG="$WORK/received.jsonl"
HOST=db-1
FP_A=0123456789abcdef0123456789abcdef
FP_B=00112233445566778899aabbccddeeff
FP_C=fedcba9876543210fedcba9876543210
FP_D=aaaabbbbccccddddeeeeffff00001111

start_sink_receiver "$RPORT" "$RLOG" || exit 1

# requests PATH [PYTHON FILTER over r (the record) and b (its JSON body)]:
# the matching recorded requests, one JSON record per line
requests() {
	python3 - "$RLOG" "$1" "${2:-True}" <<'PY'
import json, sys
log, path, flt = sys.argv[1:4]
for line in open(log):
    r = json.loads(line)
    if r["path"] != path:
        continue
    b = json.loads(r["body"]) if r["body"] else None
    if eval(flt):
        print(line, end="")
PY
}

# wait_requests NAME PATH N [FILTER [MORE]]: N requests within 15 s, and no
# more; with MORE ("+"), N or more (retries that come sooner than a loaded
# machine polls)
wait_requests() {
	local name=$1 path=$2 want=$3 flt=${4:-True} got
	for _ in $(seq 150); do
		got=$(requests "$path" "$flt" | wc -l)
		[ "$got" -ge "$want" ] && break
		sleep 0.1
	done
	if [ "$got" -eq "$want" ] || { [ "${5:-}" = + ] && [ "$got" -gt "$want" ]; }; then
		pass "$name"
	else
		fail "$name" "$got request(s) to $path, wanted $want${5:-}"
	fi
}

# stays NAME PATH N [FILTER]: still N after 1.5 s more
stays() {
	sleep 1.5
	local got
	got=$(requests "$2" "${4:-True}" | wc -l)
	if [ "$got" -eq "$3" ]; then pass "$1"; else fail "$1" "$got request(s) to $2, wanted $3"; fi
}

TOKEN=
post() { # SPEC.json: as an agent would
	python3 "$PB" batch "$1" --gzip >"$WORK/body.gz"
	curl -s -o /dev/null -w '%{http_code}' --max-time 20 -X POST -H "Authorization: Bearer $TOKEN" \
		-H 'Content-Type: application/x-protobuf' -H 'Content-Encoding: gzip' \
		--data-binary @"$WORK/body.gz" "$URL/v1/events"
}

head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/hook.token"
echo "pd-integration-key-0123456789abcd" >"$WORK/pd.key"
chmod 600 "$WORK/hook.token" "$WORK/pd.key"
STATE=$WORK/state
DB=$STATE/collector.db
cat >"$WORK/collector.yaml" <<EOF
state_dir: $STATE
server:
  listen: 127.0.0.1:0
log:
  level: debug
alerting:
  sinks:
    - name: pager
      type: pagerduty
      routing_key_file: $WORK/pd.key
      url: http://127.0.0.1:$RPORT/pd
    - name: chat
      type: slack
      url: http://127.0.0.1:$RPORT/slack
    - name: siem
      type: webhook
      url: http://127.0.0.1:$RPORT/hook
      token_file: $WORK/hook.token
  routes:
    - sink: pager
      kind: [listener, leak]
      min_severity: high
      continue: true
    - sink: siem
      kind: [listener, leak]
      continue: true
    - sink: chat
  runbooks:
    listener: https://wiki.example.com/runbooks/exposed-listener
    leak: https://wiki.example.com/runbooks/credential-in-log
  group_window: 2s
  retry:
    backoff: 200ms
  health:
    heartbeat_timeout: 4s
    drop_reports: 2
    spool_bytes: 1MiB
EOF
start_collector "$WORK/collector.yaml" || exit 1
TOKEN=$(cat "$STATE/token")

# --- an exposed listener and a leak: one notification each, per sink --------

cat >"$WORK/first.json" <<EOF
{"agent_id": "agent-db-1", "sequence": 1, "events": [
 {"host": {"hostname": "$HOST", "machine_id": "m-db-1", "agent_version": "0.2.0"},
  "process": {"pid": 7012, "comm": "redis-server", "exe": "/usr/bin/redis-server", "user": "redis"},
  "container": {"id": "3f2a9c1b0d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4", "runtime": "containerd",
                "pod_name": "cache-0", "pod_namespace": "prod", "container_name": "redis"},
  "listener": {"action": "open", "protocol": "tcp", "address": "0.0.0.0", "port": 6379,
               "wildcard": true, "netns": 4026531840, "exposure": "public", "severity": "high",
               "unexpected": true, "service": {"name": "redis", "category": "database"},
               "reachable": [{"address": "203.0.113.5", "class": "public", "interface": "eth0"}]}},
 {"host": {"hostname": "$HOST", "machine_id": "m-db-1"}, "process": {"pid": 99, "comm": "api", "exe": "/srv/api"},
  "leak": {"rule": "github-pat", "family": "github-classic", "severity": "critical",
           "redacted": "ghp_...9xYz", "fingerprint": "$FP_A",
           "path": "/var/log/api/access.log", "offset": 5120, "count": 1}}
]}
EOF
expect "a listener and a leak stored" 200 "$(post "$WORK/first.json")"
LKEY="leakwatch/listener/$HOST/4026531840/tcp/0.0.0.0/6379"
KKEY="leakwatch/leak/$FP_A"
wait_requests "PagerDuty: a trigger for the listener" /pd 1 "b['dedup_key'] == '$LKEY'"
wait_requests "PagerDuty: a trigger for the leak" /pd 1 "b['dedup_key'] == '$KKEY'"
wait_requests "Slack: a message each" /slack 2
wait_requests "webhook: a request each" /hook 2

check "PagerDuty payloads follow Events API v2" python3 - "$RLOG" "$LKEY" "$KKEY" <<'PY'
import json, re, sys
log, lkey, kkey = sys.argv[1:4]
pd = [json.loads(json.loads(l)["body"]) for l in open(log) if json.loads(l)["path"] == "/pd"]
by = {b["dedup_key"]: b for b in pd}
rfc3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
for key, sev, comp, cls in ((lkey, "error", "redis", "LeakwatchExposedListener"),
                            (kkey, "critical", "github-pat", "LeakwatchCredentialLeak")):
    b = by[key]
    assert b["routing_key"] == "pd-integration-key-0123456789abcd", b
    assert b["event_action"] == "trigger" and len(b["dedup_key"]) <= 255
    p = b["payload"]
    for f in ("summary", "source", "severity"):   # required by the Events API
        assert p.get(f), (f, p)
    assert len(p["summary"]) <= 1024 and p["source"] == "db-1" and p["severity"] == sev, p
    assert rfc3339.match(p["timestamp"]) and p["component"] == comp and p["class"] == cls, p
    d = p["custom_details"]
    for part in ("What:", "Where:", "Why:", "What to do:"):
        assert part in d["description"], (part, d["description"])
    assert b["links"][0]["href"].startswith("https://wiki.example.com/runbooks/")
l = by[lkey]["payload"]
assert l["summary"] == "redis on db-1 listens on a public address: 0.0.0.0:6379/tcp", l["summary"]
assert "pod prod/cache-0" in l["custom_details"]["description"]
assert "not on the expected list" in l["custom_details"]["description"]
assert l["custom_details"]["labels"]["namespace"] == "prod" and l["custom_details"]["labels"]["pod"] == "cache-0"
k = by[kkey]["payload"]
assert "/var/log/api/access.log, offset 5120" in k["summary"], k["summary"]
assert k["custom_details"]["details"]["redacted"] == "ghp_...9xYz"
assert k["custom_details"]["details"]["fingerprint"] == "0123456789abcdef0123456789abcdef"
PY
check "Slack messages: text and a mrkdwn section with what, where, why, what to do" python3 - "$RLOG" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["path"] != "/slack":
        continue
    b = json.loads(r["body"])
    assert b["text"].startswith("[FIRING] "), b["text"]
    sec = b["blocks"][0]
    assert sec["type"] == "section" and sec["text"]["type"] == "mrkdwn"
    t = sec["text"]["text"]
    assert len(t) <= 3000
    for part in ("[FIRING:", "What:", "Where:", "Why:", "What to do:", "|Runbook>"):
        assert part in t, (part, t)
    assert r["headers"]["content-type"] == "application/json"
PY
check "webhook payloads: version, id, status, dedup_key, alerts with labels; bearer token; idempotency key" \
	python3 - "$RLOG" "$(cat "$WORK/hook.token")" <<'PY'
import json, sys
log, token = sys.argv[1:3]
n = 0
for line in open(log):
    r = json.loads(line)
    if r["path"] != "/hook":
        continue
    n += 1
    b = json.loads(r["body"])
    assert b["version"] == "leakwatch.alert.v1" and isinstance(b["id"], int) and b["status"] == "firing", b
    assert b["kind"] in ("listener", "leak") and b["group"] is None
    a = b["alerts"][0]
    assert a["dedup_key"] == b["dedup_key"] and a["status"] == "firing"
    for f in ("alertname", "severity", "host", "kind"):
        assert a["labels"][f], f
    assert a["labels"]["service" if a["kind"] == "listener" else "rule"]
    for f in ("summary", "description", "runbook_url", "details", "count", "starts_at"):
        assert a[f] is not None, f
    assert r["headers"]["authorization"] == "Bearer " + token
    assert r["headers"]["idempotency-key"].startswith("leakwatch-")
assert n == 2
PY
check "the webhook's bearer token and PagerDuty's key are not in the log" bash -c \
	"! grep -qF -e '$(cat "$WORK/hook.token")' -e pd-integration-key '$WORK/collector.err'"

# --- the listener closes: resolved everywhere, with the same key ------------

cat >"$WORK/close.json" <<EOF
{"agent_id": "agent-db-1", "sequence": 2, "events": [
 {"host": {"hostname": "$HOST"}, "listener": {"action": "close", "protocol": "tcp", "address": "0.0.0.0",
  "port": 6379, "netns": 4026531840, "exposure": "public", "severity": "high"}}]}
EOF
expect "the close stored" 200 "$(post "$WORK/close.json")"
wait_requests "PagerDuty: resolve with the listener's dedup_key" /pd 1 \
	"b['event_action'] == 'resolve' and b['dedup_key'] == '$LKEY' and b['routing_key']"
wait_requests "Slack: a resolved message" /slack 1 "b['text'].startswith('[RESOLVED] redis on db-1')"
wait_requests "webhook: status resolved, with ends_at" /hook 1 \
	"b['status'] == 'resolved' and b['alerts'][0]['ends_at'] and b['dedup_key'] == '$LKEY'"
expect "the same close again resolves nothing more" 200 "$(post "$WORK/close.json")"
stays "    (no second resolve)" /pd 1 "b['event_action'] == 'resolve'"

# --- dedup: the same leak 1,000 times pages once ---------------------------

for b in $(seq 10); do
	python3 - "$b" "$FP_B" >"$WORK/dup.json" <<'PY'
import json, sys
b, fp = int(sys.argv[1]), sys.argv[2]
ev = {"host": {"hostname": "web-7"}, "process": {"pid": 4, "comm": "worker"},
      "leak": {"rule": "github-pat", "severity": "critical", "redacted": "ghp_...abcd",
               "fingerprint": fp, "path": "/var/log/worker.log", "count": 1}}
print(json.dumps({"agent_id": "agent-web-7", "sequence": b, "events": [ev] * 100}))
PY
	code=$(post "$WORK/dup.json")
	[ "$code" = 200 ] || fail "dedup batch $b" "HTTP $code"
done
expect "1,000 sightings stored" 1000 "$(dbq "$DB" "SELECT total_count FROM leaks WHERE fingerprint = '$FP_B'")"
wait_requests "1,000 sightings of one leak: one PagerDuty trigger" /pd 1 "b['dedup_key'] == 'leakwatch/leak/$FP_B'"
stays "    and no more" /pd 1 "b['dedup_key'] == 'leakwatch/leak/$FP_B'"
expect "    one webhook request" 1 "$(requests /hook "b['dedup_key'] == 'leakwatch/leak/$FP_B'" | wc -l)"
expect "    the alert counts them all" 1000 "$(dbq "$DB" "SELECT count FROM alerts WHERE key = 'leakwatch/leak/$FP_B'")"
# the same credential on two more hosts: the same problem, one alert, not three
python3 - "$FP_B" >"$WORK/fleet.json" <<'PY'
import json, sys
ev = lambda h: {"host": {"hostname": h}, "process": {"pid": 4, "comm": "worker"},
                "leak": {"rule": "github-pat", "severity": "critical", "redacted": "ghp_...abcd",
                         "fingerprint": sys.argv[1], "path": "/var/log/worker.log", "count": 1}}
print(json.dumps({"agent_id": "agent-fleet", "sequence": 1, "events": [ev("web-8"), ev("web-9")]}))
PY
expect "the same leak on web-8 and web-9" 200 "$(post "$WORK/fleet.json")"
stays "    still one PagerDuty trigger for the credential" /pd 1 "b['dedup_key'] == 'leakwatch/leak/$FP_B'"
expect "    one alert, counting every sighting" "1 1002" \
	"$(dbq "$DB" "SELECT count(*), max(count) FROM alerts WHERE fingerprint = '$FP_B'" | tr '|' ' ')"

# --- a storm of new listeners from one host is grouped ---------------------

python3 - >"$WORK/storm.json" <<'PY'
import json
ev = [{"host": {"hostname": "web-2"}, "process": {"pid": 100 + i, "comm": "worker"},
       "listener": {"action": "open", "protocol": "tcp", "address": "0.0.0.0", "port": 9000 + i,
                    "netns": 1, "exposure": "public", "severity": "high", "unexpected": True}}
      for i in range(20)]
print(json.dumps({"agent_id": "agent-web-2", "sequence": 1, "events": ev}))
PY
expect "20 new listeners on one host" 200 "$(post "$WORK/storm.json")"
GKEY=leakwatch/listeners/web-2
wait_requests "the first is paged at once" /pd 1 "b['dedup_key'] == 'leakwatch/listener/web-2/1/tcp/0.0.0.0/9000'"
wait_requests "the other 19 come as one grouped page at the window's end" /pd 1 \
	"b['dedup_key'] == '$GKEY' and b['event_action'] == 'trigger' and b['payload']['summary'] == '19 new exposed listeners on web-2' and b['payload']['custom_details']['listeners_total'] == 19"
expect "    not one page each" 2 "$(requests /pd "b.get('payload', {}).get('source') == 'web-2'" | wc -l)"
wait_requests "    and one Slack message for the group" /slack 1 "'19 new exposed listeners on web-2' in b['text']"
python3 - >"$WORK/calm.json" <<'PY'
import json
ev = [{"host": {"hostname": "web-2"},
       "listener": {"action": "close", "protocol": "tcp", "address": "0.0.0.0", "port": 9000 + i,
                    "netns": 1, "exposure": "public", "severity": "high"}}
      for i in range(20)]
print(json.dumps({"agent_id": "agent-web-2", "sequence": 2, "events": ev}))
PY
expect "the 20 close" 200 "$(post "$WORK/calm.json")"
wait_requests "the group resolves once, by its key" /pd 1 "b['dedup_key'] == '$GKEY' and b['event_action'] == 'resolve'"
wait_requests "the first resolves by its own" /pd 1 \
	"b['dedup_key'] == 'leakwatch/listener/web-2/1/tcp/0.0.0.0/9000' and b['event_action'] == 'resolve'"

# --- an exposure that opens and closes inside a group window ---------------
# Grouping may delay a notice, never swallow one: the MongoDB that was open
# for 20 s is announced once, as already closed, with how long it was open.

python3 - >"$WORK/short.json" <<'PY'
import json, time
now = time.time_ns()
def ev(port, action, t, svc):
    return {"time": t, "host": {"hostname": "web-5"}, "process": {"pid": 300 + port % 100, "comm": svc},
            "listener": {"action": action, "protocol": "tcp", "address": "0.0.0.0", "port": port,
                         "netns": 1, "exposure": "public", "severity": "high", "unexpected": True,
                         "service": {"name": svc, "category": "database"}}}
print(json.dumps({"agent_id": "agent-web-5", "sequence": 1, "events": [
    ev(6379, "open", now - 30 * 10**9, "redis-server"),
    ev(27017, "open", now - 25 * 10**9, "mongod"),
    ev(27017, "close", now - 5 * 10**9, "mongod")]}))
PY
expect "a redis, then a mongod open for 20 s, on one host" 200 "$(post "$WORK/short.json")"
SKEY=leakwatch/listener/web-5/1/tcp/0.0.0.0/27017
wait_requests "the short exposure still reaches Slack, once, as closed after 20 s" /slack 1 \
	"'0.0.0.0:27017' in b['text'] and 'Already closed: it was open for 20 s' in b['blocks'][0]['text']['text']"
wait_requests "    PagerDuty: a trigger that says it is already closed" /pd 1 \
	"b['dedup_key'] == '$SKEY' and b['event_action'] == 'trigger' and b['payload']['summary'].endswith('(already closed: open for 20 s)')"
wait_requests "    then a resolve, so that no incident stays open" /pd 1 \
	"b['dedup_key'] == '$SKEY' and b['event_action'] == 'resolve'"
wait_requests "    webhook: one notice, already_closed, the alert resolved" /hook 1 \
	"b['dedup_key'] == '$SKEY' and b['already_closed'] and b['alerts'][0]['status'] == 'resolved'"
stays "    and Slack hears nothing more of it" /slack 1 "'0.0.0.0:27017' in b['text']"

# --- acknowledging a leak resolves its alert --------------------------------

ack_url() { echo "$URL/v1/findings/$1/ack${2:+?by=$2}"; }
expect "ack without a token: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$(ack_url $FP_A)")"
expect "ack with GET: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$(ack_url $FP_A)")"
expect "ack of a malformed id: 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" "$(ack_url not-a-fingerprint)")"
expect "ack of an unknown leak: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" "$(ack_url 99999999999999999999999999999999)")"
code=$(curl -s -o "$WORK/ack.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" "$(ack_url $FP_A oncall-alice)")
expect "POST /v1/findings/<fingerprint>/ack: 200" 200 "$code"
check "    it says what it did" python3 -c "
import json; d = json.load(open('$WORK/ack.json'))
assert d == {'fingerprint': '$FP_A', 'acknowledged': True, 'already_acknowledged': False, 'alerts_resolved': 1}, d"
wait_requests "    PagerDuty: resolve with the leak's dedup_key" /pd 1 "b['event_action'] == 'resolve' and b['dedup_key'] == '$KKEY'"
wait_requests "    webhook: resolved" /hook 1 "b['status'] == 'resolved' and b['dedup_key'] == '$KKEY'"
code=$(curl -s -o "$WORK/ack.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" "$(ack_url $FP_A)")
check "acking again: 200, already acknowledged" python3 -c "
import json; d = json.load(open('$WORK/ack.json')); assert '$code' == '200' and d['already_acknowledged'] and d['alerts_resolved'] == 0, d"
python3 -c "
import json, sys; s = json.load(open('$WORK/first.json')); s['events'] = s['events'][1:]; s['sequence'] = 3; print(json.dumps(s))" >"$WORK/again.json"
expect "the acknowledged leak written again" 200 "$(post "$WORK/again.json")"
stays "    does not page again" /pd 1 "b['dedup_key'] == '$KKEY' and b['event_action'] == 'trigger'"
curl -s -H "Authorization: Bearer $TOKEN" "$URL/v1/findings?kind=leak" >"$WORK/findings.json"
check "findings show who acknowledged it, and when" python3 -c "
import json; f = [x for x in json.load(open('$WORK/findings.json'))['findings'] if x['fingerprint'] == '$FP_A'][0]
assert f['acknowledged']['by'] == 'oncall-alice' and f['acknowledged']['at'], f['acknowledged']"

# the CLI, against the database the running collector uses
out=$("$COLLECTOR" ack --config "$WORK/collector.yaml" --by bob "$FP_B" 2>&1); rc=$?
expect "leakwatch-collector ack: exit 0" 0 "$rc"
check "    and it says so" grep -q "^$FP_B acknowledged: 1 alert(s) resolved" <<<"$out"
wait_requests "    the running collector delivers the resolve" /pd 1 \
	"b['event_action'] == 'resolve' and b['dedup_key'] == 'leakwatch/leak/$FP_B'"
out=$("$COLLECTOR" ack --db "$DB" 77777777777777777777777777777777 2>&1); rc=$?
expect "leakwatch-collector ack of an unknown fingerprint: exit 1" 1 "$rc"
out=$("$COLLECTOR" ack --db "$DB" xyz 2>&1); rc=$?
expect "leakwatch-collector ack of a malformed one: exit 2" 2 "$rc"

# --- agent health: sustained drops, a filling spool, a silent agent ----------

health() { # SEQ UPTIME DROPS SPOOL_BYTES
	cat >"$WORK/health.json" <<EOF
{"agent_id": "agent-h", "sequence": $1, "events": [
 {"host": {"hostname": "db-9", "agent_version": "0.2.0"},
  "health": {"drops": {"ringbuf_full": $3, "spool_full": 0}, "uptime_seconds": $2,
             "spool": {"bytes": $4, "records": 10, "oldest_age_seconds": 5}}}]}
EOF
	post "$WORK/health.json" >/dev/null
	sleep 0.05 # the next one is newer
}
health 1 60 0 0
health 2 120 40 0
wait_requests "one heartbeat with new drops: no alert yet" /slack 0 "'db-9' in b['text']"
health 3 180 90 0
wait_requests "two in a row (drop_reports: 2): agent losing events" /slack 1 \
	"b['text'] == '[FIRING] leakwatch agent on db-9 is losing events'"
out=$(requests /slack "'losing events' in b['text']")
check "    with the counters in the text" grep -q 'ringbuf_full=90' <<<"$out"
health 4 240 90 0
health 5 300 90 0
wait_requests "two quiet heartbeats: resolved" /slack 1 "b['text'] == '[RESOLVED] leakwatch agent on db-9 is losing events'"
health 6 360 90 $((2 << 20))
wait_requests "a spool past spool_bytes: filling" /slack 1 "b['text'] == '[FIRING] leakwatch agent spool on db-9 is filling'"
health 7 420 90 1000
wait_requests "    back under: resolved" /slack 1 "b['text'] == '[RESOLVED] leakwatch agent spool on db-9 is filling'"
# agent-h is now silent: no heartbeat for heartbeat_timeout (4 s)
wait_requests "no heartbeat for 4 s: the agent stopped reporting" /slack 1 \
	"b['text'] == '[FIRING] leakwatch agent on db-9 stopped reporting'"
stays "    paged once" /slack 1 "'stopped reporting' in b['text'] and 'FIRING' in b['text']"
health 8 480 90 0
wait_requests "    a heartbeat resolves it" /slack 1 "b['text'] == '[RESOLVED] leakwatch agent on db-9 stopped reporting'"
expect "PagerDuty got none of it (min_severity: high, listener and leak only)" 0 "$(requests /pd "b.get('payload', {}).get('source') == 'db-9'" | wc -l)"
stop_collector
expect "SIGTERM: exit 0" 0 "$?"

# --- the outbox: 503 three times, then 202 -----------------------------------

STATE=$WORK/flaky
DB=$STATE/collector.db
FPORT=$(free_port)
cat >"$WORK/flaky.yaml" <<EOF
state_dir: $STATE
server:
  listen: 127.0.0.1:$FPORT
alerting:
  sinks:
    - {name: flaky, type: webhook, url: "http://127.0.0.1:$RPORT/flaky"}
  routes:
    - {sink: flaky, kind: leak}
  retry: {backoff: 500ms, max_backoff: 1s}
EOF
leak_spec() { # FINGERPRINT
	cat <<EOF
{"agent_id": "agent-f", "sequence": 1, "events": [
 {"host": {"hostname": "db-f"}, "leak": {"rule": "aws-access-key", "severity": "high",
  "redacted": "AKIA...WXYZ", "fingerprint": "$1", "path": "/var/log/f.log", "count": 1}}]}
EOF
}
script /flaky '[503, 503, 503]'
start_collector "$WORK/flaky.yaml" || exit 1
TOKEN=$(cat "$STATE/token")
leak_spec "$FP_C" >"$WORK/f1.json"
expect "a leak for the flaky sink" 200 "$(post "$WORK/f1.json")"
wait_requests "503 three times, then 202: four attempts" /flaky 4 "b['dedup_key'] == 'leakwatch/leak/$FP_C'"
expect "    exactly one delivery" "503 503 503 202" \
	"$(requests /flaky "b['dedup_key'] == 'leakwatch/leak/$FP_C'" | python3 -c 'import json,sys; print(*[json.loads(l)["status"] for l in sys.stdin])')"
stays "    and nothing after it" /flaky 4 "b['dedup_key'] == 'leakwatch/leak/$FP_C'"
expect "    every attempt the same notification (one idempotency key)" 1 \
	"$(requests /flaky "b['dedup_key'] == 'leakwatch/leak/$FP_C'" |
		python3 -c 'import json, sys; print(len({json.loads(l)["headers"]["idempotency-key"] for l in sys.stdin}))')"
expect "    the outbox is empty" 0 "$(dbq "$DB" "SELECT count(*) FROM outbox")"

# killed between the failures: the page survives, and is delivered once
script /flaky '[503, 503, 503]'
leak_spec "$FP_D" >"$WORK/f2.json"
expect "another leak" 200 "$(post "$WORK/f2.json")"
# killed after one of the three failures, whichever: the fourth delivers
wait_requests "the first attempt fails (503)" /flaky 1 "b['dedup_key'] == 'leakwatch/leak/$FP_D'" +
kill -9 "$COLLECTOR_PID"; wait "$COLLECTOR_PID" 2>/dev/null; COLLECTOR_PID=
expect "after kill -9 the notification is still in the outbox" 1 \
	"$(dbq "$DB" "SELECT count(*) FROM outbox WHERE ref = 'leakwatch/leak/$FP_D' AND state = 'pending'")"
start_collector "$WORK/flaky.yaml" || exit 1
wait_requests "after the restart: 503, 503, then 202" /flaky 4 "b['dedup_key'] == 'leakwatch/leak/$FP_D'"
expect "    exactly one delivery" "503 503 503 202" \
	"$(requests /flaky "b['dedup_key'] == 'leakwatch/leak/$FP_D'" | python3 -c 'import json,sys; print(*[json.loads(l)["status"] for l in sys.stdin])')"
stays "    and nothing after it" /flaky 4 "b['dedup_key'] == 'leakwatch/leak/$FP_D'"
expect "    the outbox is empty" 0 "$(dbq "$DB" "SELECT count(*) FROM outbox")"

# a sink that refuses (400) is not retried forever: dropped, logged, counted
script /flaky '[400]'
leak_spec 12121212121212121212121212121212 >"$WORK/f3.json"
expect "a leak the sink refuses" 200 "$(post "$WORK/f3.json")"
wait_requests "a 400 is not retried" /flaky 1 "b['dedup_key'] == 'leakwatch/leak/12121212121212121212121212121212'"
stays "    at all" /flaky 1 "b['dedup_key'] == 'leakwatch/leak/12121212121212121212121212121212'"
check "    it is logged" grep -q 'dropped: HTTP 400' "$WORK/collector.err"
expect "    and kept as dead in the outbox" "dead|HTTP 400" "$(dbq "$DB" "SELECT state, last_error FROM outbox")"
stop_collector

# --- configuration errors: one line naming the key, exit 2 --------------------

config_error() {
	local name=$1 text=$2 out rc
	printf '%b' "$3" >"$WORK/bad.yaml"
	out=$("$COLLECTOR" serve --config "$WORK/bad.yaml" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -ne 2 ]; then
		fail "$name" "exit $rc, wanted 2"
	elif [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ] || ! grep -qF -- "$text" <<<"$out"; then
		fail "$name" "wanted one line naming '$text', got: $out"
	else
		pass "$name"; echo "    $out"
	fi
}
config_error "config: an unknown sink key" "alerting.sinks[0].urls: unknown key" \
	"alerting:\n  sinks:\n    - name: a\n      type: webhook\n      urls: http://x\n"
config_error "config: a route to no sink" "alerting.routes[0].sink: no sink named \"pager\"" \
	"alerting:\n  routes:\n    - sink: pager\n"
config_error "config: a bad severity" "alerting.routes[0].min_severity: expected info, low, medium, high or critical" \
	"alerting:\n  sinks:\n    - {name: a, type: webhook, url: \"http://x\"}\n  routes:\n    - {sink: a, min_severity: urgent}\n"
config_error "config: pagerduty without a key" "alerting.sinks[0]: routing_key: required" \
	"alerting:\n  sinks:\n    - {name: p, type: pagerduty}\n"
config_error "config: a bad backoff" "alerting.retry.backoff" "alerting:\n  retry:\n    backoff: often\n"
