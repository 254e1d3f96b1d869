#!/usr/bin/env bash
# End-to-end latency, listen() or a leaking write() to the row in the
# collector's SQLite, p50 and p99: at idle, then while the host writes 50,000
# log lines/s to a watched file. Agent and collector run with their defaults:
# batching (a lone finding goes out after 20 ms, at most one partial batch a
# second), a leak's first sighting sent at once, durability (fsync per
# acknowledged batch). BENCH_COALESCE_DELAY=500ms holds first sightings as
# 0.1.0 did, for a before-and-after in the same conditions.
# Prints figures; never fails on speed. Needs root.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SAMPLES=${BENCH_SAMPLES:-25}
RATE=${BENCH_LINES_PER_S:-50000}

work=$(mktemp -d /tmp/lwbench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/logs"
printf 'state_dir: %s/c\nserver:\n  listen: 127.0.0.1:%s\n' "$work" "$port" >"$work/c.yaml"
"$BUILD/leakwatch-collector" serve --config "$work/c.yaml" 2>"$work/c.err" & pids+=($!)
for _ in $(seq 100); do grep -q '"listening"' "$work/c.err" && break; sleep 0.05; done
printf 'state_dir: %s/a\ncollector:\n  url: http://127.0.0.1:%s\n  token_file: %s/c/token\n' \
	"$work" "$port" "$work" >"$work/a.yaml"
[ -z "${BENCH_COALESCE_DELAY:-}" ] || printf 'leaks:\n  coalesce_delay: %s\n' "$BENCH_COALESCE_DELAY" >>"$work/a.yaml"
"$BUILD/leakwatch" run --config "$work/a.yaml" >/dev/null 2>"$work/a.err" & agent=$!; pids+=($agent)
for _ in $(seq 100); do grep -q 'start-up inventory' "$work/a.err" && break; sleep 0.1; done

echo "== end-to-end latency to the collector's database ($SAMPLES samples each${BENCH_COALESCE_DELAY:+, coalesce_delay $BENCH_COALESCE_DELAY})"
echo "idle:"
python3 bench/latency.py "$work/c/collector.db" "$work/logs" "$SAMPLES"

# a steady writer: RATE lines/s of ordinary log text, paced every 10 ms
python3 - "$work/logs/busy.log" "$RATE" <<'PY' & pids+=($!)
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
per_tick, n, t = int(sys.argv[2]) // 100, 0, time.monotonic()
while True:
    for _ in range(per_tick):
        os.write(fd, b"2026-11-29T10:00:00Z INFO GET /api/v1/items/%08d 200 12ms\n" % n)
        n += 1
    t += 0.01
    time.sleep(max(0, t - time.monotonic()))
    if n % 500000 == 0:
        os.ftruncate(fd, 0)
PY
busy=$!
sleep 2
before=$(grep -o '"bytes_scanned":[0-9]*' "$work/a.err" | tail -1 | cut -d: -f2)
echo "while writing $RATE log lines/s:"
python3 bench/latency.py "$work/c/collector.db" "$work/logs" "$SAMPLES"
kill "$busy"
echo "  (the writer kept $(awk '{print $14 + $15}' /proc/$agent/stat) agent CPU ticks busy in all; drops:" \
	"$(grep -o '"drops":{[^}]*}' "$work/a.err" | tail -1))"
