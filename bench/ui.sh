#!/usr/bin/env bash
# The collector's pages (/ui/) over a large fleet: 10,000 hosts, 50,000
# listeners, 5,000 leaks with their locations, events and alerts, written
# straight into the database the collector made (bench/uifill.py; no
# ANALYZE, as the collector runs none). Each page is fetched with an
# operator token, RUNS times after one warm-up, one curl (one connection)
# a fetch; prints p50 and p95 of curl's time_total in ms, the warm-up
# fetch's own (for /ui/, the collector's first read of the database since
# it started: SQLite's cache cold, the kernel's warm), and each page's p50
# against GET /healthz (no database) in the same run: the overview with
# its default filters, filtered by severity, host and namespace, page 500
# of the exposures, the hosts, a leak's page and a listener's page.
# The budget is 200 ms for a page; a slower one is flagged, never a failure.
# Fails only when a page does not answer 200.
#   BENCH_RUNS (default 30), BENCH_HOSTS, BENCH_LISTENERS, BENCH_LEAKS
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
RUNS=${BENCH_RUNS:-30}
HOSTS=${BENCH_HOSTS:-10000}
LISTENERS=${BENCH_LISTENERS:-50000}
LEAKS=${BENCH_LEAKS:-5000}
BUDGET_MS=200
LW_NO_TALLY=1
. tests/integration/lib.sh

[ -x "$COLLECTOR" ] || make --no-print-directory "$COLLECTOR" || exit 1
STATE=$WORK/state
DB=$STATE/collector.db
HDR=$WORK/auth.header
mkdir -p "$STATE"

# an operator credential; the token goes only into a 0600 header file for curl
( umask 077
  "$COLLECTOR" token create --role operator --name bench --digest-file "$WORK/operator-bench.sha256" \
	>"$WORK/bench.token" 2>"$WORK/token.err" &&
  printf 'Authorization: Bearer %s\n' "$(cat "$WORK/bench.token")" >"$HDR" ) ||
	{ cat "$WORK/token.err" >&2; exit 1; }
rm -f "$WORK/bench.token"
cat >"$WORK/collector.yaml" <<YAML
state_dir: $STATE
server:
  listen: 127.0.0.1:$(free_port)
  auth:
    operator: [{name: bench, digest_file: $WORK/operator-bench.sha256}]
YAML

# the collector makes its schema; the fleet goes in while it is stopped
start_collector "$WORK/collector.yaml" || exit 1
stop_collector || { echo "the collector did not stop cleanly" >&2; exit 1; }
t0=$(date +%s%N)
python3 bench/uifill.py "$DB" "$HOSTS" "$LISTENERS" "$LEAKS" || exit 1
echo "  in $((($(date +%s%N) - t0) / 1000000)) ms; database $(du -h "$DB" | cut -f1)"
start_collector "$WORK/collector.yaml" || exit 1

# what an operator would click: the top exposure and its host, the busiest
# namespace, the top leak (each the first row of the overview's list)
IFS='|' read -r L_HOST L_NETNS L_PROTO L_ADDR L_PORT < <(sqlite3 "$DB" \
	"SELECT hostname, netns, protocol, hex(address), port FROM listeners
	 WHERE state = 'open' AND severity >= 2 AND length(address) = 4
	 ORDER BY severity DESC, hostname, port LIMIT 1")
L_ADDR=$(printf '%d.%d.%d.%d' "0x${L_ADDR:0:2}" "0x${L_ADDR:2:2}" "0x${L_ADDR:4:2}" "0x${L_ADDR:6:2}")
NS=$(sqlite3 "$DB" "SELECT pod_namespace FROM listeners WHERE state = 'open' AND pod_namespace IS NOT NULL
	GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
FP=$(sqlite3 "$DB" "SELECT fingerprint FROM leaks WHERE acked_ns IS NULL AND severity >= 2
	ORDER BY severity DESC, last_seen_ns DESC LIMIT 1")

BASE_P50=
# measure LABEL PATH: RUNS fetches after one warm-up; one row of the table
measure() {
	local label=$1 path=$2 out code t size first times=() i
	for ((i = 0; i <= RUNS; i++)); do
		out=$(curl -s -o /dev/null -H @"$HDR" -w '%{http_code} %{time_total} %{size_download}' "$URL$path")
		read -r code t size <<<"$out"
		if [ "$code" != 200 ]; then
			fail "GET $path" "answered ${code:-nothing}, not 200"
			return 1
		fi
		if [ "$i" -eq 0 ]; then first=$t; else times+=("$t"); fi
	done
	printf '%s\n' "${times[@]}" | sort -g | awk -v label="$label" -v base="$BASE_P50" \
		-v budget="$BUDGET_MS" -v size="$size" -v first="$first" '
		{ ms[NR] = $1 * 1000 }
		END {
			p50 = ms[int((NR * 50 + 99) / 100)]; p95 = ms[int((NR * 95 + 99) / 100)]
			printf "%-42s %8.2f %8.2f %9.2f %8s %7.0f KB%s\n", label, p50, p95, first * 1000,
				base ? sprintf("%.1fx", p50 / base) : "1.0x", size / 1024,
				(p95 > budget ? "   over " budget " ms" : "")
		}'
	if [ -z "$BASE_P50" ]; then
		BASE_P50=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ ms[NR] = $1 * 1000 }
			END { print ms[int((NR * 50 + 99) / 100)] }')
	fi
}

echo "== collector pages: $HOSTS hosts, $LISTENERS listeners, $LEAKS leaks; $RUNS fetches each" \
	"after a warm-up, curl time_total, $(nproc) CPUs"
printf '%-42s %8s %8s %9s %8s %10s\n' "GET" "p50 ms" "p95 ms" "1st ms" "p50/hz" "page"
measure "/healthz (baseline)" /healthz
measure "/ui/ (first page, default filters)" /ui/
measure "/ui/?severity=info" "/ui/?severity=info"
measure "/ui/?host=<top exposure's host>" "/ui/?host=$L_HOST"
measure "/ui/?namespace=$NS" "/ui/?namespace=$NS"
measure "/ui/?exposures_page=500&severity=info" "/ui/?exposures_page=500&severity=info"
measure "/ui/hosts" /ui/hosts
measure "/ui/leak/<top leak>" "/ui/leak/$FP"
measure "/ui/listener/<top exposure>" "/ui/listener/$L_HOST/$L_NETNS/$L_PROTO/$L_ADDR/$L_PORT"
echo "  (host $L_HOST; listener $L_PROTO $L_ADDR:$L_PORT; leak ${FP:0:16}; budget $BUDGET_MS ms at p95)"
stop_collector
