#!/usr/bin/env bash
# Runs the whole suite: cmocka unit tests, then the integration scenarios
# against the real kernel (root), the arm64 boot and the Debian package,
# then the collector's unit tests and suites again with PostgreSQL as its
# database.
# Ends with the line CI reads:
#   N passed, N failed
# `--unit` runs the unit tests alone; TEST_WRAPPER runs each through a
# command (qemu-aarch64 for `make test-arm64-unit`).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
WRAPPER=${TEST_WRAPPER:-}
passed=0
failed=0
failures=()

# counts NAME OUTPUT RC PASS_RE FAIL_RE: adds a suite's tallies; a suite that
# printed none (crashed, timed out) counts as one failure
counts() {
	local name=$1 out=$2 rc=$3 p f
	p=$(grep -oE "$4" <<<"$out" | grep -oE '[0-9]+' | tail -1)
	f=$(grep -oE "$5" <<<"$out" | grep -oE '[0-9]+' | tail -1)
	if [ -z "$p" ] && [ -z "$f" ]; then
		failed=$((failed + 1)); failures+=("$name (exit $rc, no summary)")
		return
	fi
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ "${f:-0}" -gt 0 ] || [ "$rc" -ne 0 ]; then
		failures+=("$name")
		[ "${f:-0}" -eq 0 ] && failed=$((failed + 1))
	fi
}

echo "== unit tests"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	out=$(timeout 120 $WRAPPER "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	counts "$(basename "$t")" "$out" "$rc" '\[  PASSED  \] [0-9]+' '\[  FAILED  \] [0-9]+'
done

integration() {
	local s out rc
	echo "== integration tests"
	if [ "$(id -u)" -ne 0 ]; then
		echo "integration tests need root (sudo make test)"
		failed=$((failed + 1)); failures+=("integration (not root)")
		return
	fi
	for s in tests/integration/*.sh tests/arm64/*.sh tests/package/*.sh; do
		[ -e "$s" ] || continue
		case "$(basename "$s")" in lib*.sh) continue ;; esac
		echo "-- $s"
		out=$(timeout 900 bash "$s" 2>&1)
		rc=$?
		printf '%s\n' "$out"
		counts "$s" "$out" "$rc" '^[0-9]+ passed' ', [0-9]+ failed$'
	done
}
# The collector's unit tests that open a store, and its suites, a second
# time on PostgreSQL (storage.driver: postgres): one server for them all.
# The unit tests empty its default database before each case
# (tests/unit/collector_fixtures.h's fx_store_opts); each suite's state
# directory is a database of its own (tests/helpers/pg_collector.sh).
PG_UNIT_TESTS="test_collector_store test_collector_outbox test_collector_dispatch test_collector_server test_ui"
PG_SUITES="collector collector_ops alerts alerts_e2e alerts_resend auth delivery journal monitoring mtls restart scrub slowclients ui"
postgres_suites() {
	local dir port dsn s out rc
	echo "== the collector's suites on PostgreSQL"
	. tests/integration/lib_postgres.sh
	dir=$(mktemp -d /tmp/lwpg.XXXXXX)
	port=$(pg_free_port)
	if ! dsn=$(pg_start "$dir" "$port"); then
		failed=$((failed + 1)); failures+=("PostgreSQL for the collector's suites (did not start)")
		rm -rf "$dir"
		return
	fi
	for t in $PG_UNIT_TESTS; do
		echo "-- $BUILD/tests/$t on PostgreSQL"
		out=$(LW_STORAGE=postgres LW_PG_DSN="$dsn" timeout 300 "$BUILD/tests/$t" 2>&1)
		rc=$?
		printf '%s\n' "$out"
		counts "$t (postgres)" "$out" "$rc" '\[  PASSED  \] [0-9]+' '\[  FAILED  \] [0-9]+'
	done
	for s in $PG_SUITES; do
		echo "-- tests/integration/$s.sh on PostgreSQL"
		out=$(LW_STORAGE=postgres LW_PG_DSN="$dsn" timeout 900 bash "tests/integration/$s.sh" 2>&1)
		rc=$?
		printf '%s\n' "$out"
		counts "$s.sh (postgres)" "$out" "$rc" '^[0-9]+ passed' ', [0-9]+ failed$'
	done
	pg_stop "$dir" immediate
	rm -rf "$dir"
}
if [ "${1:-}" != --unit ]; then
	integration
	[ "$(id -u)" -eq 0 ] && postgres_suites
fi

if [ ${#failures[@]} -gt 0 ]; then
	echo "failing suites:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
