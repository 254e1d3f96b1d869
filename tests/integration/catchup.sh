#!/usr/bin/env bash
# What is written while the agent is not running (a restart, a rolling
# update, a crash) is scanned at the next start from where the last run
# stopped: found with source "catchup", a rotated file under its new name,
# the catch-up bounded per file and counted. No token is printed.
. "$(dirname "$0")/lib.sh"

mkdir -p "$WORK/logs"
agent_yaml() { # [catchup_max_bytes]
	cat <<YAML
state_dir: $WORK/state
agent:
  health_interval: 1s
leaks:
  coalesce_delay: 0s
  catchup_max_bytes: ${1:-64MiB}
watch:
  paths: ["$WORK/logs/**"]
YAML
}
agent_yaml >"$WORK/agent.yaml"

# tok: a fresh GitHub token, remembered in $WORK/tokens for the final check
tok() { gh_token | tee -a "$WORK/tokens"; }
# append FILE TEXT: one write, as a logger makes it
append() {
	python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
os.write(fd, sys.argv[2].encode() + b"\n")' "$1" "$2"
}
# leaks_in SOURCE PATH: fingerprints reported for PATH with that source
leaks_in() {
	python3 - "$WORK/agent.out" "$1" "$2" <<'PY'
import json, sys
n = {e["fingerprint"] for e in map(json.loads, open(sys.argv[1]))
     if e["kind"] == "leak" and e.get("source") == sys.argv[2] and e["file"]["path"] == sys.argv[3]}
print(len(n))
PY
}
# wait_leaks N SOURCE PATH
wait_leaks() {
	local got
	for _ in $(seq 100); do
		got=$(leaks_in "$2" "$3")
		[ "$got" = "$1" ] && return 0
		sleep 0.1
	done
	echo "$got of $1"
	return 1
}

start_agent "$WORK/agent.yaml" || exit 1
append "$WORK/logs/app.log" "INFO started"
append "$WORK/logs/rot.log" "INFO started"
T0=$(tok)
append "$WORK/logs/app.log" "INFO live token $T0"
check "a live leak is reported as written" wait_leaks 1 file "$WORK/logs/app.log"
sleep 1.5 # the offsets are saved each second
stop_agent
check "the offsets are saved, private to the agent" \
	bash -c "[ \"\$(stat -c %a '$WORK/state/offsets.tsv')\" = 600 ] && grep -q 'logs/app.log' '$WORK/state/offsets.tsv'"

# --- written while stopped: three tokens, and one in a file then rotated ---
for _ in 1 2 3; do append "$WORK/logs/app.log" "WARN retry with token $(tok)"; done
append "$WORK/logs/rot.log" "WARN token $(tok) before rotation"
mv "$WORK/logs/rot.log" "$WORK/logs/rot.log.1"
append "$WORK/logs/rot.log" "INFO reopened"
start_agent "$WORK/agent.yaml" || exit 1
check "the three written while stopped are found, source catchup" wait_leaks 3 catchup "$WORK/logs/app.log"
check "the live one is not reported again" test "$(leaks_in catchup "$WORK/logs/app.log")" = 3
check "the rotated file is found under its new name" wait_leaks 1 catchup "$WORK/logs/rot.log.1"
expect_json "the catch-up is counted in the health line" "$WORK/agent.err" msg=health \
	catchup.files=2 catchup.rotated=1 catchup.lost=0

# --- kill -9: what was written after the last save is still caught up ---
append "$WORK/logs/app.log" "INFO after restart"
sleep 1.5
kill -9 "$AGENT_PID"; wait "$AGENT_PID" 2>/dev/null; AGENT_PID=
append "$WORK/logs/app.log" "WARN token $(tok) during the crash"
start_agent "$WORK/agent.yaml" || exit 1
check "after kill -9, the token written in the gap is found" wait_leaks 1 catchup "$WORK/logs/app.log"
stop_agent

# --- bounded: growth past catchup_max_bytes is cut and counted ---
agent_yaml 1MiB >"$WORK/agent-small.yaml"
python3 - "$WORK/logs/app.log" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
os.write(fd, b"INFO filler line of a busy service\n" * 60000)  # 2 MiB
PY
append "$WORK/logs/app.log" "WARN token $(tok) past the bound"
rm -f "$WORK/logs/rot.log.1"
start_agent "$WORK/agent-small.yaml" || exit 1
expect_json "a file with more growth than the bound is counted as capped" "$WORK/agent.err" msg=health \
	catchup.capped=1
expect_json "a file gone while stopped is counted as lost" "$WORK/agent.err" msg=health catchup.lost=1
check "the token past the bound is not reported" test "$(leaks_in catchup "$WORK/logs/app.log")" = 0
stop_agent
check "no raw token in the output, the log or the offsets" \
	bash -c "! cat '$WORK/agent.out' '$WORK/agent.err' '$WORK/state/offsets.tsv' | grep -qFf '$WORK/tokens'"
