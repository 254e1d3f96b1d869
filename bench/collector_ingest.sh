#!/usr/bin/env bash
# Collector ingest rate: a fresh collector on a random loopback port, batches
# of 500 realistic listener and leak events (70/30), every id distinct, all
# encoded and gzip'd before the clock starts, POSTed over keep-alive
# connections. Prints events/s and batches/s per setting. Figures only.
#   BENCH_BATCHES (default 400), BENCH_EVENTS (default 500)
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
run full 1
run full 4
run normal 1
run normal 4
