#!/usr/bin/env bash
# What `sudo make run` starts: a collector on 127.0.0.1:4520 (SQLite and a
# generated token under /var/lib/leakwatch-collector) and the agent shipping
# to it with built-in defaults. Prints each event as it arrives at the
# collector; Ctrl-C stops both, agent first so that nothing is left unsent.
#   CONFIG=path/to/leakwatch.yaml  use this agent configuration instead
#   STATE=DIR  keep both daemons' state under DIR instead of /var/lib
set -u
BUILD=${BUILD:-build}
RUN=$BUILD/run
COLLECTOR_STATE=${STATE:+$STATE/collector}
COLLECTOR_STATE=${COLLECTOR_STATE:-/var/lib/leakwatch-collector}
mkdir -p "$RUN"
# Each daemon in a process group of its own: the terminal's Ctrl-C reaches
# this script alone, which stops the agent first (it ships what it holds)
# and the collector after, instead of both at the same moment.
set -m

config=${CONFIG:-}
if [ -z "$config" ]; then
	config=$RUN/agent.yaml
	cat >"$config" <<YAML
# written by deploy/run-local.sh: the built-in defaults, shipping to the
# local collector
collector:
  url: http://127.0.0.1:4520
  token_file: $COLLECTOR_STATE/token
${STATE:+state_dir: $STATE/agent}
YAML
fi
collector_args=()
if [ -n "${STATE:-}" ]; then
	printf 'state_dir: %s\n' "$COLLECTOR_STATE" >"$RUN/collector.yaml"
	collector_args=(--config "$RUN/collector.yaml")
fi

"$BUILD/leakwatch-collector" serve "${collector_args[@]}" --print 2>"$RUN/collector.log" &
collector=$!
for _ in $(seq 100); do
	grep -q '"msg":"listening"' "$RUN/collector.log" 2>/dev/null && break
	if ! kill -0 "$collector" 2>/dev/null; then
		echo "leakwatch: the collector did not start:" >&2
		tail -3 "$RUN/collector.log" >&2
		exit 2
	fi
	sleep 0.1
done

"$BUILD/leakwatch" run --config "$config" >"$RUN/agent.jsonl" 2>"$RUN/agent.log" &
agent=$!

stop() {
	kill -TERM "$agent" 2>/dev/null
	wait "$agent"
	rc=$?
	kill -TERM "$collector" 2>/dev/null
	wait "$collector"
	exit "$rc"
}
trap stop INT TERM

cat >&2 <<MSG
leakwatch: agent and collector running; Ctrl-C stops both.
  events as the collector stores them follow on stdout
  agent:     $RUN/agent.jsonl (its JSON lines), $RUN/agent.log
  collector: 127.0.0.1:4520, $RUN/collector.log, $COLLECTOR_STATE/collector.db
  query:     $BUILD/leakwatch-collector query
MSG
# either exiting on its own is an error worth seeing
wait -n "$agent" "$collector"
rc=$?
echo "leakwatch: a process exited ($rc); see $RUN/*.log" >&2
kill -TERM "$agent" "$collector" 2>/dev/null
wait
exit "$rc"
