#!/usr/bin/env bash
# Write-path cost: ns per write(2) of a 128-byte log line to (a) an
# unwatched file and (b) a watched .log file, with no agent, with empty
# programs on the same tracepoints, and with the leakwatch agent; rounds are
# interleaved and the median printed, because these machines are noisy.
# Also the agent's CPU (user + sys) per MB of watched log data it scanned,
# and, from the kernel's BPF statistics, the run time of the programs
# themselves. Prints figures; never fails on speed. Needs root.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ROUNDS=${BENCH_ROUNDS:-11}
N=${BENCH_WRITES:-400000}
WRITER=$BUILD/bench/writepath
EMPTY=$BUILD/bench/empty_loader
AGENT=$BUILD/leakwatch

work=$(mktemp -d /tmp/lwbench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
printf 'state_dir: %s/state\nagent:\n  health_interval: 1h\n' "$work" >"$work/agent.yaml"

# The writer on the second CPU, the agent on the first: less interference.
cpus=$(nproc)
wcpu=$((cpus > 1 ? 1 : 0))
write() { taskset -c "$wcpu" "$WRITER" "$1" "$N"; }
unwatched=$work/data.bin
watched=$work/app.log

start_bg() { "$@" >/dev/null 2>"$work/bg.err" & pids+=($!); BG=$!; }
stop_bg() { kill -TERM "$1"; wait "$1" 2>/dev/null || true; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

declare -A results
add() { results[$1]="${results[$1]:-} $2"; }

# what earlier benchmarks left dirty would be written back during the rounds
sync
for ((r = 1; r <= ROUNDS; r++)); do
	add none_u "$(write "$unwatched")"
	add none_w "$(write "$watched")"

	start_bg "$EMPTY"; sleep 0.5
	add empty_u "$(write "$unwatched")"
	add empty_w "$(write "$watched")"
	stop_bg "$BG"

	start_bg taskset -c 0 "$AGENT" run --config "$work/agent.yaml"
	agent=$BG
	for _ in $(seq 50); do grep -q 'start-up inventory' "$work/bg.err" && break; sleep 0.1; done
	add agent_u "$(write "$unwatched")"
	# this round's ratio: its three figures were taken seconds apart
	add ratio_u "$(awk -v n="${results[none_u]##* }" -v e="${results[empty_u]##* }" -v a="${results[agent_u]##* }" \
		'BEGIN { printf "%.2f", ((e - n) > 0 ? (a - n) / (e - n) : 99) }')"
	t0=$(cpu_ticks "$agent")
	add agent_w "$(write "$watched")"
	sleep 1 # let the agent finish scanning what is queued
	t1=$(cpu_ticks "$agent")
	add cpu_ms_per_mb "$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$N" \
		'BEGIN { printf "%.2f", t * 1000 / hz / (n * 128 / 1048576) }')"
	stop_bg "$agent"
	rm -f "$watched" "$unwatched"
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
m() { echo "${results[$1]}" | median; }

echo "== write path: ns per write() of a 128-byte line, median of $ROUNDS interleaved rounds of $N"
printf '%-18s %12s %12s\n' "" "unwatched" "watched .log"
printf '%-18s %12s %12s\n' "no agent" "$(m none_u)" "$(m none_w)"
printf '%-18s %12s %12s\n' "empty programs" "$(m empty_u)" "$(m empty_w)"
printf '%-18s %12s %12s\n' "leakwatch agent" "$(m agent_u)" "$(m agent_w)"
awk -v n="$(m none_u)" -v e="$(m empty_u)" -v a="$(m agent_u)" 'BEGIN {
	printf "unwatched: empty programs add %.1f ns, the agent adds %.1f ns: %.2fx the empty programs (target <= 1.5x)\n",
		e - n, a - n, ((e - n) > 0 ? (a - n) / (e - n) : 0) }'
echo "unwatched, per round: the agent's added cost is $(m ratio_u)x the empty programs' (median;" \
	"rounds ranged $(echo "${results[ratio_u]}" | tr ' ' '\n' | grep . | sort -g | sed -n '1p;$p' | paste -sd- -)x)"
echo "agent CPU (user+sys) per MB of watched log data scanned: $(m cpu_ms_per_mb) ms/MB"

# The programs' own run time, from the kernel's BPF statistics.
if sysctl -qw kernel.bpf_stats_enabled=1 2>/dev/null; then
	prog_ns() { bpftool -j prog show name "$1" 2>/dev/null | python3 -c '
import json, sys
p = json.load(sys.stdin)
p = p[0] if isinstance(p, list) else p
print("%.1f" % (p.get("run_time_ns", 0) / max(1, p.get("run_cnt", 1))))'; }
	start_bg "$EMPTY"; sleep 0.5
	write "$unwatched" >/dev/null
	e=$(prog_ns bench_write)
	stop_bg "$BG"
	start_bg "$AGENT" run --config "$work/agent.yaml"; agent=$BG
	for _ in $(seq 50); do grep -q 'start-up inventory' "$work/bg.err" && break; sleep 0.1; done
	write "$unwatched" >/dev/null
	a=$(prog_ns lw_write)
	stop_bg "$agent"
	sysctl -qw kernel.bpf_stats_enabled=0
	echo "program run time per unwatched write (bpf_stats, includes its own timing): empty $e ns, lw_write $a ns"
fi
