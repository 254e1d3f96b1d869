#!/usr/bin/env bash
# Write-path cost: ns per write(2) of a 128-byte log line to (a) an
# unwatched file and (b) a watched .log file, with no agent, with empty
# programs on the same tracepoints, and with the leakwatch agent. Also the
# agent's CPU (user + sys) per MB of watched log data it scanned, and, from
# the kernel's BPF statistics, the run time of the programs themselves.
#
# These machines are noisy, so: the writer is pinned to one CPU and the
# programs' loaders to another; every round measures all three set-ups, in
# an order that rotates from round to round; ratios are taken within a
# round (its figures are seconds apart); and every figure is printed as the
# median with its spread (interquartile range and extremes). The BPF
# statistics are on only for a separate writer run per round, as timing
# each program run costs the wall-clock figures something too, and they
# count the difference over that run alone, not the agent's start-up.
# Prints figures; never fails on speed. Needs root.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ROUNDS=${BENCH_ROUNDS:-15}
N=${BENCH_WRITES:-200000}          # writes per wall-clock figure
SN=${BENCH_STATS_WRITES:-100000}   # writes per bpf_stats figure
MAX_DRIFT=${BENCH_MAX_DRIFT:-1.05} # see the rounds' loop
WRITER=$BUILD/bench/writepath
EMPTY=$BUILD/bench/empty_loader
AGENT=$BUILD/leakwatch

work=$(mktemp -d /tmp/lwbench.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	sysctl -qw kernel.bpf_stats_enabled=0 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
printf 'state_dir: %s/state\nagent:\n  health_interval: 1h\n' "$work" >"$work/agent.yaml"

# The writer alone on the last CPU, the programs' loaders on the first.
cpus=$(nproc)
wcpu=$((cpus - 1))
lcpu=0
write() { taskset -c "$wcpu" "$WRITER" "$1" "${2:-$N}"; }
unwatched=$work/data.bin
watched=$work/app.log

start_bg() { taskset -c "$lcpu" "$@" >"$work/bg.out" 2>"$work/bg.err" & pids+=($!); BG=$!; }
stop_bg() { kill -TERM "$1"; wait "$1" 2>/dev/null || true; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

stats=0
sysctl -qw kernel.bpf_stats_enabled=0 2>/dev/null && command -v bpftool >/dev/null && stats=1
# "run_cnt run_time_ns" of the program called $1
prog_stats() {
	bpftool -j prog show name "$1" 2>/dev/null | python3 -c '
import json, sys
p = json.load(sys.stdin)
p = p[0] if isinstance(p, list) else p
print(p.get("run_cnt", 0), p.get("run_time_ns", 0))'
}
# ns per run of program $1 over SN unwatched writes, into results[run_$2]
# (other writers on the host run it too meanwhile: their count goes in extra_$2)
stats_run() {
	local c0 t0 c1 t1
	sysctl -qw kernel.bpf_stats_enabled=1
	read -r c0 t0 < <(prog_stats "$1")
	write "$unwatched" "$SN" >/dev/null
	read -r c1 t1 < <(prog_stats "$1")
	sysctl -qw kernel.bpf_stats_enabled=0
	add "extra_$2" $((c1 - c0 - SN))
	add "run_$2" "$(awk -v t=$((t1 - t0)) -v c=$((c1 - c0)) 'BEGIN { printf "%.1f", (c > 0 ? t / c : 0) }')"
}

declare -A results
add() { results[$1]="${results[$1]:-} $2"; }
last() { echo "${results[$1]##* }"; }

run_none() {
	NONE+=("$(write "$unwatched")")
}
run_empty() {
	start_bg "$EMPTY"
	for _ in $(seq 100); do grep -q attached "$work/bg.out" && break; sleep 0.05; done
	add empty_u "$(write "$unwatched")"
	add empty_w "$(write "$watched")"
	if ((stats)); then stats_run bench_write empty; fi
	stop_bg "$BG"
}
run_agent() {
	local agent t0 t1
	start_bg "$AGENT" run --config "$work/agent.yaml"
	agent=$BG
	for _ in $(seq 100); do grep -q 'start-up inventory' "$work/bg.err" && break; sleep 0.1; done
	# a first write has the agent judge the file, then the figure
	write "$unwatched" 1000 >/dev/null
	sleep 0.3
	add agent_u "$(write "$unwatched")"
	if ((stats)); then stats_run lw_write agent; fi
	t0=$(cpu_ticks "$agent")
	add agent_w "$(write "$watched")"
	sleep 1 # let the agent finish scanning what is queued
	t1=$(cpu_ticks "$agent")
	add cpu_ms_per_mb "$(awk -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v n="$N" \
		'BEGIN { printf "%.2f", t * 1000 / hz / (n * 128 / 1048576) }')"
	stop_bg "$agent"
}

# what earlier benchmarks left dirty would be written back during the rounds
sync
kept=0
for ((r = 0; r < ROUNDS; r++)); do
	# no agent before, between and after the two set-ups, whose order
	# alternates: each set-up's added cost is taken over the mean of the
	# no-agent figures on either side of it
	NONE=()
	add none_w "$(write "$watched")"
	if ((r % 2)); then order=(agent empty); else order=(empty agent); fi
	run_none
	"run_${order[0]}"
	run_none
	"run_${order[1]}"
	run_none
	for v in "${NONE[@]}"; do add none_u "$v"; done
	declare -A base=(
		["${order[0]}"]=$(awk -v a="${NONE[0]}" -v b="${NONE[1]}" 'BEGIN { print (a + b) / 2 }')
		["${order[1]}"]=$(awk -v a="${NONE[1]}" -v b="${NONE[2]}" 'BEGIN { print (a + b) / 2 }')
	)
	# the host changes pace now and then (other guests, other users): a
	# round whose no-agent figures drift apart by more than MAX_DRIFT
	# measured two hosts, and gives no ratio
	drift=$(printf '%s\n' "${NONE[@]}" | sort -g | sed -n '1p;$p' | paste -sd' ' | awk '{ printf "%.3f", $2 / $1 }')
	add drift "$drift"
	if awk -v d="$drift" -v m="$MAX_DRIFT" 'BEGIN { exit !(d <= m) }'; then
		kept=$((kept + 1))
		add added_empty "$(awk -v n="${base[empty]}" -v e="$(last empty_u)" 'BEGIN { printf "%.1f", e - n }')"
		add added_agent "$(awk -v n="${base[agent]}" -v a="$(last agent_u)" 'BEGIN { printf "%.1f", a - n }')"
		add ratio_u "$(awk -v e="$(last added_empty)" -v a="$(last added_agent)" \
			'BEGIN { printf "%.2f", (e > 0 ? a / e : 99) }')"
	fi
	((stats == 0)) || add ratio_run "$(awk -v e="$(last run_empty)" -v a="$(last run_agent)" \
		'BEGIN { printf "%.2f", (e > 0 ? a / e : 0) }')"
	rm -f "$watched" "$unwatched"
done

# median [p25-p75] (min-max) of a figure's rounds
spread() {
	echo "${results[$1]}" | tr ' ' '\n' | grep . | sort -g | awk '
		{ v[NR] = $1 }
		END {
			q1 = v[int((NR + 3) / 4)]; q3 = v[int((3 * NR + 3) / 4)]
			printf "%s [%s-%s] (%s-%s)", v[int((NR + 1) / 2)], q1, q3, v[1], v[NR]
		}'
}
m() { spread "$1" | cut -d' ' -f1; }

echo "== write path: ns per write() of a 128-byte line; $ROUNDS interleaved rounds of $N," \
	"writer on CPU $wcpu, programs' loaders on CPU $lcpu"
echo "   each figure: median [interquartile range] (extremes)"
printf '%-18s %-34s %s\n' "" "unwatched" "watched .log"
printf '%-18s %-34s %s\n' "no agent" "$(spread none_u)" "$(spread none_w)"
printf '%-18s %-34s %s\n' "empty programs" "$(spread empty_u)" "$(spread empty_w)"
printf '%-18s %-34s %s\n' "leakwatch agent" "$(spread agent_u)" "$(spread agent_w)"
echo "no-agent drift within a round (max/min of its 3 figures): $(spread drift);" \
	"$kept of $ROUNDS rounds within $MAX_DRIFT give the ratios below"
if ((kept)); then
	echo "unwatched, added over no agent, per round: empty programs $(spread added_empty) ns," \
		"the agent $(spread added_agent) ns"
	echo "unwatched, the agent's added cost / the empty programs', per round: $(spread ratio_u)x (target <= 1.15x)"
fi
echo "agent CPU (user+sys) per MB of watched log data scanned: $(spread cpu_ms_per_mb) ms/MB"
if ((stats)); then
	echo "program run time per unwatched write (bpf_stats over $SN writes a round, includes its own timing):"
	echo "   empty $(spread run_empty) ns, lw_write $(spread run_agent) ns;" \
		"lw_write / empty per round: $(spread ratio_run)x (target <= 1.35x)"
	echo "   runs by other writers on the host during those $SN: $(spread extra_empty) (empty)," \
		"$(spread extra_agent) (agent)"
fi
