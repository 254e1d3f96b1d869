#!/usr/bin/env bash
# Operating the agent: the metrics and health endpoint after real listener
# and leak scenarios, SIGHUP reloads (a good one silences a listener, a bad
# one keeps the old configuration, none loses events), and check-config.
. "$(dirname "$0")/lib.sh"

make_netns lwt-op 10.231.5.2/24 10.231.5.1/24 || exit 1
mkdir -p "$WORK/logs"
base_config() {
	cat <<YAML
state_dir: $WORK/state
agent:
  health_interval: 1s
  ringbuf_size: 4MiB
exposure:
  public_cidrs: [10.231.5.2/32]
leaks:
  coalesce_delay: 0s
YAML
}
base_config >"$WORK/agent.yaml"
start_agent "$WORK/agent.yaml" || exit 1
PORT=$(grep -o '"msg":"metrics and health[^}]*"port":[0-9]*' "$WORK/agent.err" | grep -o '[0-9]*$')
M="http://127.0.0.1:$PORT"
check "the status endpoint is up (port $PORT)" test -n "$PORT"
check "/healthz says ready" bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $M/healthz)\" = 200 ]"
check "/livez says alive" bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $M/livez)\" = 200 ]"

# a real exposure and a real leak, then the counters
bg redis ip netns exec lwt-op redis-server --port 6379 --bind 0.0.0.0 --protected-mode no --save '' --appendonly no
wait_port lwt-op tcp 6379
expect_json "redis is public and answers without a password: critical" "$WORK/agent.out" port=6379 \
	event=open severity=critical auth.state=none
TOKEN=$(gh_token)
export TOKEN
printf 'INFO token=%s\n' "$TOKEN" >>"$WORK/logs/app.log"
expect_json "the leak is reported" "$WORK/agent.out" kind=leak file.path="$WORK/logs/app.log"
sleep 1.2 # the snapshot is published every second
curl -s "$M/metrics" >"$WORK/metrics.txt"
metric() { # NAME{labels} -> value
	awk -v k="$1" '$1 == k { print $2 }' "$WORK/metrics.txt"
}
check "events by kind and severity: a critical listener" test "$(metric 'leakwatch_events_total{kind="listener",severity="critical"}')" -ge 1
check "events by kind and severity: a high leak" test "$(metric 'leakwatch_events_total{kind="leak",severity="high"}')" -ge 1
check "drops by reason, ring buffer" test -n "$(metric 'leakwatch_dropped_total{reason="ringbuf_full"}')"
check "drops by reason, spool and export" bash -c "grep -q 'reason=\"spool_full\"' '$WORK/metrics.txt' && grep -q 'reason=\"export_rejected\"' '$WORK/metrics.txt'"
check "bytes scanned" test "$(metric leakwatch_scanned_bytes_total)" -gt 0
check "programs attached" test "$(metric 'leakwatch_programs_attached{program="lw_write"}')" = 1
check "build info" grep -q '^leakwatch_build_info{version="' "$WORK/metrics.txt"
check "spool gauges" bash -c "grep -q '^leakwatch_spool_bytes ' '$WORK/metrics.txt' && grep -q '^leakwatch_spool_oldest_age_seconds ' '$WORK/metrics.txt'"
check "every metric has HELP and TYPE" python3 - "$WORK/metrics.txt" <<'PY'
import re, sys
seen, types = set(), {}
for line in open(sys.argv[1]):
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split()
        types[name] = kind
    elif line.strip() and not line.startswith("#"):
        seen.add(re.split(r"[{ ]", line)[0])
assert seen <= set(types), seen - set(types)
assert all(n.startswith("leakwatch_") for n in seen), seen
bad = [n for n, k in types.items() if (k == "counter") != n.endswith("_total")]
assert not bad, f"counters end in _total, nothing else does: {bad}"
print(len(seen), "series families")
PY
check "no secret in the metrics" bash -c '! grep -qF "$TOKEN" "$1"' _ "$WORK/metrics.txt"

# --- SIGHUP: the expected list silences redis ---------------------------------
python3 - "$WORK/agent.yaml" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read().replace("  public_cidrs: [10.231.5.2/32]\n",
    "  public_cidrs: [10.231.5.2/32]\n  expected:\n    - process: redis-server\n      port: 6379\n")
open(p, "w").write(s)
PY
# events keep flowing across reloads: UDP binds while SIGHUPs land
python3 - <<'PY' &
import socket, time
for p in range(43000, 45000):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", p)); s.close()
    if p % 200 == 0:
        time.sleep(0.05)
PY
gen=$!
for _ in 1 2 3; do kill -HUP "$AGENT_PID"; sleep 0.15; done
wait "$gen"
expect_json "after SIGHUP, redis is expected and silenced" "$WORK/agent.out" \
	port=6379 source=reload expected=true severity=info
check "no event lost across the reloads (2,000 binds: 4,000 events)" python3 - "$WORK/agent.out" <<'PY'
import json, sys, time
for _ in range(100):
    n = sum(1 for r in open(sys.argv[1]) if (lambda e: e["kind"] == "listener" and e["protocol"] == "udp"
             and 43000 <= e["port"] < 45000)(json.loads(r)))
    if n == 4000:
        sys.exit(0)
    time.sleep(0.1)
sys.exit(f"{n} of 4000")
PY
check "the reloads are logged" grep -q '"msg":"config reloaded from' "$WORK/agent.err"
# a process that renames itself redis-server is not redis-server: the
# executable decides (Debian's real one, a link to redis-check-rdb, matched above)
cat >"$WORK/fake.py" <<'PY'
import ctypes, socket, time
ctypes.CDLL(None).prctl(15, b"redis-server", 0, 0, 0)  # PR_SET_NAME
s = socket.socket(); s.bind(("0.0.0.0", 6379)); s.listen(); time.sleep(600)
PY
bg fake python3 "$WORK/fake.py"
expect_json "a python renamed redis-server on 6379 is not expected" "$WORK/agent.out" \
	port=6379 event=open process.comm=redis-server expected=false 'process.exe~python'
kill "$BG_PID" 2>/dev/null

# --- a broken config on SIGHUP keeps the old one ------------------------------
cp "$WORK/agent.yaml" "$WORK/agent.good.yaml"
printf 'exposure:\n  public_cidrs: [not-a-cidr]\n' >"$WORK/agent.yaml"
kill -HUP "$AGENT_PID"
expect_json "a bad reload is rejected, naming the key" "$WORK/agent.err" level=error \
	'msg~config reload rejected, the current configuration stays' 'msg~exposure.public_cidrs[0]'
bg redis2 ip netns exec lwt-op redis-server --port 6380 --bind 0.0.0.0 --protected-mode no --save '' --appendonly no
wait_port lwt-op tcp 6380
expect_json "the old configuration still judges: 10.231.5.2 is still public" "$WORK/agent.out" \
	port=6380 event=open exposure=public severity=critical
check "the agent is still running" kill -0 "$AGENT_PID"
sleep 1.2
check "the failed reload is counted" bash -c "curl -s $M/metrics | grep -q '^leakwatch_config_reload_failures_total 1$'"
# --- a hostile file on SIGHUP under load: refused at once, nothing lost ------
# 100,000 lines/s for 3 s with 300 tokens in them, while three SIGHUPs land
# on a file nested 100,000 deep: the reload is refused without stalling the
# loop that drains the ring buffers.
python3 -c "d = 100000; open('$WORK/agent.yaml', 'w').write('agent:\n  x: ' + '[' * d + ']' * d + '\n')"
cat >"$WORK/load.py" <<'PY'
import os, secrets, sys, time, zlib
A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
def token():
    body = "".join(secrets.choice(A) for _ in range(30))
    n, c = zlib.crc32(body.encode()), ""
    while n:
        c, n = A[n % 62] + c, n // 62
    return "ghp_" + body + c.rjust(6, "0")
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
start, sent = time.monotonic(), 0
for second in range(3):
    for batch in range(2000):  # 2,000 writes of 50 lines a second
        lines = [b"INFO request id=%08d path=/api/v1/items status=200 took=3ms\n" % (sent + i) for i in range(50)]
        if batch % 20 == 0:  # 100 tokens a second, 300 in all, one per write
            lines[7] = b"WARN retry with token " + token().encode() + b"\n"
        os.write(fd, b"".join(lines))
        sent += 50
        lag = start + (second + (batch + 1) / 2000) - time.monotonic()
        if lag > 0:
            time.sleep(lag)
print(sent)
PY
# the drop counters are the whole host's since the agent started: the load
# is judged on what they gain from the last health line before it
grep '"msg":"health"' "$WORK/agent.err" | tail -1 >"$WORK/health.before"
python3 "$WORK/load.py" "$WORK/logs/load.log" >"$WORK/load.out" &
gen=$!
for _ in 1 2 3; do sleep 0.5; kill -HUP "$AGENT_PID"; done
wait "$gen"
expect_json "the deep file is refused, naming the depth" "$WORK/agent.err" level=error \
	'msg~config reload rejected' 'msg~nested deeper than 64 levels'
check "all 300 tokens are found" python3 - "$WORK/agent.out" "$WORK/logs/load.log" <<'PY'
import json, sys, time
for _ in range(100):
    n = len({e["fingerprint"] for e in map(json.loads, open(sys.argv[1]))
             if e["kind"] == "leak" and e["file"]["path"] == sys.argv[2]})
    if n == 300:
        sys.exit(0)
    time.sleep(0.1)
sys.exit(f"{n} of 300")
PY
sleep 1.2 # a health line after the load
check "and no ring buffer record was dropped" python3 - "$WORK/agent.err" "$WORK/health.before" <<'PY'
import json, sys
last = [e for e in map(json.loads, open(sys.argv[1])) if e.get("msg") == "health"][-1]
before = [json.loads(l) for l in open(sys.argv[2])]
assert before, "no health line before the load"
before = before[0]
gained = {
    "ringbuf_full": last["drops"]["ringbuf_full"] - before["drops"]["ringbuf_full"],
    "truncated": last["drops"]["truncated"] - before["drops"]["truncated"],
    "truncated_writes": last["capture"]["truncated_writes"] - before["capture"]["truncated_writes"],
}
assert not any(gained.values()), (gained, last["drops"])
PY
cp "$WORK/agent.good.yaml" "$WORK/agent.yaml"
stop_agent
rc=$?
check "SIGTERM exits 0 (got $rc)" test "$rc" -eq 0

# --- check-config ------------------------------------------------------------
check "check-config accepts the documented default" "$LEAKWATCH" check-config "$LW_ROOT/deploy/leakwatch.yaml"
printf 'exposure:\n  public_cidrs: [not-a-cidr]\n' >"$WORK/bad.yaml"
out=$("$LEAKWATCH" check-config "$WORK/bad.yaml" 2>&1); rc=$?
check "check-config rejects a bad file with exit 2 (got $rc)" test "$rc" -eq 2
check "and names the key" grep -q 'exposure.public_cidrs\[0\]' <<<"$out"
check "leakwatch --version" bash -c "'$LEAKWATCH' --version | grep -q '^leakwatch [0-9]'"
