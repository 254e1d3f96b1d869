#!/usr/bin/env bash
# Collector ingest rate: a fresh collector on a random loopback port, batches
# of 500 realistic listener and leak events (70/30), every id distinct, all
# encoded and gzip'd before the clock starts, POSTed over keep-alive
# connections. Prints events/s and batches/s per setting. Figures only.
# Then the same on PostgreSQL (a server of its own, fsync on): one collector,
# and two collectors on one database, each with its own client.
#   BENCH_BATCHES (default 400), BENCH_EVENTS (default 500); BENCH_PG=0 or
#   BENCH_SQLITE=0 skips one database
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
BATCHES=${BENCH_BATCHES:-400}
EVENTS=${BENCH_EVENTS:-500}
COLLECTOR=$BUILD/leakwatch-collector
CLIENT=$BUILD/bench/collector_client

[ -x "$COLLECTOR" ] || make --no-print-directory "$COLLECTOR"
[ -x "$CLIENT" ] || make --no-print-directory "$CLIENT"
work=$(mktemp -d /tmp/lwbench.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

# run SYNCHRONOUS CONNECTIONS
run() {
	local sync=$1 conns=$2 addr=
	rm -rf "$work/state"
	mkdir -p "$work/state"
	printf 'state_dir: %s\nserver:\n  listen: 127.0.0.1:0\nstorage:\n  synchronous: %s\n' \
		"$work/state" "$sync" >"$work/c.yaml"
	"$COLLECTOR" serve --config "$work/c.yaml" 2>"$work/err" &
	pid=$!
	for _ in $(seq 100); do
		addr=$(grep -o '"address":"[^"]*' "$work/err" | head -1 | sed 's/.*"address":"//')
		[ -n "$addr" ] && break
		sleep 0.05
	done
	[ -n "$addr" ] || { cat "$work/err" >&2; exit 1; }
	echo "synchronous=$sync, $conns connection(s):"
	"$CLIENT" "http://$addr/v1/events" "$work/state/token" "$BATCHES" "$conns" "$EVENTS" || true
	kill -TERM "$pid"
	wait "$pid" || true
	pid=
	echo "  database: $(du -h "$work/state/collector.db" | cut -f1), $(sqlite3 "$work/state/collector.db" \
		'SELECT count(*) FROM events') events, $(sqlite3 "$work/state/collector.db" \
		'SELECT count(*) FROM listeners') listeners, $(sqlite3 "$work/state/collector.db" \
		'SELECT count(*) FROM leaks') leaks"
}

echo "== collector ingest: $BATCHES batches of $EVENTS events, $(nproc) CPUs"
if [ "${BENCH_SQLITE:-1}" != 0 ]; then
	run full 1
	run full 4
	run normal 1
	run normal 4
fi

[ "${BENCH_PG:-1}" = 0 ] && exit 0
. tests/integration/lib_postgres.sh
pgdir=$(mktemp -d /tmp/lwpg.XXXXXX)
pgport=$(pg_free_port)
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; pg_stop "$pgdir" immediate; rm -rf "$work" "$pgdir"' EXIT
dsn=$(PG_FSYNC=on pg_start "$pgdir" "$pgport") || exit 1

# start_pg NAME DB: a collector on the database; its address in $addr
start_pg() {
	mkdir -p "$work/$1"
	printf 'state_dir: %s\nserver:\n  listen: 127.0.0.1:0\n  token_file: %s/token\nstorage:\n  driver: postgres\n  dsn: "%s dbname=%s"\n' \
		"$work/$1" "$work" "$dsn" "$2" >"$work/$1.yaml"
	"$COLLECTOR" serve --config "$work/$1.yaml" 2>"$work/$1.err" &
	pid="$pid $!"
	addr=
	for _ in $(seq 200); do
		addr=$(grep -o '"address":"[^"]*' "$work/$1.err" | head -1 | sed 's/.*"address":"//')
		[ -n "$addr" ] && return 0
		sleep 0.05
	done
	cat "$work/$1.err" >&2
	exit 1
}
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/token"
chmod 600 "$work/token"
for conns in 1 4; do
	pg_ensure_db "$dsn" "bench$conns"
	pid=
	start_pg one$conns "bench$conns"
	echo "postgres, one collector, $conns connection(s):"
	"$CLIENT" "http://$addr/v1/events" "$work/token" "$BATCHES" "$conns" "$EVENTS" || true
	kill -TERM $pid
	wait $pid || true
done
pg_ensure_db "$dsn" bench_two
pid=
start_pg a bench_two
a=$addr
start_pg b bench_two
echo "postgres, two collectors on one database, 2 connections each (half the batches each, at once):"
"$CLIENT" "http://$a/v1/events" "$work/token" $((BATCHES / 2)) 2 "$EVENTS" >"$work/ra" 2>&1 &
ca=$!
"$CLIENT" "http://$addr/v1/events" "$work/token" $((BATCHES / 2)) 2 "$EVENTS" >"$work/rb" 2>&1 &
cb=$!
wait $ca $cb || true
sed 's/^/  a: /' "$work/ra"
sed 's/^/  b: /' "$work/rb"
kill -TERM $pid
wait $pid || true
pid=
echo "  database: $(pg_sql "$dsn" bench_two 'SELECT count(*) FROM events') events, \
$(pg_sql "$dsn" bench_two 'SELECT count(*) FROM listeners') listeners, $(pg_sql "$dsn" bench_two 'SELECT count(*) FROM leaks') leaks"
