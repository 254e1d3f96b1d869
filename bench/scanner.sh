#!/usr/bin/env bash
# Scanner throughput on one core: leakwatch (one vectorscan database, every
# rule, fed in 4 KiB chunks as the agent feeds it) against ripgrep running
# the same rules' regexes over the same file (-j1). Prints figures; never
# fails on speed. Input: the dev corpus repeated to BENCH_MB (default 200).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
CORPUS=${LW_CORPUS:-../shared/corpus/dev}/corpus.log
MB=${BENCH_MB:-200}
BENCH=$BUILD/bench/scanner_bench

[ -f "$CORPUS" ] || { echo "bench/scanner.sh: no corpus at $CORPUS (set LW_CORPUS)" >&2; exit 2; }
[ -x "$BENCH" ] || make --no-print-directory "$BENCH"
work=$(mktemp -d /tmp/lwbench.XXXXXX)
trap 'rm -rf "$work"' EXIT

input=$work/input.log
while [ "$(stat -c %s "$input" 2>/dev/null || echo 0)" -lt $((MB << 20)) ]; do
	cat "$CORPUS" >>"$input"
done
bytes=$(stat -c %s "$input")
cat "$input" >/dev/null # page cache, for both tools

gbps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.2f", b / ns }'; }
echo "== scanner: $((bytes >> 20)) MiB of log text, single thread"
"$BENCH" "$input" 0

# `leakwatch scan` end to end on the same file (start-up from a warm rules
# cache), and over many files with one job and with one per CPU
LW=$BUILD/leakwatch
if [ -x "$LW" ]; then
	head -c 32 /dev/urandom >"$work/key"
	scan() { LEAKWATCH_CACHE_DIR="$work/cache" "$LW" scan --key "$work/key" --format json --quiet "$@" >/dev/null || true; }
	scan "$input" -j 1 # warms the cache
	t0=$(date +%s%N); scan "$input" -j 1; t1=$(date +%s%N)
	echo "leakwatch scan --format json, the same file, end to end: $(gbps "$bytes" $((t1 - t0))) GB/s"
	# ordinary log lines with nothing to find: what a retro-scan of a fleet's logs mostly reads
	python3 -c 'import sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2]) // 70):
        f.write("2026-11-29T10:00:00Z INFO GET /api/v1/items/%08d 200 12ms user=alice\n" % i)' \
		"$work/plain.log" "$bytes"
	plain=$(stat -c %s "$work/plain.log")
	t0=$(date +%s%N); scan "$work/plain.log" -j 1; t1=$(date +%s%N)
	echo "leakwatch scan --format json, $((plain >> 20)) MiB of plain log lines (nothing to find), end to end: $(gbps "$plain" $((t1 - t0))) GB/s"
	rm -f "$work/plain.log"
	mkdir -p "$work/files"
	cpus=$(nproc) one=() all=() ratios=() apart=() ceilings=()
	for i in $(seq 16); do
		head -c $((bytes / 16)) "$input" >"$work/files/f$i.log"
		# the same files dealt out to one directory per CPU, for the ceiling below
		mkdir -p "$work/part$((i % cpus))"
		ln "$work/files/f$i.log" "$work/part$((i % cpus))/f$i.log"
	done
	# rounds of one job and of one per CPU in turn; medians, and each
	# round's ratio, since one pair of runs on a shared host decides nothing.
	# The ceiling: one single-job scan per CPU at once, each over its share
	# of the files; what the host gives independent processes, start-up and
	# all, which no thread pool can beat.
	for _ in $(seq "${BENCH_JOBS_ROUNDS:-5}"); do
		t0=$(date +%s%N); scan "$work/files" -j 1; t1=$(date +%s%N)
		t2=$(date +%s%N); scan "$work/files" -j "$cpus"; t3=$(date +%s%N)
		t4=$(date +%s%N)
		for ((c = 0; c < cpus; c++)); do scan "$work/part$c" -j 1 & done
		wait
		t5=$(date +%s%N)
		one+=($((t1 - t0))) all+=($((t3 - t2))) apart+=($((t5 - t4)))
		ratios+=("$(awk -v a=$((t1 - t0)) -v b=$((t3 - t2)) 'BEGIN { printf "%.2f", a / b }')")
		ceilings+=("$(awk -v a=$((t1 - t0)) -v b=$((t5 - t4)) 'BEGIN { printf "%.2f", a / b }')")
	done
	median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
	echo "leakwatch scan over 16 files, median of ${#one[@]} rounds: --jobs 1 $(gbps "$bytes" "$(median "${one[@]}")") GB/s," \
		"--jobs $cpus $(gbps "$bytes" "$(median "${all[@]}")") GB/s ($(median "${ratios[@]}")x; rounds ${ratios[*]})"
	echo "  the host's ceiling: $cpus single-job scans at once, one per CPU over its share: $(gbps "$bytes" "$(median "${apart[@]}")") GB/s" \
		"($(median "${ceilings[@]}")x; rounds ${ceilings[*]})"

	# rotated logs as logrotate leaves them: 48 MiB of the same text in each
	# format, end to end in MB/s of log text. gzip twice: one member (read
	# whole, libdeflate) and the same text as two members (streamed, zlib)
	head -c $((48 << 20)) "$input" >"$work/rot.log"
	rot=$(stat -c %s "$work/rot.log")
	mbps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.0f", b / ns * 1000 }'; }
	gzip -c "$work/rot.log" >"$work/rot.log.gz"
	half=$((rot / 2))
	{ head -c "$half" "$work/rot.log" | gzip -c; tail -c +$((half + 1)) "$work/rot.log" | gzip -c; } >"$work/rot2.log.gz"
	zstd -q -c "$work/rot.log" >"$work/rot.log.zst"
	xz -T0 -c "$work/rot.log" >"$work/rot.log.xz"
	bzip2 -c "$work/rot.log" >"$work/rot.log.bz2"
	# the median of 3 runs, in ns
	median3() {
		local t=() t0 t1
		for _ in 1 2 3; do
			t0=$(date +%s%N); scan "$1" -j 1; t1=$(date +%s%N)
			t+=($((t1 - t0)))
		done
		printf '%s\n' "${t[@]}" | sort -n | sed -n 2p
	}
	line="leakwatch scan of $((rot >> 20)) MiB of log text, MB/s (median of 3): plain $(mbps "$rot" "$(median3 "$work/rot.log")")"
	for f in rot.log.gz rot2.log.gz rot.log.zst rot.log.xz rot.log.bz2; do
		case $f in rot.log.gz) name="gzip (whole)" ;; rot2.log.gz) name="gzip (2 members, streamed)" ;;
			*) name=${f##*.} ;; esac
		line="$line, $name $(mbps "$rot" "$(median3 "$work/$f")")"
	done
	echo "$line"
	rm -f "$work"/rot*
fi

if ! command -v rg >/dev/null; then
	echo "ripgrep: not installed (deploy/setup.sh installs it)"
	exit 0
fi
# ripgrep reads line by line and refuses a newline in a pattern: a class's
# \n says nothing within a line, and the multi-line patterns (a Kubernetes
# Secret's data: block) are left out, and counted
"$BENCH" --regexes | sed 's/\\r\\n/\\r/g' >"$work/all.txt"
grep -v '\\n' "$work/all.txt" >"$work/regexes.txt" || true
multiline=$(($(wc -l <"$work/all.txt") - $(wc -l <"$work/regexes.txt")))
rg_run() {
	local t0 t1 n
	t0=$(date +%s%N)
	n=$(rg -j1 --no-config --no-filename -c --regex-size-limit 1G --dfa-size-limit 1G "$@" "$input" || true)
	t1=$(date +%s%N)
	echo "$((t1 - t0)) ${n:-0}"
}
read -r ns lines < <(rg_run -f "$work/regexes.txt")
echo "ripgrep -j1, the same $(wc -l <"$work/regexes.txt") regexes ($multiline multi-line ones left out): $(gbps "$bytes" "$ns") GB/s ($(awk -v ns="$ns" 'BEGIN { printf "%.3f", ns / 1e9 }') s wall, $lines matching lines)"
read -r ns lines < <(rg_run -F -e AKIA)
echo "ripgrep -j1, one literal (AKIA), for scale: $(gbps "$bytes" "$ns") GB/s"
