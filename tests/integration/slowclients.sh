#!/usr/bin/env bash
# Slow clients must not starve the fleet. 400 connections from 200 loopback
# addresses (2 each, under the per-address limit) send their headers one
# byte a second, while a good client on another loopback address POSTs a
# batch every 200 ms and a monitor GETs /healthz: the good client is
# answered fast and loses nothing, and the slow connections are closed
# at the header deadline and counted. The same with bodies sent one byte a
# second, and with every regular slot taken: the reserve still answers
# /healthz. Loopback only, bounded in time and connections.
. "$(dirname "$0")/lib.sh"

SLOW="$LW_ROOT/tests/integration/slowclients.py"
python3 -c 'import secrets; print(secrets.token_hex(24))' >"$WORK/token"
chmod 600 "$WORK/token"

# run NAME SECONDS [slowclients.py ARGS...]: the attack against the collector
# at $URL; its figures in $WORK/NAME.json
run() {
	local name=$1 seconds=$2; shift 2
	python3 "$SLOW" 127.0.0.1 "${URL##*:}" "$WORK/token" --seconds "$seconds" "$@" >"$WORK/$name.json"
	echo "    $name: $(cat "$WORK/$name.json")"
}

# field NAME KEY: one figure of a run
field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$WORK/$1.json" "$2"; }

metric() { curl -s --max-time 5 "$URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

stored() { "$COLLECTOR" events --db "$WORK/$1/collector.db" | grep -c '"hostname":"good-1"'; }

collector_with() {
	local name=$1; shift
	{
		printf 'state_dir: %s/%s\nserver:\n  listen: 127.0.0.1:0\n  token_file: %s/token\n' "$WORK" "$name" "$WORK"
		for line in "$@"; do printf '  %s\n' "$line"; done
	} >"$WORK/$name.yaml"
	start_collector "$WORK/$name.yaml"
}

# --- headers one byte a second, with the defaults ---
collector_with headers || exit 1
run headers 15 --addrs 200 --per-addr 2 --mode headers
check "400 slow connections were opened" test "$(field headers slow_opened)" -eq 400
check "the good client's p99 stays under 1 s (was: no answer at all)" \
	python3 -c 'import sys; sys.exit(not float(sys.argv[1]) < 1.0)' "$(field headers latency_p99)"
check "    every batch it sent was accepted" test "$(field headers accepted)" -eq "$(field headers batches)"
check "    and stored" test "$(stored headers)" -eq "$(field headers accepted)"
check "/healthz answered throughout" test "$(field headers healthz_failed)" -eq 0 -a "$(field headers healthz_ok)" -gt 10
check "every slow connection closed by the collector, within the 10 s header deadline (+2 s)" \
	python3 -c 'import sys; sys.exit(not (int(sys.argv[1]) == 400 and float(sys.argv[2]) < 12.5))' \
	"$(field headers slow_closed_by_server)" "$(field headers slow_closed_after_max)"
check "    counted as rejected{reason=\"slow\"}" \
	test "$(metric 'leakwatch_collector_rejected_total{reason="slow"}')" -eq 400
check "    and said in the log, once" test "$(grep -c 'closed [0-9]* slow connection' "$WORK/collector.err")" -eq 1
stop_collector

# --- a body one byte a second ---
collector_with body "header_timeout: 3s" || exit 1
run body 8 --addrs 50 --per-addr 2 --mode body
check "bodies under min_body_rate: closed after the header time (+2 s)" \
	python3 -c 'import sys; sys.exit(not (int(sys.argv[1]) == 100 and float(sys.argv[2]) < 5.5))' \
	"$(field body slow_closed_by_server)" "$(field body slow_closed_after_max)"
check "    the good client's p99 under 1 s, nothing lost" \
	python3 -c 'import sys; sys.exit(not (float(sys.argv[1]) < 1.0 and sys.argv[2] == sys.argv[3]))' \
	"$(field body latency_p99)" "$(field body accepted)" "$(field body batches)"
stop_collector

# --- every regular slot taken: the reserve answers /healthz, agents wait ---
collector_with reserve "max_connections: 40" "reserve_connections: 8" "header_timeout: 4s" || exit 1
run reserve 8 --addrs 40 --per-addr 1 --mode headers
check "all 40 regular slots held by slow clients" test "$(field reserve slow_opened)" -eq 40
check "    /healthz still answered, from the reserve" test "$(field reserve healthz_failed)" -eq 0 -a "$(field reserve healthz_ok)" -gt 5
check "    a batch meanwhile is told 503 (retry), counted as overloaded; accepted once they are closed" \
	bash -c '[ "$1" -gt 0 ] && [ "$2" -gt 0 ] && [ "$3" -gt 0 ]' _ \
	"$(metric 'leakwatch_collector_rejected_total{reason="overloaded"}')" "$(field reserve failed)" \
	"$(field reserve accepted)"
check "    no failure but 503" python3 -c 'import json, sys; f = json.load(open(sys.argv[1]))["failures"]; sys.exit(any(x != 503 for x in f))' \
	"$WORK/reserve.json"
stop_collector

# --- a kept-alive agent connection idle between batches is not slow ---
collector_with idle "header_timeout: 1s" "connection_timeout: 10s" || exit 1
python3 - "${URL##*:}" "$WORK/token" "$LW_ROOT/tests/integration" <<'PY' >"$WORK/idle.out"
import http.client, os, sys, time
sys.path.insert(0, sys.argv[3])
import pbbatch
token = open(sys.argv[2]).read().strip()
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
codes = []
for i in range(3):
    body = pbbatch.gzip.compress(pbbatch.encode_batch({"agent_id": "idle", "sequence": i + 1,
        "events": [{"host": {"hostname": "good-1"}, "health": {"uptime_seconds": i + 1}}]}))
    c.request("POST", "/v1/events", body, {"Authorization": "Bearer " + token, "Content-Encoding": "gzip"})
    r = c.getresponse(); r.read(); codes.append(r.status)
    time.sleep(3)  # longer than header_timeout, shorter than connection_timeout
print(" ".join(map(str, codes)))
PY
check "a kept-alive connection idle 3 s between batches (header_timeout 1s) is kept" \
	test "$(cat "$WORK/idle.out")" = "200 200 200"
check "    and not counted as slow" test "$(metric 'leakwatch_collector_rejected_total{reason="slow"}')" -eq 0
stop_collector

check "no token in the collector's log" bash -c '! grep -qF "$(cat "$1")" "$2"' _ "$WORK/token" "$WORK/collector.err"
