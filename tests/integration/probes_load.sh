#!/usr/bin/env bash
# The probe under load and under attack, with the agent running: listeners
# that never answer, flood 10 MiB of garbage, reset, close at once, or stop
# listening before the probe comes, each give unknown within the timeout
# with the agent unharmed; a Python process on 6379 that speaks no RESP is
# not Redis; 200 listeners opened at once are all probed within 10 s at the
# concurrency limit, and none twice in a minute, not even after a reload
# changes their verdict.
. "$(dirname "$0")/lib.sh"

NS=lwpl
make_netns $NS 10.213.4.2/24 10.213.4.1/24 || exit 1
NETNS=$(netns_ino $NS)
ip netns exec $NS ip link set lo up
# 200 more public addresses, one listener on each
for i in $(seq 1 200); do echo "addr add 10.213.5.$i/32 dev ${NS}n"; done | ip -n $NS -batch - ||
	fail "200 addresses added"

cat >"$WORK/agent.yaml" <<YAML
agent:
  health_interval: 1s
exposure:
  public_cidrs: [10.213.4.0/24, 10.213.5.0/24]
probe:
  timeout: 1s
  concurrency: 4
YAML
start_agent "$WORK/agent.yaml" || exit 1

# --- adversarial listeners, on the ports of the services they pretend to be
bg adversaries ip netns exec $NS python3 -c '
import socket, struct, threading, time
def serve(port, fn):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("10.213.4.2", port)); s.listen(16)  # 6379 on 10.213.5.x stays free
    def loop():
        while True:
            c, _ = s.accept()
            threading.Thread(target=fn, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
def silent(c): time.sleep(30); c.close()
def garbage(c):
    block = bytes(range(256)) * 4096           # 1 MiB
    try:
        for _ in range(10): c.sendall(block)  # 10 MiB
    except OSError: pass
    c.close()
def reset(c):
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); c.close()
def closes(c): c.close()
def not_resp(c):
    c.recv(100); c.sendall(b"hello from a python toy server\n"); c.close()
serve(11211, silent)      # memcached port
serve(5432, garbage)      # postgresql port
serve(3306, reset)        # mysql port
serve(9200, closes)       # elasticsearch port
serve(6379, not_resp)     # redis port, no RESP
time.sleep(600)'
for p in 11211 5432 3306 9200 6379; do wait_port $NS tcp $p || fail "adversary on $p listens"; done

adversary() { # NAME PORT COND...
	local name=$1 port=$2
	shift 2
	expect_json "$name" "$WORK/agent.out" kind=listener netns="$NETNS" port="$port" auth.state=unknown "$@"
}
adversary "silent listener: unknown, no reply within the timeout" 11211 "auth.evidence=no reply within 1000 ms"
adversary "10 MiB of garbage: unknown, read no further than 64 KiB" 5432 "auth.evidence~not PostgreSQL"
adversary "reset on accept: unknown" 3306 "auth.evidence~reset"
adversary "closes on accept: unknown" 9200 "auth.evidence~closed without a reply"
adversary "a Python toy on 6379: unknown" 6379 "auth.evidence~not RESP"
expect_json "a Python toy on 6379 is not Redis: no identity, low" "$WORK/agent.out" kind=listener \
	netns="$NETNS" port=6379 auth.state=unknown service=null severity=low
check "the probes did not wait past the timeout" python3 - "$WORK/agent.out" "$NETNS" <<'PY'
import json, sys, datetime as dt
t = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("kind") == "listener" and e["netns"] == int(sys.argv[2]) and e.get("auth"):
        # the open's time is the kernel's; the verdict comes after at most
        # connect + reply timeouts, plus scheduling
        assert (t(e["auth"]["probed_at"]) - t(e["ts"])).total_seconds() < 3.5, e
PY

# a listener that goes before its probe: reported open, then closed; no verdict
bg brief ip netns exec $NS python3 -c '
import socket
s = socket.socket(); s.bind(("0.0.0.0", 27017)); s.listen(); s.close()'
expect_json "a listener gone before its probe is reported closed" "$WORK/agent.out" kind=listener \
	netns="$NETNS" port=27017 event=close

# --- 200 listeners at once, answering RESP -------------------------------
# Each PING is answered after 20 ms: the server counts how many are waiting
# at once, which at most probe.concurrency probe threads can make.
bg resp200 ip netns exec $NS python3 "$LW_ROOT/tests/integration/resp200.py" "$WORK/hits.txt" 0.02 10.213.5
RESP_PID=$BG_PID
T0=$(date +%s.%N)
LW_TIMEOUT=10 expect_json "200 listeners at once: every one probed within 10 s" "$WORK/agent.out" \
	--count 200 kind=listener netns="$NETNS" port=6379 "address~10.213.5." auth.state=none severity=critical
echo "    200 verdicts in $(python3 -c "import time,sys; print(round(time.time()-float(sys.argv[1]),2))" "$T0") s"

# a reload that changes their verdict asks for a probe: not before a minute is over
cat >"$WORK/agent.yaml" <<YAML
agent:
  health_interval: 1s
exposure:
  public_cidrs: [10.213.4.0/24, 10.213.5.0/24]
  expected:
    - {process: python3, port: 6379}
probe:
  timeout: 1s
  concurrency: 4
metrics:
  listen: 127.0.0.1:0
state_dir: $WORK/state
YAML
kill -HUP "$AGENT_PID"
LW_TIMEOUT=10 expect_json "reload: the 200 are expected now, info" "$WORK/agent.out" --count 200 \
	kind=listener netns="$NETNS" port=6379 "address~10.213.5." source=reload severity=info
sleep 3
kill -USR1 "$RESP_PID"
sleep 0.5
check "at most 4 probes at once (probe.concurrency), and more than one" python3 - "$WORK/hits.txt" <<'PY'
import sys
most = int(open(sys.argv[1]).readline().split()[1])
assert 2 <= most <= 4, most
PY
check "none of the 200 was probed twice within the minute" python3 - "$WORK/hits.txt" <<'PY'
import sys
hits = dict(l.split() for l in open(sys.argv[1]) if l.startswith("10."))
assert len(hits) == 200, len(hits)
assert all(n == "1" for n in hits.values()), [h for h in hits.items() if h[1] != "1"][:5]
PY

check "agent unharmed: still running" kill -0 "$AGENT_PID"
bg redis ip netns exec $NS redis-server --port 6390 --bind 10.213.4.2 --protected-mode no --save '' \
	--appendonly no
expect_json "agent unharmed: a new listener is reported with its verdict" "$WORK/agent.out" \
	kind=listener netns="$NETNS" port=6390 process.comm=redis-server auth.state=none severity=critical
stop_agent
check "agent stopped cleanly" test $? -eq 0
