#!/usr/bin/env bash
# Agent CPU for the systemd journal against file capture, in one run and
# one agent: a real journald (tests/helpers/journald.bash) takes RATE
# entries/s by the native protocol for SECONDS while the agent follows it,
# and the same lines go to a watched .log file at the same rate; ROUNDS
# pairs of one journal round and one file round, back to back (after one
# pair of warm-up, not counted), the order
# alternating (journal first, then file first), so that both sides of a
# pair run on the host as it is then. The agent's CPU (user + sys, in ns
# from its threads' schedstat: clock ticks are too coarse) per MB of log
# text (the line and its newline: the same bytes both ways) is compared
# within each pair, and the verdict is a sign test over the pairs, not
# medians taken at different times. The agent's CPU is its main thread's,
# which reads the ring buffers, scans and follows the journal; its other
# threads (listener probes above all, at start-up and on their timers) are
# printed apart. Pinned: the agent, the floors and a
# reference workload on CPU 0; journald and the writer, the producers, on
# CPU 1. The floor: journal_floor follows the same journal alongside the
# agent and only reads it (sd_journal_next and every field), and a second
# one only steps from entry to entry; their CPU is what libsystemd alone
# costs. The reference (journal_floor - ref) does a fixed amount of work
# per second on CPU 0: when it costs more in a round, CPU 0 was slow then
# (other work on the host), and every figure of that round with it.
# Prints figures; never fails on speed. Needs root.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RATE=${BENCH_ENTRIES_PER_S:-10000}
SECONDS_=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-8}
SETTLE=${BENCH_SETTLE:-1}
TICK_MS=${BENCH_TICK_MS:-1}

work=$(mktemp -d /tmp/lwbench.XXXXXX)
JPID=
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -n "$JPID" ] && kill "$JPID" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
. tests/helpers/journald.bash
journald_start "$work/j" "$work/journald.log"
# the producers on CPU 1, the agent and what is measured with it on CPU 0
taskset -a -p -c 1 "$JPID" >/dev/null
mkdir -p "$work/logs"
cat >"$work/agent.yaml" <<YAML
state_dir: $work/state
agent:
  health_interval: 1h
watch:
  paths: ["$work/logs/**"]
journal:
  directory: $work/j/run/log/journal
YAML
taskset -c 0 "$BUILD/leakwatch" run --config "$work/agent.yaml" >/dev/null 2>"$work/a.err" & agent=$!
pids+=("$agent")
# the floor, on the agent's CPU: reading every field, and stepping alone
taskset -c 0 "$BUILD/bench/journal_floor" "$work/j/run/log/journal" & floor=$!
taskset -c 0 "$BUILD/bench/journal_floor" "$work/j/run/log/journal" next & step=$!
taskset -c 0 "$BUILD/bench/journal_floor" - ref & ref=$!
pids+=("$floor" "$step" "$ref")
for _ in $(seq 100); do grep -qs 'start-up inventory' "$work/a.err" && break; sleep 0.1; done

# on-CPU ns of every thread of PID (schedstat's first field)
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ t += $1 } END { printf "%d\n", t }'; }
# of its main thread alone: the agent's loop, where the ring buffers are
# read, writes scanned and the journal followed; its other threads (listener
# probes, the status server, delivery) do their own work at their own times,
# start-up probes above all, and would land on whichever round they fall in
main_ns() { awk '{ print $1 }' /proc/"$1"/task/"$1"/schedstat 2>/dev/null || echo 0; }

# send SINK: RATE lines/s for SECONDS_, paced every TICK_MS (1 ms: a steady
# flow; at 10 ms, the bursts beat against write.bpf.c's 10 ms wake-up and
# the agent is woken 50 to 200 times a second, round by round), to the journal
# socket ("journal") or a file; prints the bytes of log text sent
send() {
	taskset -c 1 python3 - "$1" "$RATE" "$SECONDS_" "$work/j/run/systemd/journal/socket" "$work/logs/app.log" "$TICK_MS" <<'PY'
import os, socket, sys, time
sink, rate, secs, sock, path, tick = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
per_tick, n, sent, t = rate * tick // 1000, 0, 0, time.monotonic()
end = t + secs
while t < end:
    for _ in range(per_tick):
        line = b"GET /api/v1/items/%08d 200 12ms user=4711 trace=5f2a9c1b0d4e7a33" % n
        if sink == "journal":
            s.sendto(b"MESSAGE=" + line + b"\nSYSLOG_IDENTIFIER=bench\nPRIORITY=6\n", sock)
        else:
            os.write(fd, line + b"\n")
        sent += len(line) + 1
        n += 1
    t += tick / 1000
    time.sleep(max(0, t - time.monotonic()))
print(sent)
PY
}

# voluntary context switches of every thread of PID: its wake-ups
wakeups() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ { t += $2 } END { print t + 0 }'; }

# measure SINK PAIR: the agent's, journald's, the floors' and the
# reference's CPU over one round (the agent's: its main thread); appends
# "sink pair ms/s ms/MB us/line journald-ms/s floor-ms/MB step-ms/MB
# agent/floor ref-ms/s wakeups/s other-threads-ms/s" to $work/rounds
measure() {
	local a0 j0 f0 s0 r0 w0 o0 bytes a1 j1 f1 s1 r1 w1 o1 t
	t=$((SECONDS_ + SETTLE))
	o0=$(cpu_ns "$agent")
	a0=$(main_ns "$agent"); j0=$(cpu_ns "$JPID"); f0=$(cpu_ns "$floor"); s0=$(cpu_ns "$step")
	r0=$(cpu_ns "$ref"); w0=$(wakeups "$agent")
	bytes=$(send "$1")
	sleep "$SETTLE" # what is queued is scanned
	a1=$(main_ns "$agent"); j1=$(cpu_ns "$JPID"); f1=$(cpu_ns "$floor"); s1=$(cpu_ns "$step")
	r1=$(cpu_ns "$ref"); w1=$(wakeups "$agent")
	o1=$(cpu_ns "$agent")
	awk -v a=$((a1 - a0)) -v j=$((j1 - j0)) -v f=$((f1 - f0)) -v st=$((s1 - s0)) -v s="$SECONDS_" -v b="$bytes" \
		-v r="$RATE" -v what="$1" -v pair="$2" -v rf=$((r1 - r0)) -v w=$((w1 - w0)) -v t="$t" -v o=$((o1 - o0 - (a1 - a0))) 'BEGIN {
		ms = a / 1e6; mb = b / 1048576
		printf "%s %d %.2f %.2f %.3f %.1f %.2f %.2f %.2f %.2f %.0f %.2f\n", what, pair, ms / s, ms / mb, ms * 1000 / (r * s),
			j / 1e6 / s, f / 1e6 / mb, st / 1e6 / mb, (f > 0 ? a / f : 0), rf / 1e6 / t, w / t, o / 1e6 / t }' >>"$work/rounds"
}

# pair N: one journal round and one file round, the first alternating
measure_pair() {
	if [ $(($1 % 2)) -eq 1 ]; then measure journal "$1"; measure file "$1"; else measure file "$1"; measure journal "$1"; fi
	awk -v p="$1" '$2 == p { r[$1] = $0 } END {
		split(r["journal"], j); split(r["file"], f)
		printf "  pair %2d: journal %6.2f ms/MB (floor %5.2f, agent/floor %.2f) | file %6.2f ms/MB | journal/file %.2f | ref %.2f/%.2f ms/s | wake-ups/s %d/%d | other threads %.2f/%.2f ms/s\n",
			p, j[4], j[7], j[9], f[4], j[4] / f[4], j[10], f[10], j[11], f[11], j[12], f[12] }' "$work/rounds"
}

# summary SINK COLUMN WHAT: the median and range over the rounds
summary() {
	awk -v w="$1" '$1 == w' "$work/rounds" | sort -g -k"$2" | awk -v c="$2" -v what="$3" '
		{ v[NR] = $c } END {
			if (!NR) exit
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%s: median %.2f (%.2f-%.2f over %d rounds)\n", what, m, v[1], v[NR], NR }'
}

# median SINK COLUMN
median() {
	awk -v w="$1" '$1 == w' "$work/rounds" | sort -g -k"$2" | awk -v c="$2" '{ v[NR] = $c }
		END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# journal/file per MB in each pair: "pair ratio", one a line
pair_ratios() {
	awk '{ v[$2, $1] = $4; p[$2] = 1 } END { for (i in p) if (v[i, "file"] > 0) print i, v[i, "journal"] / v[i, "file"] }' \
		"$work/rounds" | sort -n
}

echo "== journal against file capture: $RATE lines/s, $ROUNDS pairs of rounds of $SECONDS_ s (+$SETTLE s to drain), order alternating; agent, floors and reference on CPU 0, journald and writer on CPU 1"
: >"$work/rounds"
# what the agent costs with nothing written: in both figures below alike
i0=$(main_ns "$agent"); sleep "$SECONDS_"; i1=$(main_ns "$agent")
IDLE_MS=$(awk -v a=$((i1 - i0)) -v s="$SECONDS_" 'BEGIN { printf "%.2f", a / 1e6 / s }')
# a pair not counted: the agent's start-up probes, journald's first files
for p in $(seq 0 "$ROUNDS"); do
	measure_pair "$p"
	[ "$p" -eq 0 ] && { echo "  (pair 0 warms up and is not counted)"; : >"$work/rounds"; }
done
summary journal 4 "journal  agent ms per MB of log text"
summary file 4 "file     agent ms per MB of log text"
summary journal 7 "journal  floor ms per MB (libsystemd reading every field, no scan)"
summary journal 8 "journal  floor ms per MB (sd_journal_next alone)"
# within a round the agent and the floor see the same load: steadier than either
summary journal 9 "journal  agent / floor, per round"
pair_ratios | awk '{ v[NR] = $2; if ($2 <= 1) le++ } END {
	if (!NR) exit
	n = asort(v)
	m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	printf "journal / file per MB, per pair: median %.2f (%.2f-%.2f over %d pairs); journal <= file in %d of %d pairs\n", m, v[1], v[n], n, le, n
	# sign test: how likely that many pairs (or more) on one side if neither way cost less
	for (k = 0; k <= n; k++) { c = 1; for (i = 0; i < k; i++) c = c * (n - i) / (i + 1); b[k] = c / 2 ^ n }
	for (k = le; k <= n; k++) pl += b[k]
	for (k = n - le; k <= n; k++) pg += b[k]
	if (pl < 0.05) printf "verdict: journal <= file capture per MB of log text HOLDS (%d of %d pairs; sign test p = %.3f)\n", le, n, pl
	else if (pg < 0.05) printf "verdict: journal <= file capture per MB of log text DOES NOT HOLD (%d of %d pairs above; sign test p = %.3f)\n", n - le, n, pg
	else printf "verdict: UNDECIDED: journal <= file in %d of %d pairs, no side significant (p = %.3f / %.3f)\n", le, n, pl, pg }'
awk -v j="$(median journal 4)" -v f="$(median file 4)" -v fl="$(median journal 7)" -v i="$IDLE_MS" \
	-v mbs="$(awk '$1 == "journal" && $4 > 0 { print $3 / $4; exit }' "$work/rounds")" 'BEGIN {
	if (f > 0) printf "ratio of the medians journal/file per MB: %.2f (the floor alone: %.2f; the agent above the floor: %.2f ms per MB)\n", j / f, fl / f, j - fl
	if (mbs > 0) printf "agent idle, in both figures alike: %.2f ms CPU/s, %.2f ms per MB at this rate\n", i, i / mbs }'
summary journal 10 "reference work on CPU 0, journal rounds, ms/s (steady: a quiet host)"
summary file 10 "reference work on CPU 0, file rounds, ms/s"
summary journal 11 "journal  agent wake-ups per second"
summary file 11 "file     agent wake-ups per second"
summary journal 12 "agent's other threads, journal rounds, ms CPU/s (not counted above)"
summary file 12 "agent's other threads, file rounds, ms CPU/s (not counted above)"
summary journal 3 "journal  agent ms CPU per second"
summary file 3 "file     agent ms CPU per second"
summary journal 5 "journal  agent us per line"
summary journal 6 "journald itself ms CPU per second"
# what journald keeps per entry: the line plus the fields it adds (_PID, _COMM, ...)
jbytes=$(journalctl -D "$work/j/run/log/journal" -o export --no-pager 2>/dev/null | wc -c)
jentries=$(journalctl -D "$work/j/run/log/journal" --no-pager -q 2>/dev/null | wc -l)
JOURNAL_MS=$(median journal 3)
awk -v b="$jbytes" -v n="$jentries" -v ms="$JOURNAL_MS" -v r="$RATE" 'BEGIN { if (n) printf "an entry is %.0f bytes of journal fields (export form): %.2f ms per MB of journal data (median)\n", b / n, ms / r * n / (b / 1048576) }'
kill -TERM "$agent"
while kill -0 "$agent" 2>/dev/null; do sleep 0.1; done
echo "(the agent's last health line: $(grep -o '"journal":{[^}]*}' "$work/a.err" | tail -1))"
