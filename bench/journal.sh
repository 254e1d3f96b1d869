#!/usr/bin/env bash
# Agent CPU for the systemd journal against file capture: a real journald
# (tests/helpers/journald.bash) takes RATE entries/s by the native protocol
# for SECONDS while the agent follows it; then the same lines go to a
# watched .log file at the same rate; ROUNDS times, one agent. Prints each
# round and the median (and range) of the agent's CPU (user + sys, in ns
# from its threads' schedstat: clock ticks are too coarse for a few
# seconds at 1 % of a core) per second and per MB of log text for both,
# their ratio, and journald's own, apart. Both ways carry the same bytes of
# log text (the line and its newline), and only the agent's threads are
# counted. The floor: journal_floor follows the same journal alongside the
# agent and only reads it (sd_journal_next and every field), and a second
# one only steps from entry to entry; their CPU is what libsystemd alone
# costs, which no change in the agent can go below. Prints figures; never
# fails on speed. Needs root.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RATE=${BENCH_ENTRIES_PER_S:-10000}
SECONDS_=${BENCH_SECONDS:-10}
ROUNDS=${BENCH_ROUNDS:-5}

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
pids+=("$floor" "$step")
for _ in $(seq 100); do grep -qs 'start-up inventory' "$work/a.err" && break; sleep 0.1; done

# on-CPU ns of every thread of PID (schedstat's first field)
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ t += $1 } END { printf "%d\n", t }'; }

# send SINK: RATE lines/s for SECONDS_, paced every 10 ms, to the journal
# socket ("journal") or a file; prints the bytes of log text sent
send() {
	taskset -c 1 python3 - "$1" "$RATE" "$SECONDS_" "$work/j/run/systemd/journal/socket" "$work/logs/app.log" <<'PY'
import os, socket, sys, time
sink, rate, secs, sock, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
per_tick, n, sent, t = rate // 100, 0, 0, time.monotonic()
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
    t += 0.01
    time.sleep(max(0, t - time.monotonic()))
print(sent)
PY
}

# measure SINK: the agent's, journald's and the floors' CPU over one run;
# appends "sink ms/s ms/MB us/line journald-ms/s floor-ms/MB step-ms/MB
# agent/floor" to $work/rounds
measure() {
	local a0 j0 f0 s0 bytes a1 j1 f1 s1
	a0=$(cpu_ns "$agent"); j0=$(cpu_ns "$JPID"); f0=$(cpu_ns "$floor"); s0=$(cpu_ns "$step")
	bytes=$(send "$1")
	sleep 2 # what is queued is scanned
	a1=$(cpu_ns "$agent"); j1=$(cpu_ns "$JPID"); f1=$(cpu_ns "$floor"); s1=$(cpu_ns "$step")
	awk -v a=$((a1 - a0)) -v j=$((j1 - j0)) -v f=$((f1 - f0)) -v st=$((s1 - s0)) -v s="$SECONDS_" -v b="$bytes" \
		-v r="$RATE" -v what="$1" 'BEGIN {
		ms = a / 1e6; mb = b / 1048576
		printf "%s %.2f %.2f %.3f %.1f %.2f %.2f %.2f\n", what, ms / s, ms / mb, ms * 1000 / (r * s), j / 1e6 / s,
			f / 1e6 / mb, st / 1e6 / mb, (f > 0 ? a / f : 0) }' \
		| tee -a "$work/rounds" | awk '{ printf "  round: %-8s agent %6.2f ms CPU/s, %5.2f ms per MB of log text, %.3f us per line", $1, $2, $3, $4
			if ($1 == "journal") printf "; floor %.2f ms/MB (stepping %.2f); journald %.1f ms/s", $6, $7, $5
			printf "\n" }'
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

echo "== journal against file capture: $RATE lines/s for $SECONDS_ s, $ROUNDS rounds, agent on CPU 0, writer on CPU 1"
: >"$work/rounds"
# what the agent costs with nothing written: in both figures below alike
i0=$(cpu_ns "$agent"); sleep "$SECONDS_"; i1=$(cpu_ns "$agent")
IDLE_MS=$(awk -v a=$((i1 - i0)) -v s="$SECONDS_" 'BEGIN { printf "%.2f", a / 1e6 / s }')
for _ in $(seq "$ROUNDS"); do
	measure journal
	measure file
done
summary journal 3 "journal  agent ms per MB of log text"
summary file 3 "file     agent ms per MB of log text"
summary journal 6 "journal  floor ms per MB (libsystemd reading every field, no scan)"
summary journal 7 "journal  floor ms per MB (sd_journal_next alone)"
# within a round the agent and the floor see the same load: steadier than either
summary journal 8 "journal  agent / floor, per round"
awk -v j="$(median journal 3)" -v f="$(median file 3)" -v fl="$(median journal 6)" -v i="$IDLE_MS" \
	-v mbs="$(awk '$1 == "journal" && $3 > 0 { print $2 / $3; exit }' "$work/rounds")" 'BEGIN {
	if (f > 0) printf "ratio journal/file per MB: %.2f (the floor alone: %.2f; the agent above the floor: %.2f ms per MB)\n", j / f, fl / f, j - fl
	if (mbs > 0) printf "agent idle, in both figures alike: %.2f ms CPU/s, %.2f ms per MB at this rate\n", i, i / mbs }'
summary journal 2 "journal  agent ms CPU per second"
summary file 2 "file     agent ms CPU per second"
summary journal 4 "journal  agent us per line"
summary journal 5 "journald itself ms CPU per second"
# what journald keeps per entry: the line plus the fields it adds (_PID, _COMM, ...)
jbytes=$(journalctl -D "$work/j/run/log/journal" -o export --no-pager 2>/dev/null | wc -c)
jentries=$(journalctl -D "$work/j/run/log/journal" --no-pager -q 2>/dev/null | wc -l)
JOURNAL_MS=$(median journal 2)
awk -v b="$jbytes" -v n="$jentries" -v ms="$JOURNAL_MS" -v r="$RATE" 'BEGIN { if (n) printf "an entry is %.0f bytes of journal fields (export form): %.2f ms per MB of journal data (median)\n", b / n, ms / r * n / (b / 1048576) }'
kill -TERM "$agent"
while kill -0 "$agent" 2>/dev/null; do sleep 0.1; done
echo "(the agent's last health line: $(grep -o '"journal":{[^}]*}' "$work/a.err" | tail -1))"
