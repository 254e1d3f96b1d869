#!/usr/bin/env bash
# Credentials written to log files, caught by the running agent: write,
# writev, pwrite, a token split across writes, a non-log file, a token
# logged 10,000 times, a log renamed under its writer, and the raw token
# never echoed.
. "$(dirname "$0")/lib.sh"

LOGS="$WORK/logs"
mkdir -p "$LOGS"
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
agent:
  health_interval: 1s
leaks:
  coalesce_delay: 1s
YAML

# A GitHub token with a valid checksum, made fresh for this run and never printed.
TOKEN=$(gh_token)
export TOKEN

start_agent "$WORK/agent.yaml" || exit 1

# writer MODE FILE: writes one line holding the token; prints "pid offset"
writer() {
	python3 - "$@" <<'PY'
import os, sys, time
mode, path = sys.argv[1], sys.argv[2]
tok = os.environ["TOKEN"].encode()
prefix = b"2026-11-29T10:00:00Z INFO auth: using token="
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
os.write(fd, b"2026-11-29T09:59:59Z INFO starting up\n")
start = os.fstat(fd).st_size + len(prefix)
if mode == "write":
    os.write(fd, prefix + tok + b" for api.github.com\n")
elif mode == "writev":
    os.writev(fd, [prefix, tok, b" for api.github.com\n"])
elif mode == "split":
    half = len(tok) // 2
    os.write(fd, prefix + tok[:half])
    time.sleep(0.2)
    os.write(fd, tok[half:] + b"\n")
elif mode == "tail":
    os.write(fd, prefix + tok)  # the last bytes of the file: no newline follows
elif mode == "pwrite":
    os.close(fd)
    fd = os.open(path, os.O_WRONLY)
    os.pwrite(fd, b"x" * 1000, 0)
    os.pwrite(fd, prefix + tok + b"\n", 1000)
    start = 1000 + len(prefix)
print(os.getpid(), start)
PY
}

# hot_writer FILE: a token logged on each of 10,000 requests, as fast as it goes
hot_writer() {
	python3 - "$1" <<'PY'
import os, sys
tok = os.environ["TOKEN"].encode()
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
for i in range(10000):
    os.write(fd, b"GET /api/v1/items?page=%d Authorization: token " % i + tok + b"\n")
PY
}

for mode in write writev pwrite split; do
	read -r pid offset < <(writer "$mode" "$LOGS/$mode.log")
	expect_json "$mode: a token in a .log file is one leak event" "$WORK/agent.out" \
		kind=leak rule~github file.path="$LOGS/$mode.log" file.offset="$offset" \
		process.pid="$pid" severity~h redacted~ghp_ count=1
	[ "$mode" = write ] && echo "    event: $LAST_MATCH"
done
expect_json "writev is reported as writev" "$WORK/agent.out" file.path="$LOGS/writev.log" write.syscall=writev
expect_json "pwrite is reported as pwrite64" "$WORK/agent.out" file.path="$LOGS/pwrite.log" write.syscall=pwrite64

writer write "$LOGS/notes.txt" >/dev/null
check "a token in a non-log file gives nothing" python3 "$JSONMATCH" "$WORK/agent.out" \
	--absent --timeout 3 file.path="$LOGS/notes.txt"

# Named .log but not regular files: a FIFO (its reader gets the line) and a
# directory (the write fails). The write path tells them from logs by the
# inode's mode; neither is ever captured, whatever their name.
python3 - "$LOGS" <<'PY'
import os, sys
logs, line = sys.argv[1], b"INFO token=" + os.environ["TOKEN"].encode() + b"\n"
fifo, folder = os.path.join(logs, "nonreg-fifo.log"), os.path.join(logs, "nonreg-dir.log")
os.mkfifo(fifo)
r = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
w = os.open(fifo, os.O_WRONLY)
for _ in range(3):
    os.write(w, line)
    assert os.read(r, 4096) == line
os.mkdir(folder)
d = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
for _ in range(3):
    try:
        os.write(d, line)
    except OSError:
        pass
PY
check "a FIFO or a directory named .log gives nothing" python3 "$JSONMATCH" "$WORK/agent.out" \
	--absent --timeout 3 "file.path~$LOGS/nonreg-"
writer write "$LOGS/after-nonreg.log" >/dev/null
expect_json "    and a log written next is still caught" "$WORK/agent.out" \
	kind=leak file.path="$LOGS/after-nonreg.log"

hot_writer "$LOGS/hot.log"
expect_json "10,000 writes of one token are one event with the count" "$WORK/agent.out" \
	kind=leak file.path="$LOGS/hot.log" count=10000 total=10000
check "and only one" python3 "$JSONMATCH" "$WORK/agent.out" --count 1 --timeout 2 \
	kind=leak file.path="$LOGS/hot.log"
echo "    event: $(grep -F "$LOGS/hot.log" "$WORK/agent.out" | head -1 | cut -c1-300)"

read -r pid offset < <(writer tail "$LOGS/tail.log")

# a token passed as a plain argument is in the writer's command line: the
# report shows that command line, so the scanner blanks it there too. The
# writer stays a moment: a process gone before the agent reads its /proc
# entry has no command line to show.
python3 -c 'import os, sys, time; fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT, 0o644); os.write(fd, b"auth " + sys.argv[1].encode() + b"\n"); time.sleep(1)' \
	"$TOKEN" "$LOGS/argv.log"
expect_json "a token in the writer's argv is blanked in its cmdline" "$WORK/agent.out" \
	kind=leak file.path="$LOGS/argv.log" 'process.cmdline~****'

# logrotate's rename: the writer keeps its descriptor and writes on into
# the renamed file. The finding names the file as it is called now, and as
# it was.
python3 - "$LOGS/rotated.log" <<'PY'
import os, sys, time
path = sys.argv[1]
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
os.write(fd, b"INFO started\n")
time.sleep(0.5)
os.rename(path, path + ".1")
os.write(fd, b"INFO auth token=" + os.environ["TOKEN"].encode() + b"\n")
time.sleep(1)
PY
expect_json "after a logrotate rename, the finding names the current path and the previous one" "$WORK/agent.out" \
	kind=leak file.path="$LOGS/rotated.log.1" file.previous_path="$LOGS/rotated.log"

expect_json "health counts scanned bytes" "$WORK/agent.err" msg=health capture.enabled=true \
	'capture.bytes_scanned!=0'

stop_agent
rc=$?
check "SIGTERM exits 0 (got $rc)" test "$rc" -eq 0
expect_json "a token that ends the file is reported when its stream is flushed" "$WORK/agent.out" \
	kind=leak file.path="$LOGS/tail.log" file.offset="$offset" process.pid="$pid"
check "the fingerprint key was created 0600" test "$(stat -c %a "$WORK/state/fingerprint.key")" = 600
check "the raw token is not in the agent's stdout" bash -c '! grep -qF "$TOKEN" "$1"' _ "$WORK/agent.out"
check "the raw token is not in the agent's stderr" bash -c '! grep -qF "$TOKEN" "$1"' _ "$WORK/agent.err"
check "no write program stays loaded" bash -c '! bpftool prog show 2>/dev/null | grep -qE "name lw_(write|writev|pwrite64|pwritev|pwritev2|capture_step)\b"'

# The slower descriptor walks older kernels fall back to: each still finds
# writes and pwrites (offsets come from the file in one, from the call in
# the other), and says which walk it uses.
for walk in task helpers; do
	LEAKWATCH_FD_WALK=$walk start_agent "$WORK/agent.yaml" || exit 1
	want=$([ "$walk" = task ] && echo "typed task pointers" || echo "helper reads")
	expect_json "walk $walk: the agent uses it" "$WORK/agent.err" "msg=write path: descriptor walk by $want"
	for mode in write pwrite; do
		read -r pid offset < <(writer "$mode" "$LOGS/$walk-$mode.log")
		expect_json "walk $walk, $mode: the leak is found at its offset" "$WORK/agent.out" \
			kind=leak rule~github file.path="$LOGS/$walk-$mode.log" file.offset="$offset" \
			process.pid="$pid"
	done
	writer write "$LOGS/$walk-notes.txt" >/dev/null
	check "walk $walk: a non-log file gives nothing" python3 "$JSONMATCH" "$WORK/agent.out" \
		--absent --timeout 2 file.path="$LOGS/$walk-notes.txt"
	stop_agent
	check "walk $walk: no raw token in the output" bash -c '! grep -qF "$TOKEN" "$1" "$2"' _ \
		"$WORK/agent.out" "$WORK/agent.err"
done

# The defaults: the first sighting is reported at once (no coalescing delay),
# and a token logged on every request is still not a million events: its
# repeats are counted into one `repeated` event per window (2 s here).
cat >"$WORK/defaults.yaml" <<YAML
state_dir: $WORK/state
leaks:
  coalesce_window: 2s
YAML
start_agent "$WORK/defaults.yaml" || exit 1
hot_writer "$LOGS/hot2.log"
# all 10,000 are written within a few ms: a delay that held the first
# sighting would have counted them into it
expect_json "defaults: the first sighting reported at once, count 1, not held to count the burst" "$WORK/agent.out" \
	kind=leak file.path="$LOGS/hot2.log" event=found count=1 total=1
expect_json "    the other 9,999 writes: one repeated event after the window, with their count" "$WORK/agent.out" \
	kind=leak file.path="$LOGS/hot2.log" event=repeated count=9999 total=10000
check "    and nothing else for that file" python3 "$JSONMATCH" "$WORK/agent.out" --count 2 --timeout 1 \
	kind=leak file.path="$LOGS/hot2.log"
stop_agent
