#!/usr/bin/env bash
# The store's unit cases (build/tests/test_collector_store) on PostgreSQL:
# the multi-row insert of a batch's events, repeats within a batch and
# across batches, derived state and queries, on a server of its own.
. "$(dirname "$0")/lib.sh"
. "$LW_ROOT/tests/integration/lib_postgres.sh"

T="$BUILD/tests/test_collector_store"
[ -x "$T" ] || { fail "$T is built (make unit-tests)"; exit 1; }
PGDIR=$(mktemp -d /tmp/lwpg.XXXXXX)
on_exit "rm -rf '$PGDIR'"
DSN=$(pg_start "$PGDIR" "$(free_port)") || { fail "PostgreSQL starts"; exit 1; }
on_exit "pg_stop '$PGDIR' immediate"
pg_ensure_db "$DSN" lw_store_unit || { fail "the test database is created"; exit 1; }

out=$(LW_TEST_PG_DSN="$DSN dbname=lw_store_unit" timeout 300 "$T" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/  /'
expect "the store's cases pass on PostgreSQL" 0 "$rc"
n=$(grep -oE '\[  PASSED  \] [0-9]+' <<<"$out" | grep -oE '[0-9]+$')
[ "${n:-0}" -ge 10 ] && pass "  $n of them ran there" || fail "  the cases ran there" "${n:-none} passed"
