#!/usr/bin/env bash
# Agent to collector, end to end: every field arrives intact; events made
# while the collector is down, or before the agent is killed with -9, all
# arrive exactly once; a damaged spool is recovered with the loss counted;
# retries honour 429/503 and a 400 is a counted drop; a wrong token keeps
# the spool until the token is fixed; a full disk is counted.
. "$(dirname "$0")/lib.sh"

PORT=$(free_port)
CSTATE=$WORK/collector
ASTATE=$WORK/agent
DB=$CSTATE/collector.db
mkdir -p "$WORK/logs"
cat >"$WORK/collector.yaml" <<YAML
state_dir: $CSTATE
server:
  listen: 127.0.0.1:$PORT
YAML
agent_yaml() { # URL [extra yaml]
	cat <<YAML
state_dir: $ASTATE
agent:
  health_interval: 1s
  ringbuf_size: 8MiB
collector:
  url: $1
  token_file: $CSTATE/token
  flush_interval: 200ms
  max_backoff: 1s
leaks:
  coalesce_delay: 0s
${2:-}
YAML
}
agent_yaml "http://127.0.0.1:$PORT" >"$WORK/agent.yaml"

# printed N FILTER: the agent printed N events for which the python
# expression FILTER over event `e` holds, within 20 s
printed() {
	python3 - "$WORK/agent.out" "$1" "$2" <<'PY'
import json, sys, time
path, want, flt = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for _ in range(200):
    n = sum(1 for row in open(path) if row.startswith("{") and (lambda e: eval(flt))(json.loads(row)))
    if n == want:
        sys.exit(0)
    time.sleep(0.1)
sys.exit(f"printed {n}, wanted {want}")
PY
}

UDP='e["kind"] == "listener" and e["protocol"] == "udp"'

# ids_match NAME AGENT_FILTER: every id the agent printed for the filter is
# stored, and as many rows as ids (a python expression over event `e`)
ids_arrive() {
	local name=$1 filter=$2 out
	if out=$(python3 - "$WORK/agent.out" "$DB" "$filter" "$COLLECTOR" <<'PY'
import json, subprocess, sys, time
agent_out, db, flt, collector = sys.argv[1:5]
want = set()
for row in open(agent_out):
    e = json.loads(row)
    if eval(flt):
        want.add(e["id"])
deadline = time.time() + 60
while True:
    got = {}
    out = subprocess.run([collector, "events", "--db", db],
                         capture_output=True, text=True).stdout
    for row in out.splitlines():
        e = json.loads(row)
        if eval(flt):
            got[e["id"]] = got.get(e["id"], 0) + 1
    if want and set(got) == want and all(v == 1 for v in got.values()):
        print(f"{len(want)} events, each stored once")
        sys.exit(0)
    if time.time() > deadline:
        print(f"agent printed {len(want)}, collector holds {len(got)} "
              f"({len(want - set(got))} missing, {len(set(got) - want)} unexpected)")
        sys.exit(1)
    time.sleep(0.5)
PY
); then pass "$name ($out)"; else fail "$name" "$out"; fi
}

start_collector "$WORK/collector.yaml" --print || exit 1
start_agent "$WORK/agent.yaml" || exit 1

# --- round trip: a listener and a leak, every field intact -----------------
TOKEN=$(gh_token)
export TOKEN
RT_PORT=$(free_port)
bg rt_listener python3 -c "
import socket, time
s = socket.socket(); s.bind(('0.0.0.0', $RT_PORT)); s.listen(); time.sleep(600)"
python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
os.write(fd, b"INFO push with token " + os.environ["TOKEN"].encode() + b" ok\n")' "$WORK/logs/rt.log"
expect_json "the listener is printed" "$WORK/agent.out" kind=listener event=open port="$RT_PORT"
expect_json "the leak is printed" "$WORK/agent.out" kind=leak file.path="$WORK/logs/rt.log"
check "both arrive with every field intact" python3 - "$WORK/agent.out" "$DB" "$COLLECTOR" "$RT_PORT" "$WORK/logs/rt.log" <<'PY'
import json, subprocess, sys, time
agent_out, db, collector, port, path = sys.argv[1:6]
def mine(e):
    return (e["kind"] == "listener" and e.get("port") == int(port) and e["event"] == "open") or \
           (e["kind"] == "leak" and e["file"]["path"] == path)
sent = {e["id"]: e for e in map(json.loads, open(agent_out)) if mine(e)}
assert len(sent) == 2, f"agent printed {len(sent)}"
for _ in range(60):
    out = subprocess.run([collector, "events", "--db", db], capture_output=True, text=True).stdout
    got = {e["id"]: e for e in map(json.loads, out.splitlines()) if e["id"] in sent}
    if len(got) == 2:
        break
    time.sleep(0.5)
assert len(got) == 2, f"stored {len(got)} of 2"
for i, e in sent.items():
    if got[i] != e:
        diff = [k for k in set(e) | set(got[i]) if e.get(k) != got[i].get(k)]
        sys.exit(f"{e['kind']} differs in {diff}")
print("identical")
PY
check "the collector printed what arrived" grep -q "\"port\":$RT_PORT" "$WORK/collector.out"

# --- collector outage: 10,000 events while it is down -----------------------
stop_collector
python3 - <<'PY'
import socket, time
# 5,000 UDP sockets bound and closed: 5,000 open and 5,000 close events
for base in range(41000, 46000, 500):
    socks = []
    for p in range(base, base + 500):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", p))
        socks.append(s)
    for s in socks:
        s.close()
    time.sleep(0.05)
PY
check "the agent saw all 10,000" printed 10000 "$UDP and 41000 <= e['port'] < 46000"
start_collector "$WORK/collector.yaml" --print || exit 1
ids_arrive "after the outage all 10,000 are stored exactly once" \
	'e["kind"] == "listener" and e["protocol"] == "udp" and 41000 <= e["port"] < 46000'

# --- agent killed with -9 holding unsent events -----------------------------
stop_collector
python3 - <<'PY'
import socket, time
socks = []
for p in range(46000, 47000):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", p)); socks.append(s)
for s in socks:
    s.close()
PY
check "the agent saw 2,000 more" printed 2000 "$UDP and 46000 <= e['port'] < 47000"
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
cp "$WORK/agent.out" "$WORK/agent.before-crash"
start_collector "$WORK/collector.yaml" --print || exit 1
start_agent "$WORK/agent.yaml" || exit 1
cat "$WORK/agent.before-crash" >>"$WORK/agent.out"
ids_arrive "after kill -9 and a restart, the spooled 2,000 arrive exactly once" \
	'e["kind"] == "listener" and e["protocol"] == "udp" and 46000 <= e["port"] < 47000'
check "and the first 10,000 were not stored twice" bash -c \
	"[ \"\$(dbq '$DB' \"SELECT count(*) FROM events WHERE kind = 'listener'\")\" = \
	   \"\$(dbq '$DB' \"SELECT count(DISTINCT id) FROM events WHERE kind = 'listener'\")\" ]"

# --- damaged spool: a flipped bit and a torn tail ---------------------------
stop_collector
python3 -c '
import socket
for p in range(47000, 47100):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", p)); s.close()'
check "the agent saw 200 more" printed 200 "$UDP and 47000 <= e['port'] < 47100"
stop_agent
python3 - "$ASTATE/spool" <<'PY'
import os, sys, struct
segs = sorted(os.path.join(sys.argv[1], f) for f in os.listdir(sys.argv[1]) if f.endswith(".seg"))
data = bytearray(open(segs[-1], "rb").read())
# walk the records (magic, len, crc, reserved, ts): make the 5th record's
# length run past the segment's end, and flip a bit mid-payload of the 10th
off, n = 0, 0
while off + 24 <= len(data):
    magic, ln = struct.unpack_from("<II", data, off)
    if n == 5:
        struct.pack_into("<I", data, off + 4, 60000)
    if n == 10:
        data[off + 24 + ln // 2] ^= 0x10
        break
    off += 24 + ln; n += 1
data += b"LWR1\x00\x01\x00\x00half a record"
open(segs[-1], "wb").write(bytes(data))
PY
start_collector "$WORK/collector.yaml" --print || exit 1
start_agent "$WORK/agent.yaml" || exit 1
expect_json "the damage is counted: a bad length, a bad record and a torn tail" "$WORK/agent.err" \
	msg=health spool.dropped_corrupt=3 drops.corrupt=3
LW_TIMEOUT=30 expect_json "and reported to the collector" "$WORK/collector.out" \
	kind=health spool.dropped_corrupt=3

# --- retries: 503 and 429 with Retry-After are retried; a 400 is dropped ----
stop_agent
PROXY_PORT=$(free_port)
# (a file, not a here-document: a background job's stdin is /dev/null)
cat >"$WORK/proxy.py" <<'PY'
import http.server, sys, urllib.request
listen, upstream, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
script = [503, 429, 503]  # then pass through
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(log, "a") as f:
            f.write(f"{script[0] if script else 'pass'}\n")
        if script:
            code = script.pop(0)
            self.send_response(code)
            self.send_header("Retry-After", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        req = urllib.request.Request(f"http://127.0.0.1:{upstream}{self.path}", data=body, method="POST",
                                     headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
        with urllib.request.urlopen(req) as r:
            out = r.read()
            self.send_response(r.status)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", listen), H).serve_forever()
PY
bg proxy-server python3 "$WORK/proxy.py" "$PROXY_PORT" "$PORT" "$WORK/proxy.log"
sleep 0.5
agent_yaml "http://127.0.0.1:$PROXY_PORT" >"$WORK/agent-proxy.yaml"
start_agent "$WORK/agent-proxy.yaml" || exit 1
python3 -c '
import socket
for p in range(47200, 47210):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", p)); s.close()'
ids_arrive "503, 429, 503, then through: all arrive" \
	'e["kind"] == "listener" and e["protocol"] == "udp" and 47200 <= e["port"] < 47210'
check "the three refusals were retried" bash -c "[ \"\$(head -3 '$WORK/proxy.log' | tr '\n' ' ')\" = '503 429 503 ' ]"
expect_json "retries are counted" "$WORK/agent.err" msg=health 'export.retries!=0'
stop_agent

# a collector that answers 400: the batch is dropped and counted, not retried
BAD_PORT=$(free_port)
bg bad python3 -c "
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers['Content-Length']))
        self.send_response(400); self.send_header('Content-Length', '0'); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(('127.0.0.1', $BAD_PORT), H).serve_forever()"
sleep 0.5
agent_yaml "http://127.0.0.1:$BAD_PORT" >"$WORK/agent-bad.yaml"
rm -rf "$ASTATE/spool"
start_agent "$WORK/agent-bad.yaml" || exit 1
expect_json "a 400 is a counted drop" "$WORK/agent.err" msg=health 'drops.export_rejected!=0'
check "and is logged" grep -q 'refused the batch with 400' "$WORK/agent.err"
stop_agent

# --- a wrong token: the spool is kept, and drains once the token is right ----
# A rotation that reaches the collector before the agent (or a URL typo)
# must never cost events: 401 blocks delivery instead of dropping batches.
printf 'not-the-collector-token-0123456789\n' >"$WORK/agent-token"
agent_yaml "http://127.0.0.1:$PORT" | sed "s|token_file: .*|token_file: $WORK/agent-token|" >"$WORK/agent-rot.yaml"
rm -rf "$ASTATE/spool"
start_agent "$WORK/agent-rot.yaml" || exit 1
python3 -c '
import socket
for p in range(47300, 47450):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", p)); s.close()'
check "the agent saw 300 events" printed 300 "$UDP and 47300 <= e['port'] < 47450"
LW_TIMEOUT=15 expect_json "a refused token blocks export, named in the health line" "$WORK/agent.err" 	msg=health export.blocked=auth export.blocked_status=401 drops.export_rejected=0
mport=$(grep -o '"port":[0-9]*' "$WORK/agent.err" | head -1 | cut -d: -f2)
check "/metrics says export is blocked for auth" bash -c \
	"curl -s http://127.0.0.1:$mport/metrics | grep -qx 'leakwatch_export_blocked{reason=\"auth\"} 1'"
sleep 3 # several refused attempts at a 1 s max_backoff
n=$(grep -c 'collector answered 401' "$WORK/agent.err")
check "the refusal is logged once per interval, not per attempt (got $n)" test "$n" -eq 1
check "and the log does not carry the token" bash -c "! grep -q not-the-collector-token '$WORK/agent.err' '$WORK/agent.out'"
cp "$CSTATE/token" "$WORK/agent-token" # the rotated token reaches the node
ids_arrive "after the token is fixed all 300 are stored exactly once" \
	'e["kind"] == "listener" and e["protocol"] == "udp" and 47300 <= e["port"] < 47450'
LW_TIMEOUT=15 expect_json "export is no longer blocked, and nothing was dropped" "$WORK/agent.err" \
	msg=health export.blocked=null drops.export_rejected=0 'export.blocked_attempts!=0'
check "/metrics agrees" bash -c \
	"curl -s http://127.0.0.1:$mport/metrics | grep -qx 'leakwatch_export_blocked{reason=\"auth\"} 0'"
stop_agent

# --- a full disk: counted, and the agent keeps going -------------------------
mkdir -p "$WORK/tiny"
if mount -t tmpfs -o size=64k tmpfs "$WORK/tiny"; then
	on_exit "umount -l $WORK/tiny"
	agent_yaml "http://127.0.0.1:$PORT" "spool:
  dir: $WORK/tiny/spool" >"$WORK/agent-tiny.yaml"
	stop_collector
	start_agent "$WORK/agent-tiny.yaml" || exit 1
	python3 -c '
import socket
for p in range(48000, 49000):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", p)); s.close()'
	expect_json "writes to a full disk are counted" "$WORK/agent.err" msg=health 'drops.spool_write_error!=0'
	expect_json "and the agent still prints events" "$WORK/agent.out" port=48999 event=close
	stop_agent
	rc=$?
	check "and exits 0 (got $rc)" test "$rc" -eq 0
else
	fail "a full disk" "cannot mount a small tmpfs"
fi
