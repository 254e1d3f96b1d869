#!/usr/bin/env bash
# leakwatch-collector on PostgreSQL, standing in for the binary when a
# collector suite runs on it (LW_STORAGE=postgres, tests/run.sh). Each
# folder where the suite's SQLite file would be gets a database of its own,
# so that suites stay apart as their state directories do: `serve` and the
# offline commands get their configuration with `storage` pointed at it,
# and `--db FILE` becomes that configuration.
#   pg_collector.sh --refresh PID   writes the copy that collector PID reads
#                                   again from its original, before a SIGHUP
set -u
. "$(dirname "$0")/../integration/lib_postgres.sh"
real=${LW_REAL_COLLECTOR:?}
dsn=${LW_PG_DSN:?}

# copy ORIGINAL DATABASE: the configuration with storage pointed at it
copy() {
	echo "# a copy of $1 on PostgreSQL"
	echo "# database: $2"
	awk -v d="$dsn dbname=$2" '
		/^storage:/ { print; print "  driver: postgres"; print "  dsn: \"" d "\""; inside = 1; seen = 1; next }
		/^[^ #]/ { inside = 0 }
		inside && /^  (path|driver|dsn|dsn_file):/ { next }
		{ print }
		END { if (!seen) { print "storage:"; print "  driver: postgres"; print "  dsn: \"" d "\"" } }' "$1"
}

if [ "${1:-}" = --refresh ]; then
	out=$(tr '\0' '\n' <"/proc/$2/cmdline" | sed -n '/^--config$/{n;p}' | tail -1)
	orig=$(sed -n '1s/^# a copy of \(.*\) on PostgreSQL$/\1/p' "$out")
	name=$(sed -n '2s/^# database: //p' "$out")
	[ -n "$orig" ] || exit 0 # started without a configuration of its own
	copy "$orig" "$name" >"$out.new" && mv "$out.new" "$out"
	exit
fi
args=() config= db=
while [ $# -gt 0 ]; do
	case "$1" in
	--config) config=$2; shift 2 ;;
	--config=*) config=${1#--config=}; shift ;;
	--db) db=$2; shift 2 ;;
	--db=*) db=${1#--db=}; shift ;;
	*) args+=("$1"); shift ;;
	esac
done
# a configuration that cannot be read: the collector says so itself
[ -z "$config" ] || [ -r "$config" ] || exec "$real" "${args[@]}" --config "$config"
case "${args[0]:-}" in
serve | query | events | ack) ;;
*) exec "$real" "${args[@]}" ${config:+--config "$config"} ${db:+--db "$db"} ;;
esac

# where SQLite's file would be: --db, storage.path, or state_dir's collector.db
if [ -n "$db" ]; then
	file=$db
else
	file=$(sed -n 's/^  path: *//p' "${config:-/dev/null}" 2>/dev/null | head -1)
	state=$(sed -n 's/^state_dir: *//p' "${config:-/dev/null}" 2>/dev/null | head -1)
	[ -n "$file" ] || file=${state:-/var/lib/leakwatch-collector}/collector.db
fi
name=$(pg_db_for "$file")
pg_ensure_db "$dsn" "$name" || { echo "leakwatch-collector: error: cannot create database $name" >&2; exit 2; }

out=$(mktemp /tmp/lwpgconf.XXXXXX.yaml)
trap 'rm -f "$out"' EXIT
if [ -n "$config" ]; then
	copy "$config" "$name" >"$out"
else
	printf 'storage:\n  driver: postgres\n  dsn: "%s dbname=%s"\n' "$dsn" "$name" >"$out"
fi
# serve runs until signalled: exec, so that the suite's kill reaches it (the
# temporary file is small and /tmp is cleaned with the suite's run)
trap - EXIT
exec "$real" "${args[@]}" --config "$out"
