#!/usr/bin/env bash
# A short libFuzzer run of each harness (make fuzz): batch decoding in the
# collector and spool recovery in the agent. FUZZ_TIME seconds each.
. "$(dirname "$0")/lib.sh"

FUZZ_TIME=${FUZZ_TIME:-30}
if ! make -C "$LW_ROOT" --no-print-directory BUILD="$BUILD" fuzz >"$WORK/build.log" 2>&1; then
	fail "fuzzers build" "$(tail -3 "$WORK/build.log")"
	exit 1
fi
for f in batch spool; do
	mkdir -p "$WORK/corpus-$f"
	if "$BUILD/fuzz/fuzz_$f" -max_total_time="$FUZZ_TIME" -print_final_stats=1 \
		"$WORK/corpus-$f" "$LW_ROOT/tests/fuzz/corpus/$f" >"$WORK/$f.log" 2>&1; then
		pass "fuzz_$f: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$WORK/$f.log" | grep -o '[0-9]*$') runs in ${FUZZ_TIME}s, no crash"
	else
		fail "fuzz_$f" "$(grep -m3 -E 'ERROR|invariant|SUMMARY' "$WORK/$f.log")"
	fi
done
