#!/usr/bin/env bash
# Where an unwatched write's program time goes: bpf/write.bpf.c built to
# stop after each step of its unwatched path (LW_BENCH_STOP, see the file),
# whole, and as older commits had it (BENCH_REFS, commits or tags), each
# loaded alone by bench/wpload with an empty program as the floor, timed by
# bpf_stats over the same writer in interleaved rounds. Prints median
# [interquartile range] (extremes) of ns per run. Prints figures; never
# fails on speed. Needs root; run it under the shared lock as the others.
#
# Then the same for a watched .log file, where the bytes are copied: no
# program, an empty one, the program stopped after each step of the
# capture (5-8), and whole; with the writer's ns per write beside the run
# time, as a wake-up of the reader costs the writer outside the program.
#   BENCH_ROUNDS (default 9), BENCH_WRITES (default 100000), BENCH_REFS;
#   BENCH_STEPS=0 times only the empty program, the whole one and the refs,
#   BENCH_WATCHED=0 skips the watched table: more rounds of a before and
#   after in the same time
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ROUNDS=${BENCH_ROUNDS:-9}
N=${BENCH_WRITES:-100000}
REFS=${BENCH_REFS:-}
STEPS=${BENCH_STEPS:-1}
WATCHED=${BENCH_WATCHED:-1}
WRITER=$BUILD/bench/writepath
LOAD=$BUILD/bench/wpload
CLANG=${CLANG:-clang}
ARCH=${ARCH:-x86}
BPF_CFLAGS=(-g -O2 -target bpf -D__TARGET_ARCH_$ARCH -Wno-missing-field-initializers)

work=$(mktemp -d /tmp/lwsteps.XXXXXX)
lp=
cleanup() {
	[ -n "$lp" ] && kill "$lp" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled=0 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# label=object:program, in the order printed
variants=("empty=$BUILD/bench/empty.bpf.o:bench_write")
steps=("args: before the descriptor walk" "task->files->fdt, bounds" "the file pointer"
	"the inode's mode" "the cache tag (inode number, generation, epoch)")
for n in 0 1 2 3 4; do
	[ "$STEPS" = 0 ] && break
	"$CLANG" "${BPF_CFLAGS[@]}" -DLW_BENCH_STOP=$n -Ivmlinux/$ARCH -Iinclude -Ibpf \
		-c bpf/write.bpf.c -o "$work/stop$n.o"
	variants+=("stop$n=$work/stop$n.o:lw_write")
done
"$CLANG" "${BPF_CFLAGS[@]}" -Ivmlinux/$ARCH -Iinclude -Ibpf -c bpf/write.bpf.c -o "$work/whole.o"
variants+=("whole=$work/whole.o:lw_write")
for ref in $REFS; do
	mkdir -p "$work/$ref"
	git archive "$ref" bpf include vmlinux | tar -x -C "$work/$ref"
	(cd "$work/$ref" && "$CLANG" "${BPF_CFLAGS[@]}" -Ivmlinux/$ARCH -Iinclude -Ibpf \
		-c bpf/write.bpf.c -o write.bpf.o)
	variants+=("$ref=$work/$ref/write.bpf.o:lw_write")
done

prog_stats() {
	bpftool -j prog show name "$1" 2>/dev/null | python3 -c '
import json, sys
p = json.load(sys.stdin)
p = p[0] if isinstance(p, list) else p
print(p.get("run_cnt", 0), p.get("run_time_ns", 0))'
}

cpus=$(nproc)
wcpu=$((cpus - 1))
declare -A run wall

# One variant, once: loaded alone, the file judged by a first write, then
# the program's run time per write over N writes (bpf_stats), and, for a
# watched file, the writer's ns per write over N more with the stats off.
# $1 label, $2 object ("-" for no program at all), $3 program, $4 mode
# (unwatched or watched), $5 the file written.
measure() {
	local label=$1 obj=$2 prog=$3 mode=$4 file=$5 c0 t0 c1 t1
	if [ "$obj" != - ]; then
		taskset -c 0 "$LOAD" "$obj" "$prog" ${mode/unwatched/} >"$work/out" 2>"$work/err" &
		lp=$!
		for _ in $(seq 100); do grep -q attached "$work/out" && break; sleep 0.05; done
	fi
	# the agent's part: the file is judged once, then only the fast path runs
	taskset -c "$wcpu" "$WRITER" "$file" 2000 >/dev/null
	sleep 0.2
	if [ "$obj" != - ]; then
		sysctl -qw kernel.bpf_stats_enabled=1
		read -r c0 t0 < <(prog_stats "$prog")
		taskset -c "$wcpu" "$WRITER" "$file" "$N" >/dev/null
		read -r c1 t1 < <(prog_stats "$prog")
		sysctl -qw kernel.bpf_stats_enabled=0
		run[$mode.$label]+=" $(awk -v t=$((t1 - t0)) -v c=$((c1 - c0)) 'BEGIN { printf "%.1f", (c > 0 ? t / c : 0) }')"
	fi
	if [ "$mode" = watched ]; then
		wall[$label]+=" $(taskset -c "$wcpu" "$WRITER" "$file" "$N")"
	fi
	if [ -n "$lp" ]; then
		kill -TERM "$lp"
		wait "$lp" || true
		lp=
	fi
}

# $1 mode, $2 file, then the variants as label=object:program
rounds() {
	local mode=$1 file=$2 r i n spec label rest
	shift 2
	local -a vs=("$@")
	n=${#vs[@]}
	for ((r = 0; r < ROUNDS; r++)); do
		# rotate the order, so that no variant always follows another
		for ((i = 0; i < n; i++)); do
			spec=${vs[(i + r) % n]}
			label=${spec%%=*} rest=${spec#*=}
			measure "$label" "${rest%:*}" "${rest##*:}" "$mode" "$file"
		done
	done
}

# The watched path: the same writer on a file the loader answers WATCHED.
wsteps=("the verdict: watched, and the file's device" "the event's header: offset, task, comm, cgroup"
	"the tail call and the copy into the per-CPU chunk" "the chunk into the ring buffer, never waking the reader")
watched_variants=("none=-:-" "empty=$BUILD/bench/empty.bpf.o:bench_write")
for n in 5 6 7 8; do
	[ "$STEPS" = 0 ] && break
	"$CLANG" "${BPF_CFLAGS[@]}" -DLW_BENCH_STOP=$n -Ivmlinux/$ARCH -Iinclude -Ibpf \
		-c bpf/write.bpf.c -o "$work/stop$n.o"
	watched_variants+=("stop$n=$work/stop$n.o:lw_write")
done
watched_variants+=("whole=$work/whole.o:lw_write")
for ref in $REFS; do
	watched_variants+=("$ref=$work/$ref/write.bpf.o:lw_write")
done

rounds unwatched "$work/data.bin" "${variants[@]}"
[ "$WATCHED" = 0 ] || rounds watched "$work/app.log" "${watched_variants[@]}"

spread() {
	echo "$1" | tr ' ' '\n' | grep . | sort -g | awk '
		{ v[NR] = $1 }
		END {
			printf "%7.1f [%.1f-%.1f] (%.1f-%.1f)", v[int((NR + 1) / 2)],
				v[int((NR + 3) / 4)], v[int((3 * NR + 3) / 4)], v[1], v[NR]
		}'
}
echo "== unwatched write(2): program run time (bpf_stats) per step, ns, median [IQR] (extremes) of $ROUNDS rounds of $N"
for spec in "${variants[@]}"; do
	label=${spec%%=*}
	case $label in
	empty) what="an empty program on the same tracepoint" ;;
	stop[0-9]) what="up to ${steps[${label#stop}]}" ;;
	whole) what="lw_write as the agent loads it: the verdict cache too" ;;
	*) what="lw_write at $label" ;;
	esac
	printf '%-8s %-48s %s\n' "$label" "$(spread "${run[unwatched.$label]}")" "$what"
done
# Paired by round, as the host drifts between rounds more than the refs differ.
# stop2 is the least a program that finds the written file must do: the
# floor of any verdict cache, to set against a target such as 1.35x the
# empty program.
ratio() {
	python3 - "$@" <<'PY'
import statistics, sys
label, num, den = sys.argv[1], [float(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()]
r = sorted(a / b for a, b in zip(num, den) if b > 0)
if r:
    print(f"{label}, per round: median {statistics.median(r):.3f} [{r[len(r) // 4]:.3f}-{r[(3 * len(r)) // 4]:.3f}],"
          f" below 1 in {sum(1 for x in r if x < 1)} of {len(r)}")
PY
}
if [ "$STEPS" != 0 ]; then
	ratio "stop2 (descriptor to file pointer, nothing else) / empty" "${run[unwatched.stop2]}" "${run[unwatched.empty]}"
	ratio "whole / empty" "${run[unwatched.whole]}" "${run[unwatched.empty]}"
fi
for ref in $REFS; do
	ratio "whole / $ref" "${run[unwatched.whole]}" "${run[unwatched.$ref]}"
done
[ "$WATCHED" = 0 ] && exit 0
echo
echo "== watched write(2) of a 128-byte line: program run time (bpf_stats) and the writer's ns per write, median [IQR] (extremes) of $ROUNDS rounds of $N"
printf '%-8s %-40s %-40s %s\n' "" "run time, ns" "write(2), ns" ""
for spec in "${watched_variants[@]}"; do
	label=${spec%%=*}
	case $label in
	none) what="no program" ;;
	empty) what="an empty program on the same tracepoint" ;;
	stop[5-8]) what="up to ${wsteps[${label#stop} - 5]}" ;;
	whole) what="lw_write as the agent loads it: wake-ups too" ;;
	*) what="lw_write at $label" ;;
	esac
	rt=-
	[ "$label" = none ] || rt=$(spread "${run[watched.$label]}")
	printf '%-8s %-40s %-40s %s\n' "$label" "$rt" "$(spread "${wall[$label]}")" "$what"
done
