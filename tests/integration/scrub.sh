#!/usr/bin/env bash
# No secret leaves the host raw, whatever string of the host carries it: a
# key in a log file's name, in a container's name, in the path of the
# binary that listens. Each is found and reported, and none of the raw
# secrets is in the agent's output or log, its spool, the collector's
# output, log, database or WAL, its queries, or an alert it sends.
. "$(dirname "$0")/lib.sh"

CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$CG2" ] || { fail "a cgroup v2 mount" "none"; exit 1; }

# the secrets: made fresh, never printed
STRIPE=$(python3 -c 'import secrets, string; a = string.ascii_letters + string.digits; print("sk_live_" + "".join(secrets.choice(a) for _ in range(24)))')
# a container name is a DNS label: a Slack bot token in lowercase fits one
SLACK=$(python3 -c 'import secrets, string; a = string.ascii_lowercase + string.digits; r = lambda n: "".join(secrets.choice(string.digits) for _ in range(n)); print("xoxb-" + r(11) + "-" + r(12) + "-" + "".join(secrets.choice(a) for _ in range(24)))')
EXE_TOKEN=$(gh_token)
LOG_TOKEN=$(gh_token)
POD_TOKEN=$(gh_token)
export LOG_TOKEN POD_TOKEN

ROOT=$WORK/root
NS=payments
POD=ledger-7d9f8c6b5-x2k4q
UID_=6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5
ID=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
PODDIR=/var/log/pods/${NS}_${POD}_${UID_}
CG="$CG2/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_//-/_}.slice/cri-containerd-$ID.scope"
mkdir -p "$ROOT$PODDIR/$SLACK" "$ROOT/var/log/containers" "$WORK/logs" "$WORK/bin-$EXE_TOKEN"
ln -s /proc "$ROOT/proc"
: >"$ROOT$PODDIR/$SLACK/0.log"
ln -s "$PODDIR/$SLACK/0.log" "$ROOT/var/log/containers/${POD}_${NS}_${SLACK}-$ID.log"
mkdir -p "$CG"
on_exit "rmdir '$CG' '$(dirname "$CG")' '$(dirname "$(dirname "$CG")")' '$(dirname "$(dirname "$(dirname "$CG")")")'"
cp "$(readlink -f /usr/bin/python3)" "$WORK/bin-$EXE_TOKEN/python3"

CSTATE=$WORK/collector
RPORT=$(free_port)
RLOG=$WORK/received.jsonl
start_sink_receiver "$RPORT" "$RLOG" || exit 1
cat >"$WORK/collector.yaml" <<YAML
state_dir: $CSTATE
server:
  listen: 127.0.0.1:0
log:
  level: debug
alerting:
  group_window: 0s
  sinks:
    - name: siem
      type: webhook
      url: http://127.0.0.1:$RPORT/hook
  routes:
    - sink: siem
      kind: [listener, leak]
YAML
start_collector "$WORK/collector.yaml" --print || exit 1
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/agent
log:
  level: debug
agent:
  health_interval: 1s
collector:
  url: $URL
  token_file: $CSTATE/token
  flush_interval: 200ms
leaks:
  coalesce_delay: 0s
watch:
  paths: ["$WORK/logs/**", "$ROOT/var/log/**"]
YAML
start_agent "$WORK/agent.yaml" --host-root "$ROOT" || exit 1

# a key in a log file's name, and a token in the file
python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
os.write(fd, b"INFO push with token " + os.environ["LOG_TOKEN"].encode() + b" ok\n")' "$WORK/logs/dump-$STRIPE.log"
expect_json "a leak in a file whose name holds a key is reported" "$WORK/agent.out" \
	kind=leak rule=github-pat
check "its path names the file with the key blanked" python3 - "$WORK/agent.out" "$WORK/logs/dump-" <<'PY'
import json, sys
for row in open(sys.argv[1]):
    e = json.loads(row)
    if e.get("kind") == "leak" and e["file"]["path"].startswith(sys.argv[2]):
        p = e["file"]["path"]
        assert "*" in p and p.endswith(".log"), "path not blanked as expected"
        sys.exit(0)
sys.exit("no leak with that path")
PY

# a container whose name is a token, writing a token to its own log
APP_PORT=$(free_port)
cat >"$WORK/app.py" <<'PY'
import os, socket, sys, time
open(sys.argv[1] + "/cgroup.procs", "w").write(str(os.getpid()))
s = socket.socket(); s.bind(("0.0.0.0", int(sys.argv[2]))); s.listen()
fd = os.open(sys.argv[3], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
os.write(fd, b"INFO started with token " + os.environ["POD_TOKEN"].encode() + b"\n")
time.sleep(600)
PY
# the binary's own path holds a token too
bg app "$WORK/bin-$EXE_TOKEN/python3" "$WORK/app.py" "$CG" "$APP_PORT" "$ROOT$PODDIR/$SLACK/0.log"
expect_json "the container's listener is reported" "$WORK/agent.out" kind=listener port="$APP_PORT" \
	container.pod_name="$POD"
LW_TIMEOUT=10 expect_json "and its leak" "$WORK/agent.out" kind=leak container.pod_name="$POD"
check "the listening binary's path is reported, blanked" python3 - "$WORK/agent.out" "$APP_PORT" "$WORK/bin-" <<'PY'
import json, sys
for row in open(sys.argv[1]):
    e = json.loads(row)
    if e.get("kind") == "listener" and e.get("port") == int(sys.argv[2]):
        exe = e["process"]["exe"]
        assert exe.startswith(sys.argv[3]) and "*" in exe, "exe not blanked as expected: " + exe.replace(sys.argv[3], "WORK/bin-")
        sys.exit(0)
sys.exit("no listener")
PY

# everything reaches the collector and its alerts
check "the collector stored both leaks and the listener" python3 - "$COLLECTOR" "$CSTATE/collector.db" "$APP_PORT" <<'PY'
import json, subprocess, sys, time
collector, db, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
for _ in range(60):
    rows = [json.loads(r) for r in subprocess.run([collector, "events", "--db", db],
            capture_output=True, text=True).stdout.splitlines()]
    leaks = sum(1 for e in rows if e["kind"] == "leak")
    lst = sum(1 for e in rows if e["kind"] == "listener" and e.get("port") == port)
    if leaks >= 2 and lst >= 1:
        sys.exit(0)
    time.sleep(0.5)
sys.exit(f"stored {leaks} leaks, {lst} listeners")
PY
hooks() { grep -c '"path": "/hook"' "$RLOG"; }
for _ in $(seq 100); do [ "$(hooks)" -ge 3 ] && break; sleep 0.1; done
check "the alerts were sent ($(hooks))" test "$(hooks)" -ge 3
stop_agent
"$COLLECTOR" events --db "$CSTATE/collector.db" >"$WORK/events.json" 2>&1
"$COLLECTOR" query --db "$CSTATE/collector.db" >"$WORK/query.txt" 2>&1
curl -s -H "Authorization: Bearer $(cat "$CSTATE/token")" "$URL/v1/findings" >"$WORK/findings.json"
stop_collector

# no raw secret anywhere: grep -c counts, so nothing secret is printed
raw_in() { # NAME FILE...
	local name=$1 n=0 s; shift
	for s in "$STRIPE" "$SLACK" "$EXE_TOKEN" "$LOG_TOKEN" "$POD_TOKEN"; do
		n=$((n + $(cat "$@" 2>/dev/null | grep -acF -- "$s")))
	done
	check "no raw secret in $name ($n hits)" test "$n" -eq 0
}
raw_in "the agent's output" "$WORK/agent.out"
raw_in "the agent's log" "$WORK/agent.err"
raw_in "the agent's spool" "$WORK"/agent/spool/*
raw_in "the collector's output and log" "$WORK/collector.out" "$WORK/collector.err"
if [ "${LW_STORAGE:-sqlite}" = postgres ]; then
	dbdump "$CSTATE/collector.db" >"$WORK/collector.sql" 2>&1
	check "the collector's database dumps" grep -q "COPY public.leaks" "$WORK/collector.sql"
	raw_in "the collector's database" "$WORK/collector.sql"
else
	raw_in "the collector's database and WAL" "$CSTATE"/collector.db*
fi
raw_in "events, query and /v1/findings" "$WORK/events.json" "$WORK/query.txt" "$WORK/findings.json"
raw_in "the alerts" "$RLOG"
