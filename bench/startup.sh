#!/usr/bin/env bash
# `leakwatch scan` start-up on an empty file, in one run: the rules compiled
# each time (the baseline), a first start as it was before the database was
# built in (compiled, then kept in a new cache), a start from a warm cache,
# and starts with the database built into the binary (agent/detect/hsdb.h):
# with no cache at all, and as a first start with an empty cache folder;
# then a scan of a one-line file with one finding, which adds the first
# fingerprint (and whatever it loads) to a start.
# LEAKWATCH_BUILTIN_DB=off passes over the built-in database. Prints
# figures; never fails on speed.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
LW=$BUILD/leakwatch
[ -x "$LW" ] || make --no-print-directory "$LW"
work=$(mktemp -d /tmp/lwstartup.XXXXXX)
trap 'rm -rf "$work"' EXIT
: >"$work/empty.log"
# a database URI with a password: one finding (the same each run, so that
# no random password happens to hold a word that marks a stand-in)
printf 'conn=postgres://app:%s@db.internal:5432/app\n' 'h7Rq2Vx9Lm4Kt8Wz3Nb6' >"$work/one.log"
head -c 32 /dev/urandom >"$work/key"
chmod 600 "$work/key"
scan=("$LW" scan --key "$work/key" --quiet "$work/empty.log")
LEAKWATCH_BUILTIN_DB=off LEAKWATCH_CACHE_DIR="$work/cache" "${scan[@]}" # fills the cache

# A start that used the built-in database left the cache alone.
LEAKWATCH_CACHE_DIR="$work/probe" "${scan[@]}"
if [ -e "$work/probe" ]; then
	echo "note: this build has no built-in database (a cross build?): its starts compile"
fi

names=("compiled each run" "first start, before: compiled and cached" "from the cache"
	"built in, no cache" "first start, now: built in" "built in, one finding")
cmds=("env LEAKWATCH_BUILTIN_DB=off LEAKWATCH_CACHE_DIR= ${scan[*]}"
	"env LEAKWATCH_BUILTIN_DB=off LEAKWATCH_CACHE_DIR=$work/first ${scan[*]}"
	"env LEAKWATCH_BUILTIN_DB=off LEAKWATCH_CACHE_DIR=$work/cache ${scan[*]}"
	"env LEAKWATCH_CACHE_DIR= ${scan[*]}"
	"env LEAKWATCH_CACHE_DIR=$work/first ${scan[*]}"
	"env LEAKWATCH_CACHE_DIR= ${scan[*]/%empty.log/one.log}")
# each run of the first-start commands finds the cache folder gone
prepares=(true "rm -rf $work/first" true true "rm -rf $work/first" true)
# and the exit code each should end with: 1 where there is a finding
exits=(0 0 0 0 0 1)

# the finding's scan exits 1, which hyperfine is told to accept (-i): each
# command is checked for its own exit code once here instead
for i in "${!cmds[@]}"; do
	${prepares[$i]}
	rc=0
	${cmds[$i]} >/dev/null || rc=$?
	[ "$rc" = "${exits[$i]}" ] || { echo "bench/startup.sh: '${names[$i]}' exited $rc, not ${exits[$i]}" >&2; exit 1; }
done

echo "== leakwatch scan start-up, empty file (and one with one finding)"
if command -v hyperfine >/dev/null; then
	args=()
	for i in "${!cmds[@]}"; do
		args+=(--prepare "${prepares[$i]}" --command-name "${names[$i]}" "${cmds[$i]}")
	done
	hyperfine -N -i --warmup 3 --runs 30 --style basic "${args[@]}"
else
	for i in "${!cmds[@]}"; do
		t0=$(date +%s%N)
		for _ in $(seq 20); do ${prepares[$i]}; ${cmds[$i]} || true; done
		t1=$(date +%s%N)
		echo "${names[$i]}: $(((t1 - t0) / 20000000)) ms"
	done
fi
