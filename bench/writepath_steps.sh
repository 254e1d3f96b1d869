#!/usr/bin/env bash
# Where an unwatched write's program time goes: bpf/write.bpf.c built to
# stop after each step of its unwatched path (LW_BENCH_STOP, see the file),
# whole, and as older commits had it (BENCH_REFS, commits or tags), each
# loaded alone by bench/wpload with an empty program as the floor, timed by
# bpf_stats over the same writer in interleaved rounds. Prints median
# [interquartile range] (extremes) of ns per run. Prints figures; never
# fails on speed. Needs root; run it under the shared lock as the others.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ROUNDS=${BENCH_ROUNDS:-9}
N=${BENCH_WRITES:-100000}
REFS=${BENCH_REFS:-}
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
file=$work/data.bin
declare -A run
for ((r = 0; r < ROUNDS; r++)); do
	# rotate the order, so that no variant always follows another
	n=${#variants[@]}
	for ((i = 0; i < n; i++)); do
		spec=${variants[(i + r) % n]}
		label=${spec%%=*} rest=${spec#*=}
		obj=${rest%:*} prog=${rest##*:}
		taskset -c 0 "$LOAD" "$obj" "$prog" >"$work/out" 2>"$work/err" &
		lp=$!
		for _ in $(seq 100); do grep -q attached "$work/out" && break; sleep 0.05; done
		# the agent's part: the file is judged once, then only the fast path runs
		taskset -c "$wcpu" "$WRITER" "$file" 2000 >/dev/null
		sleep 0.2
		sysctl -qw kernel.bpf_stats_enabled=1
		read -r c0 t0 < <(prog_stats "$prog")
		taskset -c "$wcpu" "$WRITER" "$file" "$N" >/dev/null
		read -r c1 t1 < <(prog_stats "$prog")
		sysctl -qw kernel.bpf_stats_enabled=0
		kill -TERM "$lp"
		wait "$lp" || true
		lp=
		run[$label]+=" $(awk -v t=$((t1 - t0)) -v c=$((c1 - c0)) 'BEGIN { printf "%.1f", (c > 0 ? t / c : 0) }')"
	done
done

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
	printf '%-8s %-48s %s\n' "$label" "$(spread "${run[$label]}")" "$what"
done
