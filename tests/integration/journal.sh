#!/usr/bin/env bash
# The systemd journal as a leak source, against a real systemd-journald
# started here in a mount namespace of its own (its /run is $J/run), so the
# host's journal is never touched: tokens sent through systemd-cat, logger
# and the native protocol are found with their identifier, pid and unit;
# a restart catches up on what was written meanwhile, once; a journal
# vacuumed past the saved cursor is a counted gap; `scan --journal` finds
# the same tokens. No raw token is ever printed.
. "$(dirname "$0")/lib.sh"

J=$WORK/j
JDIR=$J/run/log/journal
CG=/sys/fs/cgroup/unified/lw-i16.slice
. "$LW_ROOT/tests/helpers/journald.bash"
start_journald() { journald_start "$J" "$WORK/journald.log" && on_exit "kill $JPID"; }

# native IDENT FIELD VALUE: one entry by the journal's native protocol; prints the sender's pid
native() {
	python3 - "$J/run/systemd/journal/socket" "$@" <<'PY'
import os, socket, sys, time
path, ident, field, value = sys.argv[1:5]
msg = b"MESSAGE=request handled\nSYSLOG_IDENTIFIER=%s\n%s=%s\n" % (ident.encode(), field.encode(), value.encode())
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(msg, path)
print(os.getpid(), flush=True)
time.sleep(0.3)  # journald reads _COMM, _CMDLINE and the unit from /proc: stay until it has
PY
}
# every agent's output, kept across restarts for the final check
stop() { stop_agent; cat "$WORK/agent.out" "$WORK/agent.err" >>"$WORK/agent.all"; }
redacted() { echo "${1:0:4}...${1: -4}"; }
# once NAME FILE REDACTED: that token is reported exactly once
once() {
	local n
	n=$(grep -c "\"redacted\":\"$3\"" "$2")
	expect "$1" 1 "$n"
}

start_journald || exit 1
mkdir -p "$CG/lw-i16-app.service"
on_exit "rmdir $CG/lw-i16-app.service $CG"

# a collector, so that the journal's findings are seen stored and queried
PORT=$(free_port)
CSTATE=$WORK/collector
printf 'state_dir: %s\nserver:\n  listen: 127.0.0.1:%s\n' "$CSTATE" "$PORT" >"$WORK/collector.yaml"
start_collector "$WORK/collector.yaml" || exit 1

cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
collector:
  url: http://127.0.0.1:$PORT
  token_file: $CSTATE/token
  flush_interval: 200ms
agent:
  health_interval: 1s
leaks:
  coalesce_delay: 200ms
journal:
  directory: $JDIR
  exclude_units: [lw-i16-quiet*]
YAML
T1=$(gh_token); T2=$(gh_token); T3=$(gh_token); T4=$(gh_token); T5=$(gh_token); T6=$(gh_token)
T7=$(gh_token); T8=$(gh_token); T9=$(gh_token); T10=$(gh_token)
export T1 T2 T3 T4 T5 T6 T7 T8 T9 T10

start_agent "$WORK/agent.yaml" || exit 1
expect_json "the agent follows the journal" "$WORK/agent.err" "msg~following the systemd journal in $JDIR"

# systemd-cat -t app, from a process in the unit lw-i16-app.service (a cgroup
# journald reads the unit from); nsenter and systemd-cat exec, keeping the pid
CAT_PID=$(bash -c 'echo $$ > "$1/cgroup.procs"; echo $$
	exec nsenter -t "$2" -m systemd-cat -t app sh -c "echo \"auth ok token=\$T1 for api\"; sleep 0.3"' \
	_ "$CG/lw-i16-app.service" "$JPID")
expect_json "systemd-cat: found in the journal, with identifier, unit and pid" "$WORK/agent.out" \
	kind=leak source=journal journal.identifier=app journal.unit=lw-i16-app.service \
	journal.field=MESSAGE process.pid="$CAT_PID" "redacted=$(redacted "$T1")" rule~github
echo "    event: $(echo "$LAST_MATCH" | cut -c1-400)"
# should it be missing: what journald wrote (the fields that place an entry,
# never its text) and what the agent said of the journal
[ -n "$LAST_MATCH" ] || {
	journalctl -D "$JDIR" -o json --output-fields=SYSLOG_IDENTIFIER,_PID,_SYSTEMD_UNIT | cut -c1-400
	grep -F '"journal' "$WORK/agent.err" | cut -c1-400
} | sed 's/^/    /'
check "a journal finding has a cursor and no file" python3 -c '
import json, sys
e = json.loads(sys.argv[1])
assert e["journal"]["cursor"].startswith("s=") and "file" not in e and "write" not in e, e' "$LAST_MATCH"

# logger reads its stdin until it closes: alive while journald looks it up in /proc
LOGGER_PID=$(bash -c 'echo $$; exec logger -u "$1" -t lgr < <(echo "login with $T2"; sleep 0.3)' \
	_ "$J/run/systemd/journal/dev-log")
expect_json "logger: found, with identifier and pid" "$WORK/agent.out" kind=leak source=journal \
	journal.identifier=lgr process.pid="$LOGGER_PID" process.comm=logger "redacted=$(redacted "$T2")"

PY_PID=$(native pyapp API_DEBUG "$T3")
expect_json "native protocol: found in its own field, with identifier and pid" "$WORK/agent.out" \
	kind=leak source=journal journal.identifier=pyapp journal.field=API_DEBUG process.pid="$PY_PID" \
	"redacted=$(redacted "$T3")"

mkdir -p "$CG/lw-i16-quiet.service"
on_exit "rmdir $CG/lw-i16-quiet.service"
bash -c 'echo $$ > "$1/cgroup.procs"; exec nsenter -t "$2" -m systemd-cat -t quiet sh -c "echo token=\$T8; sleep 0.3"' \
	_ "$CG/lw-i16-quiet.service" "$JPID"
check "journal.exclude_units: a unit left out is not reported" python3 "$JSONMATCH" "$WORK/agent.out" \
	--absent --timeout 2 "redacted=$(redacted "$T8")"
expect_json "health counts the journal" "$WORK/agent.err" msg=health journal.enabled=true \
	'journal.entries!=0' 'journal.filtered!=0'

# a poll, not a timing: delivery goes through the spool and the exporter's
# batching, which a loaded machine may slow by seconds
for _ in $(seq 200); do
	"$COLLECTOR" query --config "$WORK/collector.yaml" --kind leak --format json >"$WORK/query.json" 2>&1
	grep -qF "\"redacted\":\"$(redacted "$T1")\"" "$WORK/query.json" && break
	sleep 0.1
done
check "the collector keeps the journal finding under its unit" python3 -c '
import json, sys
red = sys.argv[2]
for line in open(sys.argv[1]):
    f = json.loads(line)
    if f.get("redacted") != red:
        continue
    loc = f["locations"][0]
    assert loc["source"] == "journal" and loc["path"] == "journal:lw-i16-app.service", loc
    assert loc["journal"]["unit"] == "lw-i16-app.service" and loc["journal"]["cursor"].startswith("s="), loc
    sys.exit(0)
sys.exit("not stored")' "$WORK/query.json" "$(redacted "$T1")"

# --- stopped, three tokens written, started: each found once -------------
stop
check "the cursor is saved 0600" test "$(stat -c %a "$WORK/state/journal.cursor")" = 600
for t in "$T4" "$T5" "$T6"; do native restart TOKEN "$t" >/dev/null; done
start_agent "$WORK/agent.yaml" || exit 1
for i in 4 5 6; do
	t=T$i
	expect_json "written while stopped ($i): found after the start" "$WORK/agent.out" kind=leak \
		source=journal journal.identifier=restart "redacted=$(redacted "${!t}")"
done
expect_json "the agent says it caught up" "$WORK/agent.err" "msg~caught up after 3 entries"
sleep 1
for i in 4 5 6; do t=T$i; once "token $i: reported once" "$WORK/agent.out" "$(redacted "${!t}")"; done
check "an entry before the saved cursor is not reported again" python3 "$JSONMATCH" "$WORK/agent.out" \
	--absent --timeout 1 "redacted=$(redacted "$T1")"

# --- the journal vacuumed past the saved cursor: a counted gap ------------
stop
journald_stop
rm -rf "$JDIR"/*
start_journald || exit 1
native aftergap TOKEN "$T7" >/dev/null
start_agent "$WORK/agent.yaml" || exit 1
expect_json "a vacuumed journal is a logged gap" "$WORK/agent.err" \
	"msg~rotated or vacuumed past the saved cursor"
expect_json "and counted in the health line" "$WORK/agent.err" msg=health journal.gaps=1 drops.journal_gap=1
expect_json "what follows the gap is found" "$WORK/agent.out" kind=leak journal.identifier=aftergap \
	"redacted=$(redacted "$T7")"

# --- stopped for longer than journal.max_catchup: older entries are skipped
stop
native stale TOKEN "$T9" >/dev/null
sleep 2
sed -i 's/^journal:$/journal:\n  max_catchup: 1s/' "$WORK/agent.yaml"
start_agent "$WORK/agent.yaml" || exit 1
expect_json "a catch-up past journal.max_catchup is a logged gap" "$WORK/agent.err" \
	"msg~stopped for longer than journal.max_catchup"
check "and what it skipped is not reported" python3 "$JSONMATCH" "$WORK/agent.out" --absent --timeout 2 \
	"redacted=$(redacted "$T9")"
stop

# --- a journal with no entry yet when the agent starts: its first entries
# are read, none passed over (journald writes two of its own at its start)
J2=$WORK/j2
mkdir -p "$J2/run/log/journal"
sed -e "s|$JDIR|$J2/run/log/journal|" -e "s|^state_dir: .*|state_dir: $WORK/state2|" -e '/max_catchup/d' \
	"$WORK/agent.yaml" >"$WORK/agent2.yaml"
start_agent "$WORK/agent2.yaml" || exit 1
expect_json "an empty journal directory is followed" "$WORK/agent.err" \
	"msg~following the systemd journal in $J2/run/log/journal"
JPID1=$JPID
journald_start "$J2" "$WORK/journald2.log" || exit 1
on_exit "kill $JPID"
J=$J2 native empty TOKEN "$T10" >/dev/null
expect_json "the first entries of a journal empty at the start: the token" "$WORK/agent.out" kind=leak \
	source=journal journal.identifier=empty "redacted=$(redacted "$T10")"
n=$(journalctl -D "$J2/run/log/journal" -o json --output-fields=_PID | wc -l)
expect_json "and every one of its $n entries was read" "$WORK/agent.err" msg=health "journal.entries=$n" \
	journal.filtered=0 journal.unreadable=0
stop
journald_stop
JPID=$JPID1

# --- retro-scan ---------------------------------------------------------
"$LEAKWATCH" scan --journal "$JDIR" --format json >"$WORK/scan.out" 2>"$WORK/scan.err"
rc=$?
expect "scan --journal exits 1 when it finds a credential" 1 "$rc"
expect_json "scan --journal reports the identifier and cursor" "$WORK/scan.out" \
	journal.identifier=aftergap "redacted=$(redacted "$T7")"
check "with the entry's cursor" python3 -c '
import json, sys
assert json.loads(sys.argv[1])["journal"]["cursor"].startswith("s="), "no cursor"' "$LAST_MATCH"
"$LEAKWATCH" scan --journal "$JDIR" --since 2099-01-01 >"$WORK/scan2.out" 2>&1
expect "scan --journal --since the future finds nothing: exit 0" 0 "$?"

stop_collector
"$COLLECTOR" events --config "$WORK/collector.yaml" >"$WORK/events.out" 2>&1
expect_json "the collector's events show the journal entry" "$WORK/events.out" kind=leak source=journal \
	journal.unit=lw-i16-app.service "redacted=$(redacted "$T1")"
for f in agent.all scan.out scan.err scan2.out journald.log journald2.log query.json events.out collector.out collector.err; do
	check "no raw token in $f" bash -c 'for t in "$T1" "$T2" "$T3" "$T4" "$T5" "$T6" "$T7" "$T8" "$T9" "$T10"; do
		! grep -qF "$t" "$1" || exit 1; done' _ "$WORK/$f"
done
