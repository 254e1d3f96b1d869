#!/usr/bin/env bash
# Lines a real rsyslogd relays into watched files: the finding keeps rsyslogd
# as the writer and names the program from the line's header (RFC 3164 and
# RFC 5424) as its origin; a live program with that name and pid becomes the
# process. A line that only looks like syslog, written by the program
# itself, is not re-attributed. No raw token is ever printed.
. "$(dirname "$0")/lib.sh"

LOGS=$WORK/logs
mkdir -p "$LOGS"
cat >"$WORK/rsyslog.conf" <<CONF
global(workDirectory="$WORK")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$WORK/log.sock" CreatePath="on")
*.* action(type="omfile" file="$LOGS/syslog" template="RSYSLOG_TraditionalFileFormat")
*.* action(type="omfile" file="$LOGS/syslog5424.log" template="RSYSLOG_SyslogProtocol23Format")
CONF
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
leaks:
  coalesce_delay: 200ms
watch:
  paths: ["$LOGS/**"]
journal:
  enabled: false
YAML
T1=$(gh_token); T2=$(gh_token); T3=$(gh_token)
export T1 T2 T3
redacted() { echo "${1:0:4}...${1: -4}"; }

start_agent "$WORK/agent.yaml" || exit 1
bg rsyslogd rsyslogd -n -f "$WORK/rsyslog.conf" -i "$WORK/rsyslog.pid"
for _ in $(seq 50); do [ -S "$WORK/log.sock" ] && break; sleep 0.1; done

logger -u "$WORK/log.sock" -t myapp -i "connecting with token=$T1"
expect_json "RFC 3164: the origin is the program in the header, rsyslogd the writer" "$WORK/agent.out" \
	kind=leak source=file file.path="$LOGS/syslog" origin.comm=myapp origin.format=rfc3164 \
	writer.comm=rsyslogd 'writer.exe~rsyslogd' "redacted=$(redacted "$T1")"
echo "    event: $(echo "$LAST_MATCH" | cut -c1-200)...$(echo "$LAST_MATCH" | grep -o '"writer".*' | cut -c1-300)"
expect_json "RFC 5424: the same" "$WORK/agent.out" kind=leak file.path="$LOGS/syslog5424.log" \
	origin.comm=myapp origin.format=rfc5424 writer.comm=rsyslogd "redacted=$(redacted "$T1")"

# logger reads its stdin until it closes: alive, with its own name, while the
# agent looks the pid up
LPID=$(bash -c 'echo $$; exec logger -u "$1" -t logger -i < <(echo "auth $T2"; sleep 1)' _ "$WORK/log.sock")
expect_json "a live origin with that name and pid is the process" "$WORK/agent.out" kind=leak \
	file.path="$LOGS/syslog" origin.comm=logger origin.pid="$LPID" origin.verified=true \
	process.pid="$LPID" process.comm=logger writer.comm=rsyslogd "redacted=$(redacted "$T2")"

python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
os.write(fd, b"Dec  3 08:45:11 db-1 fake[1]: token=" + os.environ["T3"].encode() + b"\n")' "$LOGS/app.log"
expect_json "a program writing syslog-like lines itself is its own writer" "$WORK/agent.out" kind=leak \
	file.path="$LOGS/app.log" process.comm=python3 "redacted=$(redacted "$T3")"
check "with no origin or writer" python3 -c '
import json, sys
e = json.loads(sys.argv[1])
assert "origin" not in e and "writer" not in e, "re-attributed"' "$LAST_MATCH"

stop_agent
for f in agent.out agent.err; do
	check "no raw token in $f" bash -c 'for t in "$T1" "$T2" "$T3"; do ! grep -qF "$t" "$1" || exit 1; done' \
		_ "$WORK/$f"
done
