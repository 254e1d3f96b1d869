# Shared helpers for integration tests: results, the agent's lifecycle,
# network namespaces. Sourced by each tests/integration/*.sh.
# Every scenario runs against the real kernel as root.

set -u
LW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$LW_ROOT/$BUILD" ;; esac
LEAKWATCH="$BUILD/leakwatch"
COLLECTOR="$BUILD/leakwatch-collector"
# LW_STORAGE=postgres (tests/run.sh's second pass over the collector's
# suites): the collector runs on PostgreSQL (LW_PG_DSN), through a wrapper
# that gives each suite's state directory a database of its own.
if [ "${LW_STORAGE:-sqlite}" = postgres ]; then
	. "$LW_ROOT/tests/integration/lib_postgres.sh"
	export LW_REAL_COLLECTOR=$COLLECTOR
	COLLECTOR="$LW_ROOT/tests/helpers/pg_collector.sh"
fi

# dbdump FILE: the whole database as SQL text; dbcheck FILE: its integrity
dbdump() {
	if [ "${LW_STORAGE:-sqlite}" = postgres ]; then
		pg_dump -d "$LW_PG_DSN dbname=$(pg_db_for "$1")"
	else
		sqlite3 "$1" .dump
	fi
}
dbcheck() {
	if [ "${LW_STORAGE:-sqlite}" = postgres ]; then
		# pg_amcheck takes a database's name; the server from the DSN
		PGHOST=$(sed -n 's/.*host=\([^ ]*\).*/\1/p' <<<"$LW_PG_DSN") \
		PGPORT=$(sed -n 's/.*port=\([^ ]*\).*/\1/p' <<<"$LW_PG_DSN") PGUSER=postgres \
			"$PG_BIN/pg_amcheck" --install-missing --heapallindexed "$(pg_db_for "$1")"
	else
		[ "$(sqlite3 "$1" 'PRAGMA integrity_check')" = ok ]
	fi
}

# dbq FILE SQL: a query on the collector's database, whichever holds it;
# rows as SQLite's shell prints them (a|b). FILE is the SQLite file, which
# also names the PostgreSQL database that stands for it.
dbq() {
	if [ "${LW_STORAGE:-sqlite}" = postgres ]; then
		pg_sql "$LW_PG_DSN" "$(pg_db_for "$1")" "$2"
	else
		sqlite3 "$1" "$2"
	fi
}
# for checks that run them in `bash -c`
export -f dbq
[ "${LW_STORAGE:-sqlite}" = postgres ] && export -f pg_sql pg_db_for && export LW_PG_DSN
JSONMATCH="$LW_ROOT/tests/integration/jsonmatch.py"
WORK=$(mktemp -d /tmp/lwtest.XXXXXX)
PASSED=0
FAILED=0
AGENT_PID=
COLLECTOR_PID=
URL=
CLEANUPS=()

pass() { PASSED=$((PASSED + 1)); echo "PASS $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1${2:+: $2}"; }

# check NAME CMD...: runs CMD, passes when it exits 0
check() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(echo "$out" | tail -3)"; fi
}

# expect NAME WANT GOT: passes when GOT is WANT
expect() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "wanted $2, got $3"; fi; }

# expect_json NAME FILE COND...: a line matching every COND appears within 5 s
expect_json() {
	local name=$1 file=$2; shift 2
	local out
	if out=$(python3 "$JSONMATCH" "$file" --timeout "${LW_TIMEOUT:-5}" "$@" 2>&1); then
		pass "$name"
		LAST_MATCH=$out
	else
		fail "$name" "$out"
		LAST_MATCH=
	fi
}

on_exit() { CLEANUPS+=("$*"); }

finish() {
	local i
	for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${CLEANUPS[$i]}" >/dev/null 2>&1; done
	[ -n "$AGENT_PID" ] && kill -9 "$AGENT_PID" 2>/dev/null
	[ -n "$COLLECTOR_PID" ] && kill -9 "$COLLECTOR_PID" 2>/dev/null
	rm -rf "$WORK"
	# a benchmark borrows these helpers, and has no tally to print
	[ -n "${LW_NO_TALLY:-}" ] || echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}
trap 'finish; exit $?' EXIT

# start_agent CONFIG [ARGS...]: runs `leakwatch run`, waits until it is
# attached and the start-up inventory is done. Output in $WORK/agent.{out,err}.
start_agent() {
	local config=$1; shift
	: >"$WORK/agent.out"; : >"$WORK/agent.err"
	# a port of its own for the status endpoint, so tests never collide
	grep -q '^metrics:' "$config" || printf 'metrics:
  listen: 127.0.0.1:0
' >>"$config"
	# and a state directory of its own: the saved open listeners of another
	# test's agent would be reported closed at this one's start
	grep -q '^state_dir:' "$config" || printf 'state_dir: %s/state\n' "$WORK" >>"$config"
	"$LEAKWATCH" run --config "$config" "$@" >"$WORK/agent.out" 2>"$WORK/agent.err" &
	AGENT_PID=$!
	for _ in $(seq 100); do
		grep -q '"start-up inventory' "$WORK/agent.err" && return 0
		kill -0 "$AGENT_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "agent did not start:" >&2
	tail -5 "$WORK/agent.err" >&2
	return 1
}

# stop_agent: SIGTERM and wait; returns the agent's exit status
stop_agent() {
	local rc
	kill -TERM "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID"
	rc=$?
	AGENT_PID=
COLLECTOR_PID=
URL=
	return $rc
}

# make_netns NAME ADDR/PREFIX PEER_ADDR/PREFIX: a namespace joined to the
# host by a veth pair; the test owns the addresses on both ends.
make_netns() {
	local ns=$1 inside=$2 outside=$3 host_if="${1}h" ns_if="${1}n"
	ip netns del "$ns" 2>/dev/null
	ip link del "$host_if" 2>/dev/null
	ip netns add "$ns" || return 1
	on_exit "ip netns del $ns; ip link del $host_if"
	ip link add "$host_if" type veth peer name "$ns_if" || return 1
	ip link set "$ns_if" netns "$ns"
	ip addr add "$outside" dev "$host_if"
	ip link set "$host_if" up
	ip netns exec "$ns" ip addr add "$inside" dev "$ns_if"
	ip netns exec "$ns" ip link set "$ns_if" up
	ip netns exec "$ns" ip link set lo up
}

netns_ino() { stat -L -c %i "/run/netns/$1"; }

# wait_port NS PROTO PORT: until something listens there (ss inside the netns)
wait_port() {
	local ns=$1 proto=$2 port=$3 flag=-ltn
	[ "$proto" = udp ] && flag=-lun
	for _ in $(seq 100); do
		ip netns exec "$ns" ss -H $flag "sport = :$port" | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

# bg NAME CMD...: starts CMD in the background, killed at exit; pid in $BG_PID
bg() {
	local name=$1; shift
	"$@" >"$WORK/$name.log" 2>&1 &
	BG_PID=$!
	disown "$BG_PID" # killed at exit without a "Killed" line
	on_exit "kill -9 $BG_PID"
}

# start_alertmanager PORT: a real Alertmanager on loopback in the background,
# no cluster, a receiver that drops; returns once it is ready (or after 10 s)
start_alertmanager() {
	mkdir -p "$WORK/am"
	printf 'route:\n  receiver: blackhole\n  group_by: [alertname, host]\nreceivers:\n  - name: blackhole\n' \
		>"$WORK/am.yml"
	bg alertmanager "${AM_BIN:-/usr/bin/prometheus-alertmanager}" --config.file="$WORK/am.yml" \
		--storage.path="$WORK/am" --web.listen-address="127.0.0.1:$1" --cluster.listen-address=
	for _ in $(seq 100); do
		curl -sf "http://127.0.0.1:$1/-/ready" >/dev/null && return 0
		sleep 0.1
	done
}

# start_sink_receiver PORT LOG: sinkrecv.py in the background, once it
# answers; then `script PATH '[503, 503]'` queues statuses for PATH
start_sink_receiver() {
	RECEIVER_PORT=$1
	: >"$2"
	bg receiver python3 "$LW_ROOT/tests/integration/sinkrecv.py" "$1" "$2"
	for _ in $(seq 50); do
		script none '[]' && return 0
		sleep 0.1
	done
	echo "sink receiver did not start" >&2
	return 1
}
script() { curl -s -f -o /dev/null -X POST -d "$2" "http://127.0.0.1:$RECEIVER_PORT/_script/${1#/}"; }

# start_collector CONFIG [ARGS...]: serve in the background; sets URL from
# the "listening" log line (the config asks for port 0)
start_collector() {
	local config=$1 addr; shift
	: >"$WORK/collector.err"
	"$COLLECTOR" serve --config "$config" "$@" >>"$WORK/collector.out" 2>"$WORK/collector.err" &
	COLLECTOR_PID=$!
	on_exit "kill -9 $COLLECTOR_PID"
	for _ in $(seq 100); do
		addr=$(grep -o '"msg":"listening","address":"[^"]*' "$WORK/collector.err" | sed 's/.*"address":"//')
		if [ -n "$addr" ]; then
			URL="${SCHEME:-http}://$addr"
			return 0
		fi
		kill -0 "$COLLECTOR_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "collector did not start:" >&2
	tail -5 "$WORK/collector.err" >&2
	return 1
}

# collector_hup: SIGHUP to the collector, to read its configuration again
# (on PostgreSQL the wrapper's copy of it is written again first)
collector_hup() {
	[ "${LW_STORAGE:-sqlite}" = postgres ] && "$LW_ROOT/tests/helpers/pg_collector.sh" --refresh "$COLLECTOR_PID"
	kill -HUP "$COLLECTOR_PID"
}

stop_collector() {
	local rc
	[ -n "$COLLECTOR_PID" ] || return 0
	kill -TERM "$COLLECTOR_PID" 2>/dev/null
	wait "$COLLECTOR_PID"
	rc=$?
	COLLECTOR_PID=
	return $rc
}

# gh_token: a GitHub token with a valid checksum (base62 CRC32 of its 30
# random characters), made fresh at each call and never printed by the tests
gh_token() {
	python3 - <<'PY'
import secrets, zlib
A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
body = "".join(secrets.choice(A) for _ in range(30))
n, c = zlib.crc32(body.encode()), ""
while n:
    c, n = A[n % 62] + c, n // 62
print("ghp_" + body + c.rjust(6, "0"))
PY
}

# free_port: a loopback TCP port nobody listens on right now
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# the sonames the agent loads itself when it needs them (lib/os/dynlib.h),
# read from their modules, agent/*/*api.c: one per line, sorted
loaded_sonames() { sed -n 's/.*\.soname = "\([^"]*\)".*/\1/p' "$LW_ROOT"/agent/*/*api.c | sort; }
# the file a soname resolves to, as the dynamic loader finds it
lib_path() { ldconfig -p | awk -v so="$1" '$1 == so && /x86-64|AArch64|aarch64/ { print $NF; exit }'; }
# without SONAME CMD...: becomes CMD (exec), where SONAME cannot be loaded;
# run in a subshell, or in the background, where $! is then CMD's pid
without() {
	local so=$1 path
	shift
	path=$(lib_path "$so")
	[ -n "$path" ] || { echo "no $so on this host" >&2; exit 99; }
	exec unshare -m bash -c 'mount --bind /dev/null "$1" && shift && exec "$@"' _ "$path" "$@"
}
export -f lib_path without
