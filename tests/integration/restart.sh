#!/usr/bin/env bash
# Listeners that close while the agent is not running: stopped, or killed
# with -9. At its next start the agent reports them closed (source
# "restart"), so the collector's state and its alerts do not stay open
# forever; those still listening are not closed. A damaged state file is
# skipped line by line.
. "$(dirname "$0")/lib.sh"

make_netns lwt-rs 10.231.5.2/24 10.231.5.1/24 || exit 1
NS=$(netns_ino lwt-rs)
PORT=$(free_port)
CSTATE=$WORK/collector
DB=$CSTATE/collector.db
printf 'state_dir: %s\nserver:\n  listen: 127.0.0.1:%s\n' "$CSTATE" "$PORT" >"$WORK/collector.yaml"
start_collector "$WORK/collector.yaml" || exit 1
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
exposure:
  public_cidrs: [10.231.5.0/24]
collector:
  url: http://127.0.0.1:$PORT
  token_file: $CSTATE/token
  flush_interval: 200ms
YAML

# listen NAME PROTO PORT: a listener in the test namespace, until killed
listen() {
	bg "$1" ip netns exec lwt-rs python3 -c '
import socket, sys, time
udp = sys.argv[1] == "udp"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)
s.bind(("0.0.0.0", int(sys.argv[2])))
udp or s.listen()
time.sleep(600)' "$2" "$3"
	wait_port lwt-rs "$2" "$3"
}
# state PROTO PORT: the collector's state of that listener
state() {
	dbq "$DB" "SELECT state FROM listeners WHERE netns = $NS AND protocol = '$1' AND port = $2"
}
wait_state() { # NAME PROTO PORT WANT
	local got
	for _ in $(seq 50); do got=$(state "$2" "$3"); [ "$got" = "$4" ] && break; sleep 0.1; done
	expect "$1" "$4" "$got"
}

start_agent "$WORK/agent.yaml" || exit 1
listen tcp-gone tcp 7101; GONE_TCP=$BG_PID
listen udp-gone udp 7102; GONE_UDP=$BG_PID
listen tcp-stays tcp 7103
for p in 7101 7103; do
	expect_json "tcp $p opens" "$WORK/agent.out" event=open protocol=tcp port=$p netns="$NS"
done
expect_json "udp 7102 opens" "$WORK/agent.out" event=open protocol=udp port=7102 netns="$NS"
wait_state "the collector has tcp 7101 open" tcp 7101 open

# --- closed while the agent is stopped --------------------------------------
stop_agent
check "the open listeners were saved, 0600" test "$(stat -c %a "$WORK/state/listeners.tsv")" = 600
kill "$GONE_TCP" "$GONE_UDP"
sleep 0.5
start_agent "$WORK/agent.yaml" || exit 1
expect_json "tcp 7101 is reported closed at the next start" "$WORK/agent.out" \
	event=close source=restart protocol=tcp port=7101 netns="$NS" exposure=public severity=low \
	wildcard=true process.comm=python3
echo "    event: $(echo "$LAST_MATCH" | cut -c1-300)"
expect_json "udp 7102 too" "$WORK/agent.out" event=close source=restart protocol=udp port=7102 netns="$NS"
expect_json "tcp 7103, still listening, is in the inventory" "$WORK/agent.out" \
	event=open source=inventory port=7103 netns="$NS"
check "and is not closed" python3 "$JSONMATCH" "$WORK/agent.out" --absent --timeout 1 event=close port=7103
# (its own metrics endpoint, on a new port at each start, is among them)
expect_json "the agent says how many closed" "$WORK/agent.err" \
	'msg~listener(s) closed while the agent was not running'
wait_state "the collector has tcp 7101 closed" tcp 7101 closed
wait_state "and udp 7102" udp 7102 closed
expect "and tcp 7103 still open" open "$(state tcp 7103)"

# --- closed after the agent was killed with -9 ------------------------------
listen tcp-killed tcp 7104; KILLED=$BG_PID
expect_json "tcp 7104 opens" "$WORK/agent.out" event=open port=7104 netns="$NS"
sleep 1.5 # the open set is saved once a second
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null
kill "$KILLED"
sleep 0.5
start_agent "$WORK/agent.yaml" || exit 1
expect_json "after kill -9: tcp 7104 is reported closed at the next start" "$WORK/agent.out" \
	event=close source=restart port=7104 netns="$NS"
check "tcp 7101 is not closed twice" python3 "$JSONMATCH" "$WORK/agent.out" --absent --timeout 1 \
	event=close port=7101
stop_agent

# --- a damaged state file -----------------------------------------------------
printf 'not\ta\tlistener\n4294967296\t6\t0\t0.0.0.0\t80\t1\t0\t3\t3\t1\t0\tx\t/x\n' \
	>>"$WORK/state/listeners.tsv"
start_agent "$WORK/agent.yaml" || exit 1
expect_json "damaged lines are skipped and counted" "$WORK/agent.err" level=warn 'msg~2 damaged line(s) skipped'
check "nothing is closed for them" python3 "$JSONMATCH" "$WORK/agent.out" --absent --timeout 1 event=close \
	netns="$NS"
stop_agent
rc=$?
check "SIGTERM exits 0 (got $rc)" test "$rc" -eq 0

# --- a namespace deleted while the agent was not running: its sockets went
# with it, so its listeners close at the next start (source restart) -------
GHOST=$(printf '4000000000\t6\t0\t0.0.0.0\t7199\t1\t0\t3\t3\t1\t0\tredis\tprocess\tredis-server\t/usr/bin/redis-server')
printf '%s\n' "$GHOST" >>"$WORK/state/listeners.tsv"
start_agent "$WORK/agent.yaml" || exit 1
expect_json "a namespace that no longer exists: closed, with what was saved" "$WORK/agent.out" event=close \
	source=restart port=7199 netns=4000000000 severity=high exposure=public service.name=redis \
	service.identified_by=process process.comm=redis-server
check "    not kept for a later start" python3 "$JSONMATCH" "$WORK/agent.err" --absent --timeout 0 \
	'msg~saved as open are in network namespaces the inventory could not read'
stop_agent
check "    and no longer saved" bash -c "! grep -q '^4000000000	6	0	0.0.0.0	7199	' '$WORK/state/listeners.tsv'"
printf 'garbage\n' >"$WORK/state/listeners.tsv"
start_agent "$WORK/agent.yaml" || exit 1
expect_json "a file without the header is replaced, logged" "$WORK/agent.err" level=warn \
	'msg~is not a list of open listeners; it is replaced'
stop_agent
check "with the open listeners" grep -q "^leakwatch-listeners 2 " "$WORK/state/listeners.tsv"
# unreadable even to root: a directory where the file should be
rm "$WORK/state/listeners.tsv" && mkdir "$WORK/state/listeners.tsv"
start_agent "$WORK/agent.yaml" || exit 1
expect_json "an unreadable file is logged" "$WORK/agent.err" level=warn 'msg~cannot read'
stop_agent
rc=$?
check "the agent runs on, and stops with 0 (got $rc)" test "$rc" -eq 0
check "and leaves it alone" test -d "$WORK/state/listeners.tsv"
