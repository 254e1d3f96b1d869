#!/usr/bin/env bash
# `leakwatch scan` start-up on an empty file: compiling every rule, against
# reading the compiled database back from the cache (agent/detect/hscache.h),
# in the same run. Prints figures; never fails on speed.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
LW=$BUILD/leakwatch
[ -x "$LW" ] || make --no-print-directory "$LW"
work=$(mktemp -d /tmp/lwstartup.XXXXXX)
trap 'rm -rf "$work"' EXIT
: >"$work/empty.log"
head -c 32 /dev/urandom >"$work/key"
chmod 600 "$work/key"
scan=("$LW" scan --key "$work/key" --quiet "$work/empty.log")
LEAKWATCH_CACHE_DIR="$work/cache" "${scan[@]}" # fills the cache

echo "== leakwatch scan start-up, empty file"
if command -v hyperfine >/dev/null; then
	hyperfine -N --warmup 3 --runs 30 --style basic \
		--command-name "compiled each run" "env LEAKWATCH_CACHE_DIR= ${scan[*]}" \
		--command-name "from the cache" "env LEAKWATCH_CACHE_DIR=$work/cache ${scan[*]}"
else
	for mode in "" "$work/cache"; do
		t0=$(date +%s%N)
		for _ in $(seq 20); do LEAKWATCH_CACHE_DIR=$mode "${scan[@]}"; done
		t1=$(date +%s%N)
		echo "${mode:+from the cache}${mode:-compiled each run}: $(((t1 - t0) / 20000000)) ms"
	done
fi
