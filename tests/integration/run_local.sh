#!/usr/bin/env bash
# `make run` (deploy/run-local.sh) and Ctrl-C: a terminal's Ctrl-C is a
# SIGINT to the whole foreground process group. The agent must still stop
# first, shipping what it holds, and the collector after it: every event the
# agent printed is in the collector's database afterwards.
. "$(dirname "$0")/lib.sh"

if ss -Hltn 'sport = :4520' | grep -q .; then
	fail "port 4520 is free for make run's collector" "$(ss -Hltnp 'sport = :4520')"
	exit 1
fi
export STATE=$WORK/state BUILD
# a session of its own, as a terminal gives a shell: its process group is the
# "foreground" one. A background job of this script starts with SIGINT
# ignored, which a terminal's shell would not do: restored before the exec.
setsid python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp("bash", ["bash", sys.argv[1]])' "$LW_ROOT/deploy/run-local.sh" >"$WORK/run.out" 2>"$WORK/run.err" &
RUN_PID=$!
on_exit "kill -9 -- -$RUN_PID 2>/dev/null; pkill -f 'leakwatch run --config $BUILD/run/agent.yaml'; pkill -f 'leakwatch-collector serve --config $BUILD/run/collector.yaml'"
for _ in $(seq 200); do
	grep -q 'agent and collector running' "$WORK/run.err" && break
	sleep 0.1
done
check "make run starts the collector and the agent" grep -q 'agent and collector running' "$WORK/run.err"
# something to ship, right before the Ctrl-C
python3 - <<'PY'
import socket, time
socks = []
for p in range(42300, 42340):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", p)); socks.append(s)
time.sleep(0.5)
PY
sleep 0.5
kill -INT -- "-$RUN_PID"
wait "$RUN_PID"
check "Ctrl-C stops both" bash -c "! ss -Hltn 'sport = :4520' | grep -q . &&
	! pgrep -f '[l]eakwatch run --config $BUILD/run/agent.yaml' >/dev/null"
AGENT_OUT="$LW_ROOT/$BUILD/run/agent.jsonl"
[ -f "$AGENT_OUT" ] || AGENT_OUT="$BUILD/run/agent.jsonl"
check "the agent stopped before the collector: it says so, and did not lose its batches" \
	grep -q '"msg":"stopping"' "$(dirname "$AGENT_OUT")/agent.log"
check "every event the agent printed was stored: nothing left unsent" python3 - "$AGENT_OUT" \
	"$STATE/collector/collector.db" <<'PY'
import json, sqlite3, sys
ids = {json.loads(l)["id"].replace("-", "") for l in open(sys.argv[1]) if l.startswith("{")}
ports = [json.loads(l).get("port") for l in open(sys.argv[1]) if l.startswith("{")]
assert sum(1 for p in ports if p and 42300 <= p < 42340) >= 40, "the binds were not reported"
stored = {r[0] for r in sqlite3.connect(sys.argv[2]).execute("SELECT lower(hex(id)) FROM events")}
missing = ids - stored
assert not missing, f"{len(missing)} of {len(ids)} not stored"
print(f"    {len(ids)} printed, {len(ids)} stored")
PY
