#!/usr/bin/env bash
# Several collectors on one PostgreSQL, as the postgres overlay runs them:
# - two collectors take 100,000 events from 4 agents, 10% of them sent twice,
#   one of them killed with -9 mid-stream: every event is stored exactly
#   once, and listener state and leak counts are what one collector (on
#   SQLite) computes from the same events;
# - alerting: each new problem reaches PagerDuty and a real Alertmanager
#   once, even when both collectors take it at the same moment; the
#   collector sending a page is killed mid-request, and the other sends it
#   once its lease runs out;
# - PostgreSQL stopped for 30 s: the collectors answer 503 (healthz and
#   ingest, with Retry-After), agents keep their events, and both recover
#   without a restart;
# - the pages: a sign-in on one collector is good on the other (one session
#   key, made once in the database), and a key file overrides it.
# It starts a PostgreSQL of its own, once, since it stops it.
. "$(dirname "$0")/lib.sh"
. "$LW_ROOT/tests/integration/lib_postgres.sh"

REAL="$BUILD/leakwatch-collector"
FLEET="$LW_ROOT/tests/integration/fleetclient.py"
AM_BIN=${AM_BIN:-/usr/bin/prometheus-alertmanager}
PGDIR=$(mktemp -d /tmp/lwpg.XXXXXX) # the server's user cannot enter $WORK
PGPORT_NUM=$(free_port)
on_exit "rm -rf '$PGDIR'"
LW_PG_DSN=$(pg_start "$PGDIR" "$PGPORT_NUM") || { fail "PostgreSQL starts"; exit 1; }
on_exit "pg_stop '$PGDIR' immediate"
NAME=lw_fleet
pg_ensure_db "$LW_PG_DSN" "$NAME" || { fail "the fleet's database is created"; exit 1; }
q() { pg_sql "$LW_PG_DSN" "$NAME" "$1"; }

head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/token"
chmod 600 "$WORK/token"

# collector_config NAME [ALERTING_YAML]: a collector of the fleet
collector_config() {
	mkdir -p "$WORK/$1"
	cat >"$WORK/$1.yaml" <<EOF
state_dir: $WORK/$1
server:
  listen: 127.0.0.1:0
  token_file: $WORK/token
storage:
  driver: postgres
  dsn: "$LW_PG_DSN dbname=$NAME"
${2:-}
EOF
}

# launch NAME: starts it, its pid in PID_<NAME>; ready NAME: waits until it
# listens, its URL in URL_<NAME>; start_one NAME: both
launch() {
	: >"$WORK/$1.err"
	# a host name of its own, as a pod has: a lease of a collector killed
	# on another host runs out before it is taken over
	unshare --uts sh -c 'hostname "$0" && exec "$@"' "lwc-$1" \
		"$REAL" serve --config "$WORK/$1.yaml" >/dev/null 2>"$WORK/$1.err" &
	printf -v "PID_$1" %s "$!"
	on_exit "kill -9 $!"
}
start_one() { launch "$1" && ready "$1"; }
ready() {
	local addr
	for _ in $(seq 200); do
		addr=$(grep -o '"msg":"listening","address":"[^"]*' "$WORK/$1.err" | sed 's/.*"address":"//')
		[ -n "$addr" ] && { printf -v "URL_$1" %s "http://$addr"; return 0; }
		sleep 0.05
	done
	tail -3 "$WORK/$1.err" >&2
	return 1
}

health() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1/healthz"; }

# --- both migrate at once: one of them does it ---------------------------------
collector_config a
collector_config b
launch a
launch b
ready a && ready b || { fail "two collectors start at once on one empty database"; exit 1; }
pass "two collectors start at once on one empty database"
expect "    the schema was made once, at the version of this build" "$(awk '/define STORE_SCHEMA_VERSION/ { print $3 }' collector/storage/store.h)" "$(q "SELECT version FROM lw_schema_version")"
expect "    both ready" "200 200" "$(health "$URL_a") $(health "$URL_b")"

# --- the pages: one session across the collectors ---------------------------------
ui_code() { curl -s -o "$WORK/ui.body" -w '%{http_code}' "$@"; }
expect "signing in on collector a" 303 \
	"$(ui_code -c "$WORK/jar.a" --data-urlencode "token@$WORK/token" "$URL_a/ui/login")"
expect "    a's cookie reads collector b's pages" 200 "$(ui_code -b "$WORK/jar.a" "$URL_b/ui/")"
CSRF=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$WORK/ui.body" | head -1 | sed 's/.*value="//; s/"//')
check "    b's page carries the session's CSRF token" test -n "$CSRF"
expect "    a takes the form b's page gave (sign out)" 303 \
	"$(ui_code -b "$WORK/jar.a" --data-urlencode "csrf=$CSRF" "$URL_a/ui/logout")"
expect "    signed out on a, the session is refused by both" "303 303" \
	"$(ui_code -b "$WORK/jar.a" "$URL_a/ui/") $(ui_code -b "$WORK/jar.a" "$URL_b/ui/")"
expect "    a new sign-in on a reads b's pages again" "303 200" \
	"$(ui_code -c "$WORK/jar.a" --data-urlencode "token@$WORK/token" "$URL_a/ui/login") $(ui_code -b "$WORK/jar.a" "$URL_b/ui/")"
expect "    a forged cookie is refused by both" "303 303" \
	"$(ui_code -b 'leakwatch_session=616c696365.9999999999.00000000000000000000000000000000000000000000000000000000000000000000000000000000' "$URL_a/ui/") $(ui_code -b 'leakwatch_session=616c696365.9999999999.00000000000000000000000000000000000000000000000000000000000000000000000000000000' "$URL_b/ui/")"
expect "    one key in the database, made by the first collector" 1 \
	"$(q "SELECT count(*) FROM shared_keys WHERE name = 'ui_session' AND length(value) = 32")"
KEYHEX=$(q "SELECT encode(value, 'hex') FROM shared_keys WHERE name = 'ui_session'")
curl -s "$URL_a/metrics" >"$WORK/metrics.a"
check "    the key is in no log and not in /metrics" sh -c \
	"! grep -qi -e '$KEYHEX' '$WORK/a.err' '$WORK/b.err' '$WORK/metrics.a' '$WORK/ui.body'"
check "    each log says where its key comes from" sh -c \
	"grep -q 'the key the database shares' '$WORK/a.err' && grep -q 'the key the database shares' '$WORK/b.err'"
# a key file (a Secret) wins over the database's
head -c 48 /dev/urandom | base64 >"$WORK/session.key"
chmod 600 "$WORK/session.key"
collector_config c
sed -i "s|^server:|server:\n  session_key_file: $WORK/session.key|" "$WORK/c.yaml"
start_one c || fail "a collector with server.session_key_file starts"
expect "a collector with its own key file refuses a's cookie" 303 "$(ui_code -b "$WORK/jar.a" "$URL_c/ui/")"
expect "    and its sign-in is refused by a" "303 303" \
	"$(ui_code -c "$WORK/jar.c" --data-urlencode "token@$WORK/token" "$URL_c/ui/login") $(ui_code -b "$WORK/jar.c" "$URL_a/ui/")"
expect "    but read by itself" 200 "$(ui_code -b "$WORK/jar.c" "$URL_c/ui/")"
check "    its log names the key file, not the key" sh -c \
	"grep -q 'server.session_key_file' '$WORK/c.err' && ! grep -qF \"\$(cat '$WORK/session.key')\" '$WORK/c.err'"
kill "$PID_c"
wait "$PID_c" 2>/dev/null

# --- 4 agents, 100,000 events, 10% twice, one collector killed mid-stream --------
python3 "$FLEET" --urls "$URL_a,$URL_b" --token "$WORK/token" --clients 4 --events 100000 --dups 0.1 \
	--seed fleet >"$WORK/fleet.json" 2>"$WORK/fleet.err" &
FLEET_PID=$!
for _ in $(seq 300); do
	[ "$(q "SELECT count(*) FROM events")" -ge 30000 ] 2>/dev/null && break
	sleep 0.1
done
kill -9 "$PID_b"
wait "$PID_b" 2>/dev/null
wait "$FLEET_PID"
echo "    $(cat "$WORK/fleet.json")"
check "the agents' batches were all acknowledged" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["lost_batches"] == 0 and s["rejected"] == 0, s
assert s["accepted"] + s["duplicates"] == s["sent"], s' "$WORK/fleet.json"
check "    some went to the killed collector before it died, the rest to the other" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert len(s["by_url"]) == 2 and s["retries"] > 0, s' "$WORK/fleet.json"
expect "exactly 100,000 events stored" 100000 "$(q "SELECT count(*) FROM events")"
expect "    100,000 distinct ids" 100000 "$(q "SELECT count(DISTINCT id) FROM events")"
# a batch stored by the killed collector whose answer never came is sent
# again, and then acknowledged as duplicates: new acknowledgements fall short
# of 100,000 by at most the retried batches' events, and never exceed it
check "    acknowledged as new: 100,000, less at most what was retried after the kill" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert 100000 - s["retried_events"] <= s["accepted"] <= 100000, s' "$WORK/fleet.json"

# the same events to one collector on SQLite, once
mkdir -p "$WORK/single"
printf 'state_dir: %s/single\nserver:\n  listen: 127.0.0.1:0\n  token_file: %s/token\n' "$WORK" "$WORK" \
	>"$WORK/single.yaml"
start_one single || { fail "the reference collector starts"; exit 1; }
python3 "$FLEET" --urls "$URL_single" --token "$WORK/token" --clients 4 --events 100000 --dups 0 \
	--seed fleet >"$WORK/single.json"
STATE_SQL=(
	"SELECT hostname, port, state, first_seen_ns, last_seen_ns, state_ns FROM listeners ORDER BY 1, 2"
	"SELECT fingerprint, total_count, events, first_seen_ns, last_seen_ns FROM leaks ORDER BY 1"
	"SELECT fingerprint, hostname, path, count, events FROM leak_locations ORDER BY 1, 2, 3"
)
for i in 0 1 2; do
	q "${STATE_SQL[$i]}" >"$WORK/two.$i"
	sqlite3 "$WORK/single/collector.db" "${STATE_SQL[$i]}" >"$WORK/one.$i"
done
check "listener state: two collectors on PostgreSQL and one on SQLite agree" \
	cmp "$WORK/two.0" "$WORK/one.0"
check "leak counts agree" cmp "$WORK/two.1" "$WORK/one.1"
check "leak locations agree" cmp "$WORK/two.2" "$WORK/one.2"
check "    and they are not empty" test "$(wc -l <"$WORK/two.2")" -ge 100
kill -9 "$PID_a" "$PID_single" 2>/dev/null
wait "$PID_a" "$PID_single" 2>/dev/null

# --- alerting across two collectors ----------------------------------------------
RPORT=$(free_port)
AM_PORT=$(free_port)
RLOG="$WORK/receiver.jsonl"
start_sink_receiver "$RPORT" "$RLOG" || exit 1
start_alertmanager "$AM_PORT"
ALERTING="alerting:
  timeout: 2s
  sinks:
    - name: am
      type: alertmanager
      url: http://127.0.0.1:$AM_PORT
    - name: pager
      type: pagerduty
      routing_key: fleet-routing-key
      url: http://127.0.0.1:$RPORT/pd
  routes:
    - {sink: pager, kind: leak, continue: true}
    - {sink: am, kind: leak}"
collector_config a "$ALERTING"
collector_config b "$ALERTING"
start_one a && start_one b || { fail "two collectors start with alerting"; exit 1; }

# leak_batch FILE SEQ FP...: one batch of a leak sighting per fingerprint
leak_batch() {
	local out=$1 seq=$2; shift 2
	python3 -c '
import gzip, json, os, sys, time
sys.path.insert(0, os.environ["LW_ROOT"] + "/tests/integration")
import pbbatch
out, seq, fps = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
t = time.time_ns()
evs = [{"host": {"hostname": "web-%d" % (i % 3)},
        "leak": {"rule": "github-pat", "family": "github", "severity": "critical",
                 "redacted": "ghp_...Zz9a", "fingerprint": fp, "path": "/var/log/app.log",
                 "first_seen": t, "last_seen": t}} for i, fp in enumerate(fps)]
open(out, "wb").write(gzip.compress(pbbatch.encode_batch(
    {"agent_id": "alert-agent", "sequence": seq, "events": evs})))' "$out" "$seq" "$@"
}
export LW_ROOT
send() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$WORK/token")" \
	-H 'Content-Type: application/x-protobuf' -H 'Content-Encoding: gzip' --data-binary @"$2" "$1/v1/events"; }
fps=()
for i in $(seq 20); do fps+=("$(printf '%s' "fleet-alert-$i-$$" | md5sum | cut -c1-32)"); done
# every problem sent to both collectors at the same moment, in 10 batches each
for k in 0 1 2 3 4 5 6 7 8 9; do
	leak_batch "$WORK/al$k.gz" $((k + 1)) "${fps[@]:$((k * 2)):2}"
	leak_batch "$WORK/bl$k.gz" $((k + 101)) "${fps[@]:$((k * 2)):2}"
done
sends=()
for k in 0 1 2 3 4 5 6 7 8 9; do
	send "$URL_a" "$WORK/al$k.gz" >"$WORK/al$k.code" &
	sends+=($!)
	send "$URL_b" "$WORK/bl$k.gz" >"$WORK/bl$k.code" &
	sends+=($!)
done
wait "${sends[@]}"
expect "20 problems, each sent to both collectors at once: all accepted" 20 \
	"$(cat "$WORK"/[ab]l*.code | grep -o 200 | wc -l)"
for _ in $(seq 100); do
	[ "$(grep -c '"path": "/pd"' "$RLOG")" -ge 20 ] && [ "$(q "SELECT count(*) FROM outbox")" = 0 ] && break
	sleep 0.1
done
sleep 1.5 # a second page, if there were one, would be on its way by now
check "PagerDuty got one trigger per problem, none twice" python3 -c '
import json, sys
keys = [json.loads(json.loads(l)["body"])["dedup_key"] for l in open(sys.argv[1]) if "\"/pd\"" in l]
assert len(keys) == 20 and len(set(keys)) == 20, (len(keys), len(set(keys)))' "$RLOG"
expect "    each counted twice in the collectors' database (two sightings)" "20|2" \
	"$(q "SELECT count(*), min(count) FROM alerts WHERE kind = 'leak'")"
check "Alertmanager holds each of the 20 once" bash -c "
	for _ in \$(seq 50); do
		n=\$(curl -s 'http://127.0.0.1:$AM_PORT/api/v2/alerts' | python3 -c 'import json,sys; a=json.load(sys.stdin); print(len(a))')
		[ \"\$n\" = 20 ] && exit 0
		sleep 0.1
	done
	echo \"alertmanager has \$n\"; exit 1"
expect "    the outbox is empty" 0 "$(q "SELECT count(*) FROM outbox")"

# the collector sending a page dies mid-request; the other sends it
HOLDER=$(q "SELECT holder FROM leases WHERE name = 'sink/pager'")
HOLDER_PID=$(cut -d/ -f2 <<<"$HOLDER")
[ "$HOLDER_PID" = "$PID_a" ] && OTHER_URL=$URL_b || OTHER_URL=$URL_a
check "one collector holds the pager's lease" test "$HOLDER_PID" = "$PID_a" -o "$HOLDER_PID" = "$PID_b"
script /pd '[0]'
: >"$RLOG.before"
cp "$RLOG" "$RLOG.before"
FP_LATE=$(printf '%s' "late-$$" | md5sum | cut -c1-32)
leak_batch "$WORK/late.gz" 500 "$FP_LATE"
expect "a new problem, to the other collector" 200 "$(send "$OTHER_URL" "$WORK/late.gz")"
for _ in $(seq 100); do grep -q "$FP_LATE" "$RLOG" && break; sleep 0.1; done
check "    the lease holder takes its page and hangs in the request" grep -q "$FP_LATE" "$RLOG"
KILLED_AT=$(date +%s)
kill -9 "$HOLDER_PID"
for _ in $(seq 300); do [ "$(grep -c "$FP_LATE" "$RLOG")" -ge 2 ] && break; sleep 0.1; done
expect "    the other collector sends it once the lease ran out" 2 "$(grep -c "$FP_LATE" "$RLOG")"
echo "    taken over $(($(date +%s) - KILLED_AT)) s after the kill (lease: twice the 2 s timeout and 5 s)"
check "    and it is the only collector left holding the lease" test \
	"$(q "SELECT holder FROM leases WHERE name = 'sink/pager'")" != "$HOLDER"
[ "$HOLDER_PID" = "$PID_a" ] && SURVIVOR=$URL_b || SURVIVOR=$URL_a

# --- PostgreSQL stopped for 30 s while agents send --------------------------------
python3 "$FLEET" --urls "$SURVIVOR" --token "$WORK/token" --clients 2 --events 4000 --dups 0.05 \
	--seed outage --agent outage --batch 100 --deadline 120 >"$WORK/outage.json" &
OUT_PID=$!
sleep 0.5
pg_stop "$PGDIR" immediate
sleep 2
expect "PostgreSQL down: /healthz answers 503" 503 "$(health "$SURVIVOR")"
code=$(curl -s -D "$WORK/h.txt" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$WORK/token")" \
	-H 'Content-Type: application/x-protobuf' -H 'Content-Encoding: gzip' \
	--data-binary @"$WORK/late.gz" "$SURVIVOR/v1/events")
expect "    ingest answers 503" 503 "$code"
check "    with Retry-After" grep -qi '^retry-after: [0-9]' "$WORK/h.txt"
expect "    /livez still 200: nothing to restart" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' "$SURVIVOR/livez")"
sleep 28
pg_ctl_start "$PGDIR" "$PGPORT_NUM" || fail "PostgreSQL starts again"
wait "$OUT_PID"
echo "    $(cat "$WORK/outage.json")"
check "after 30 s the agents' events all arrive" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["lost_batches"] == 0 and s["retries"] > 0, s' "$WORK/outage.json"
expect "    each exactly once" "4000|4000" \
	"$(q "SELECT count(*), count(DISTINCT id) FROM events WHERE agent_id LIKE 'outage-%'")"
expect "    the collector is ready again, without a restart" 200 "$(health "$SURVIVOR")"
check "    and its process is the same" kill -0 "$([ "$SURVIVOR" = "$URL_a" ] && echo "$PID_a" || echo "$PID_b")"

