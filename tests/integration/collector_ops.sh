#!/usr/bin/env bash
# The collector in operation: GET /metrics after accepted and refused
# batches; SIGHUP reloads (a new route, a broken file, a removed sink, a key
# that needs a restart); `check-config`. A loopback HTTP receiver stands in
# for the alert sinks and records what reaches them, as in alerts.sh.
. "$(dirname "$0")/lib.sh"

PB="$LW_ROOT/tests/integration/pbbatch.py"
RPORT=$(free_port)
RLOG="$WORK/received.jsonl"
HOST=db-ops
STATE=$WORK/state
DB=$STATE/collector.db
CFG=$WORK/collector.yaml

start_sink_receiver "$RPORT" "$RLOG" || exit 1

# received PATH FINGERPRINT [STATUS]: requests to PATH about that leak
received() {
	python3 - "$RLOG" "$1" "$2" "${3:-}" <<'PY'
import json, sys
log, path, fp, status = sys.argv[1:5]
n = 0
for line in open(log):
    r = json.loads(line)
    if r["path"] == path and fp in r["body"] and (not status or r["status"] == int(status)):
        n += 1
print(n)
PY
}

# wait_received NAME PATH FINGERPRINT N [STATUS [MORE]]: N within 15 s, and
# no more; with MORE ("+"), N or more (retries that come sooner than a
# loaded machine polls)
wait_received() {
	local name=$1 got
	for _ in $(seq 150); do
		got=$(received "$2" "$3" "${5:-}")
		[ "$got" -ge "$4" ] && break
		sleep 0.1
	done
	if [ "$got" -eq "$4" ] || { [ "${6:-}" = + ] && [ "$got" -gt "$4" ]; }; then
		pass "$name"
	else
		fail "$name" "$got request(s) to $2 about $3, wanted $4${6:-}"
	fi
}


TOKEN=
# post SPEC.json [TOKEN]: as an agent would; prints the HTTP status
post() {
	python3 "$PB" batch "$1" --gzip >"$WORK/body.gz"
	post_body "$WORK/body.gz" gzip "${2:-$TOKEN}"
}
post_body() { # FILE ENCODING TOKEN
	curl -s -o /dev/null -w '%{http_code}' --max-time 20 -X POST -H "Authorization: Bearer $3" \
		-H 'Content-Type: application/x-protobuf' -H "Content-Encoding: $2" \
		--data-binary @"$1" "$URL/v1/events"
}

# leak FILE FINGERPRINT: a batch with one leak of that fingerprint
leak() {
	cat >"$1" <<EOF
{"agent_id": "agent-ops", "sequence": 1, "events": [
 {"host": {"hostname": "$HOST", "machine_id": "m-ops"}, "process": {"pid": 99, "comm": "api", "exe": "/srv/api"},
  "leak": {"rule": "github-pat", "family": "github-classic", "severity": "critical",
           "redacted": "ghp_...9xYz", "fingerprint": "$2",
           "path": "/var/log/api/access.log", "offset": 10, "count": 1}}
]}
EOF
}

# the log lines matching a pattern, counted
log_count() { grep -c "$1" "$WORK/collector.err"; }

# hup PATTERN: SIGHUP, then wait for one more log line matching PATTERN
hup() {
	local before
	before=$(log_count "$1")
	collector_hup
	for _ in $(seq 100); do
		[ "$(log_count "$1")" -gt "$before" ] && return 0
		sleep 0.05
	done
	return 1
}

metrics() { curl -s --max-time 5 "$URL/metrics"; }
# metric NAME{LABELS}: its value now
metric() { metrics | awk -v n="$1" '$1 == n { print $2 }'; }

write_config() { # ROUTES_AND_SINKS_YAML [EXTRA_TOP_LEVEL]
	cat >"$CFG" <<EOF
state_dir: $STATE
server:
  listen: 127.0.0.1:0
log:
  level: ${LEVEL:-info}
${2:-}
alerting:
$1
  group_window: 0
  retry:
    backoff: 200ms
    max_backoff: 1s
EOF
}

V1_ALERTING="  sinks:
    - name: old
      type: webhook
      url: http://127.0.0.1:$RPORT/old
  routes:
    - sink: old
      kind: leak"
write_config "$V1_ALERTING"
start_collector "$CFG" || exit 1
TOKEN=$(cat "$STATE/token")

FP_A=0123456789abcdef0123456789abcdef
FP_B=00112233445566778899aabbccddeeff
FP_C=fedcba9876543210fedcba9876543210
FP_D=aaaabbbbccccddddeeeeffff00001111
FP_E=1111222233334444555566667777aaaa

# --- /metrics after accepted and refused batches ----------------------------

leak "$WORK/a.json" $FP_A
leak "$WORK/b.json" $FP_B
expect "a batch accepted" 200 "$(post "$WORK/a.json")"
cp "$WORK/body.gz" "$WORK/a.gz"
expect "another batch accepted" 200 "$(post "$WORK/b.json")"
expect "the first again: accepted, as a duplicate" 200 "$(post_body "$WORK/a.gz" gzip "$TOKEN")"
expect "a wrong token: 401" 401 "$(post "$WORK/a.json" not-the-token-at-all)"
head -c 300 /dev/urandom >"$WORK/junk.gz"
expect "a body that is not gzip: 400" 400 "$(post_body "$WORK/junk.gz" gzip "$TOKEN")"
expect "another Content-Encoding: 415" 415 "$(post_body "$WORK/a.gz" br "$TOKEN")"
wait_received "the leaks reach the sink" /old $FP_A 1

code=$(curl -s -o "$WORK/metrics.txt" -w '%{http_code} %{content_type}' "$URL/metrics")
expect "GET /metrics without a token: 200, text exposition 0.0.4" \
	"200 text/plain; version=0.0.4; charset=utf-8" "$code"
expect "HEAD /metrics: 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' -I "$URL/metrics")"
expect "POST /metrics: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/metrics")"
# the notification is counted once the receiver's answer is recorded
for _ in $(seq 50); do
	[ "$(metric leakwatch_collector_notifications_sent_total)" = 2 ] && break
	sleep 0.1
done
metrics >"$WORK/metrics.txt"

check "/metrics: exposition format and Prometheus naming" python3 - "$WORK/metrics.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
assert text.endswith("\n")
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-z_]+="(?:[^"\\\n]|\\.)*")(,[a-z_]+="(?:[^"\\\n]|\\.)*")*\})? (\d+)$')
help_seen, type_of, current = set(), {}, None
for line in text.splitlines():
    if line.startswith("# HELP "):
        name = line.split()[2]
        assert name not in help_seen, "HELP twice: " + name
        help_seen.add(name)
        current = name
    elif line.startswith("# TYPE "):
        _, _, name, kind = line.split()
        assert name == current and name not in type_of, line
        assert kind in ("counter", "gauge"), line
        type_of[name] = kind
    else:
        m = sample.match(line)
        assert m, "not a sample: " + line
        name = m.group(1)
        assert name == current and name in type_of, "no HELP/TYPE before " + line
        # the fleet's open problems are named for what they count, not for the collector
        fleet = name in ("leakwatch_listeners_exposed", "leakwatch_leaks_open")
        assert name.startswith("leakwatch_collector_") or fleet, name
        if type_of[name] == "counter":
            assert name.endswith("_total"), name
        else:
            assert not name.endswith("_total"), name
        labels = re.findall(r'([a-z_]+)="', m.group(2) or "")
        assert set(labels) <= ({"severity", "service", "rule"} if fleet else {"reason", "version"}), line
PY

check "/metrics: the counts of what was posted" python3 - "$WORK/metrics.txt" "$(cat "$LW_ROOT/VERSION")" <<'PY'
import sys
v = {}
for line in open(sys.argv[1]):
    if not line.startswith("#"):
        name, value = line.rsplit(" ", 1)
        v[name] = int(value)
want = {
    "leakwatch_collector_batches_accepted_total": 3,
    "leakwatch_collector_events_stored_total": 2,
    "leakwatch_collector_events_duplicate_total": 1,
    'leakwatch_collector_rejected_total{reason="auth"}': 1,
    'leakwatch_collector_rejected_total{reason="bad_gzip"}': 1,
    'leakwatch_collector_rejected_total{reason="bad_encoding"}': 1,
    'leakwatch_collector_rejected_total{reason="bomb"}': 0,
    'leakwatch_collector_rejected_total{reason="too_large"}': 0,
    "leakwatch_collector_alerts_fired_total": 2,
    "leakwatch_collector_notifications_sent_total": 2,
    "leakwatch_collector_notifications_dropped_total": 0,
    "leakwatch_collector_sink_failures_total": 0,
    "leakwatch_collector_outbox_notifications": 0,
    "leakwatch_collector_config_reloads_total": 0,
    "leakwatch_collector_config_last_reload_successful": 1,
    'leakwatch_collector_build_info{version="%s"}' % sys.argv[2]: 1,
}
for k, want_v in want.items():
    assert v.get(k) == want_v, (k, v.get(k), want_v)
assert v["leakwatch_collector_requests_total"] >= 6, v["leakwatch_collector_requests_total"]
assert v["leakwatch_collector_received_bytes_total"] > 0
for r in ("auth", "too_large", "bomb", "bad_encoding", "bad_gzip", "bad_protobuf", "bad_batch",
          "too_many_events", "invalid_event", "bad_request", "overloaded", "storage"):
    assert 'leakwatch_collector_rejected_total{reason="%s"}' % r in v, r
PY
if grep -q "$TOKEN" "$WORK/metrics.txt"; then fail "/metrics: no token in it"; else pass "/metrics: no token in it"; fi

# --- SIGHUP adds a sink and a route: the next alert goes there too ----------

LEVEL=debug write_config "  sinks:
    - name: old
      type: webhook
      url: http://127.0.0.1:$RPORT/old
    - name: new
      type: webhook
      url: http://127.0.0.1:$RPORT/new
  routes:
    - sink: old
      kind: leak
      continue: true
    - sink: new
      kind: leak"
if hup '"config reloaded from'; then pass "SIGHUP: the new configuration is in force"; else fail "SIGHUP: no reload logged"; fi
leak "$WORK/c.json" $FP_C
expect "a leak after the reload: accepted" 200 "$(post "$WORK/c.json")"
wait_received "the new route: the alert reaches the new sink" /new $FP_C 1
wait_received "the old route still holds" /old $FP_C 1
expect "an alert from before the reload is not sent to the new sink" 0 "$(received /new $FP_A)"
expect "the reload counted" 1 "$(metric leakwatch_collector_config_reloads_total)"
# log.level took effect: debug lines from the delivery threads
for _ in $(seq 50); do grep -q '"level":"debug"' "$WORK/collector.err" && break; sleep 0.1; done
if grep -q '"level":"debug"' "$WORK/collector.err"; then pass "log.level reloaded"; else fail "log.level reloaded"; fi

# --- SIGHUP with a broken file: rejected, the old routes stay --------------

cp "$CFG" "$WORK/good.yaml"
# a third route naming a sink that does not exist: valid YAML, invalid config
sed -i 's/^  group_window: 0$/    - sink: nosuch\n      kind: health\n&/' "$CFG"
grep -q 'sink: nosuch' "$CFG" || fail "test set-up: the broken route was not written"
before=$(log_count '"level":"error"')
if hup 'config reload rejected'; then pass "SIGHUP with a broken file: rejected"; else fail "SIGHUP with a broken file: no rejection logged"; fi
errors=$(grep '"level":"error"' "$WORK/collector.err" | tail -n +$((before + 1)))
expect "one error line" 1 "$(printf '%s\n' "$errors" | grep -c .)"
case "$errors" in
*'alerting.routes[2].sink: no sink named \"nosuch\"'*'' ) pass "the error names the key" ;;
*) fail "the error names the key" "$errors" ;;
esac
expect "GET /healthz still answers" ok "$(curl -s --max-time 5 "$URL/healthz")"
leak "$WORK/d.json" $FP_D
expect "a leak after the rejected reload: accepted" 200 "$(post "$WORK/d.json")"
wait_received "the routes in force still reach the new sink" /new $FP_D 1
wait_received "and the old one" /old $FP_D 1
expect "the failure counted" 1 "$(metric leakwatch_collector_config_reload_failures_total)"
expect "last reload unsuccessful" 0 "$(metric leakwatch_collector_config_last_reload_successful)"

# --- SIGHUP removes a sink with notifications queued; changes the address ---

script /old '[503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503]'
leak "$WORK/e.json" $FP_E
expect "a leak the old sink will not take: accepted" 200 "$(post "$WORK/e.json")"
wait_received "the old sink refuses it (503), so it stays queued" /old $FP_E 1 503 +
wait_received "the new sink takes it" /new $FP_E 1
write_config "  sinks:
    - name: new
      type: webhook
      url: http://127.0.0.1:$RPORT/new
  routes:
    - sink: new
      kind: leak" "retention:
  leak: 30d"
sed -i "s/listen: 127.0.0.1:0/listen: 127.0.0.1:$(free_port)/" "$CFG"
if hup '"config reloaded from'; then pass "SIGHUP without the old sink: in force"; else fail "SIGHUP without the old sink: no reload logged"; fi
case "$(grep 'removed by the reload:' "$WORK/collector.err")" in
*'sink(s) old removed by the reload: 1 undelivered notification(s)'*) pass "the removed sink's queue is logged, by name" ;;
*) fail "the removed sink's queue is logged, by name" "$(tail -5 "$WORK/collector.err")" ;;
esac
expect "its notification is kept, marked dead" "dead|sink no longer configured" \
	"$(dbq "$DB" "SELECT state || '|' || last_error FROM outbox WHERE sink = 'old' AND ref LIKE '%$FP_E%'")"
expect "and counted as dropped" 1 "$(metric leakwatch_collector_notifications_dropped_total)"
n_old=$(received /old $FP_E)
sleep 1.5
expect "nothing more goes to the removed sink" "$n_old" "$(received /old $FP_E)"
if grep -q 'server.listen changed; it takes effect at the next restart' "$WORK/collector.err"; then
	pass "a changed listen address is logged as needing a restart"
else
	fail "a changed listen address is logged as needing a restart" "$(grep reload "$WORK/collector.err" | tail -3)"
fi
expect "and the collector serves on the address it had" ok "$(curl -s --max-time 5 "$URL/healthz")"
expect "the last reload succeeded" 1 "$(metric leakwatch_collector_config_last_reload_successful)"

if stop_collector; then pass "SIGTERM after reloads: exit 0"; else fail "SIGTERM after reloads: exit 0"; fi

# --- a reload that brings the first route starts alerting -------------------

cat >"$CFG" <<EOF
state_dir: $WORK/state2
server:
  listen: 127.0.0.1:0
EOF
start_collector "$CFG" || exit 1
TOKEN=$(cat "$WORK/state2/token")
cat >>"$CFG" <<EOF
alerting:
  sinks:
    - {name: late, type: webhook, url: "http://127.0.0.1:$RPORT/late"}
  routes:
    - {sink: late, kind: leak}
  group_window: 0
EOF
if hup '"config reloaded from'; then pass "SIGHUP with the first route: in force"; else fail "SIGHUP with the first route"; fi
leak "$WORK/f.json" $FP_A
expect "a leak: accepted" 200 "$(post "$WORK/f.json")"
wait_received "alerting started by the reload: the alert is delivered" /late $FP_A 1
if stop_collector; then pass "SIGTERM: exit 0"; else fail "SIGTERM: exit 0"; fi

# --- check-config ---------------------------------------------------------

out=$("$COLLECTOR" check-config "$LW_ROOT/deploy/collector.yaml" 2>&1); rc=$?
expect "check-config deploy/collector.yaml: exit 0" 0 "$rc"
case "$out" in *": ok ("*) pass "check-config says ok" ;; *) fail "check-config says ok" "$out" ;; esac
out=$("$COLLECTOR" check-config "$WORK/good.yaml" 2>&1); rc=$?
expect "check-config on a file with routes: exit 0" 0 "$rc"

printf 'alerting:\n  retry:\n    backoff: often\n' >"$WORK/bad.yaml"
out=$("$COLLECTOR" check-config "$WORK/bad.yaml" 2>"$WORK/check.err"); rc=$?
expect "check-config on a broken file: exit 2" 2 "$rc"
expect "nothing on stdout" "" "$out"
expect "one line on stderr" 1 "$(wc -l <"$WORK/check.err")"
case "$(cat "$WORK/check.err")" in
"leakwatch-collector: error: config $WORK/bad.yaml: alerting.retry.backoff: "*) pass "it names the key" ;;
*) fail "it names the key" "$(cat "$WORK/check.err")" ;;
esac
"$COLLECTOR" check-config "$WORK/missing.yaml" 2>"$WORK/check.err"; rc=$?
expect "check-config on a missing file: exit 2" 2 "$rc"
"$COLLECTOR" check-config 2>/dev/null; rc=$?
expect "check-config without a file: exit 2" 2 "$rc"

# --- compact: a 4 KiB database rewritten offline with 16 KiB pages ---------

if [ "${LW_STORAGE:-sqlite}" = sqlite ]; then
	CDIR=$WORK/compact
	CDB=$CDIR/collector.db
	mkdir -p -m 700 "$CDIR"
	# as an earlier collector left it: SQLite's 4 KiB pages, in WAL mode
	sqlite3 "$CDB" 'PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE older(x)' >/dev/null
	chmod 600 "$CDB"
	printf 'state_dir: %s\nserver:\n  listen: 127.0.0.1:0\n' "$CDIR" >"$WORK/compact.yaml"
	compact() { "$COLLECTOR" compact "$@" >"$WORK/compact.out" 2>"$WORK/compact.err"; }
	start_collector "$WORK/compact.yaml" || exit 1
	TOKEN=$(cat "$CDIR/token")
	for fp in $FP_A $FP_B $FP_C $FP_D $FP_E; do
		leak "$WORK/c.json" "$fp"
		post "$WORK/c.json" >/dev/null
	done
	compact --config "$WORK/compact.yaml"
	expect "compact while serve has the database open: exit 2" 2 $?
	check "    saying it is in use" grep -q "is in use: stop the collector" "$WORK/compact.err"
	stop_collector
	expect "    the database as it was: 4 KiB pages" 4096 "$(sqlite3 "$CDB" 'PRAGMA page_size')"
	compact --config "$WORK/compact.yaml"
	expect "compact once serve stopped: exit 0" 0 $?
	check "    says what it did" grep -q "collector.db: 4096-byte pages -> 16384, .* MiB -> .* MiB, in" "$WORK/compact.out"
	expect "    16 KiB pages, WAL mode, intact" "16384 wal ok" \
		"$(sqlite3 "$CDB" 'PRAGMA page_size; PRAGMA journal_mode; PRAGMA integrity_check' | tr '\n' ' ' | sed 's/ $//')"
	expect "    every leak kept" 5 "$(sqlite3 "$CDB" 'SELECT count(*) FROM leaks')"
	expect "    still owner-only" 600 "$(stat -c %a "$CDB")"
	start_collector "$WORK/compact.yaml" || exit 1
	leak "$WORK/c.json" 99999999aaaaaaaa99999999aaaaaaaa
	expect "    and serve stores into it again" 200 "$(post "$WORK/c.json")"
	stop_collector
	expect "    the sixth leak stored" 6 "$(sqlite3 "$CDB" 'SELECT count(*) FROM leaks')"

	compact --db "$CDB" --page-size 1000
	expect "compact --page-size 1000: exit 2" 2 $?
	check "    naming the range" grep -q "a power of two from 512 to 65536" "$WORK/compact.err"
	compact --db "$CDIR/missing.db"
	expect "compact of a missing database: exit 2" 2 $?
	compact --db "$CDB" --config "$WORK/compact.yaml"
	expect "compact with --db and --config: exit 2" 2 $?

	# through a symlink: the file it names is compacted, the link kept
	mkdir -p "$WORK/real"
	cp -p "$CDB" "$WORK/real/collector.db"
	ln -s "$WORK/real/collector.db" "$WORK/link.db"
	compact --db "$WORK/link.db" --page-size 4096
	expect "compact through a symlink: exit 0" 0 $?
	check "    the link still a link to the database" test "$(readlink "$WORK/link.db")" = "$WORK/real/collector.db"
	expect "    the file it names compacted" 4096 "$(sqlite3 "$WORK/real/collector.db" 'PRAGMA page_size')"
	expect "    every leak kept" 6 "$(sqlite3 "$WORK/real/collector.db" 'SELECT count(*) FROM leaks')"

	# a file that is not a database
	head -c 8192 /dev/urandom >"$WORK/not.db"
	compact --db "$WORK/not.db"
	expect "compact of a file that is not a database: exit 2" 2 $?
	check "    saying so" grep -q "not.db is not a SQLite database" "$WORK/compact.err"

	# the free space unknown (statvfs fails, as on some FUSE and network
	# file systems): compact refuses rather than guess
	cat >"$WORK/nostatvfs.c" <<'C'
#include <errno.h>
#include <sys/statvfs.h>
int statvfs(const char *path, struct statvfs *buf) { (void)path; (void)buf; errno = EIO; return -1; }
int statvfs64(const char *path, struct statvfs *buf) { return statvfs(path, buf); }
C
	if gcc -shared -fPIC -o "$WORK/nostatvfs.so" "$WORK/nostatvfs.c"; then
		cp -p "$CDB" "$WORK/nostatvfs.db"
		LD_PRELOAD=$WORK/nostatvfs.so compact --db "$WORK/nostatvfs.db" --page-size 4096
		expect "compact when the free space cannot be learnt: exit 2" 2 $?
		check "    saying why" grep -q "cannot tell the free space of $WORK: Input/output error" "$WORK/compact.err"
		check "    the database untouched" cmp -s "$CDB" "$WORK/nostatvfs.db"
	else
		fail "compact without statvfs: a shim to test it with" "gcc failed"
	fi

	# no room: a file system with less free than twice the database
	mkdir -p "$WORK/small"
	bytes=$(stat -c %s "$CDB")
	if mount -t tmpfs -o size=$((bytes * 3 / 2 / 1024 + 4))k tmpfs "$WORK/small"; then
		on_exit "umount -l '$WORK/small'"
		cp -p "$CDB" "$WORK/small/collector.db"
		compact --db "$WORK/small/collector.db" --page-size 4096
		expect "compact without room for the copy: exit 2" 2 $?
		check "    saying how much it needs" grep -q "MiB free beside it, and $WORK/small has" "$WORK/compact.err"
		check "    the database untouched" cmp -s "$CDB" "$WORK/small/collector.db"
		umount -l "$WORK/small"
	else
		fail "compact without room: a small tmpfs to test it in" "mount failed"
	fi
fi
