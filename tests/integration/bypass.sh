#!/usr/bin/env bash
# Bytes that reach a watched file without write(2): sendfile, splice and
# copy_file_range are read back from the file; io_uring writes (plain,
# vectored, registered file, registered buffer, SQPOLL) are captured at
# submission; stores through a shared mapping are counted per process and
# file in the health report and /metrics. No raw token is ever printed.
. "$(dirname "$0")/lib.sh"

LOGS=$WORK/logs
URING=$BUILD/tests/uring_write
mkdir -p "$LOGS"
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/state
agent:
  health_interval: 1s
leaks:
  coalesce_delay: 200ms
watch:
  paths: ["$LOGS/**"]
journal:
  enabled: false
YAML
redacted() { echo "${1:0:4}...${1: -4}"; }

start_agent "$WORK/agent.yaml" || exit 1
port=$(grep -o '"port":[0-9]*' "$WORK/agent.err" | head -1 | cut -d: -f2)
curl -s "http://127.0.0.1:$port/metrics" >"$WORK/metrics.1"
for p in lw_sendfile lw_splice lw_copy_file_range lw_mmap lw_uring_submit; do
	check "$p is attached" grep -q "^leakwatch_programs_attached{program=\"$p\"} 1" "$WORK/metrics.1"
done

# mover VIA FILE: moves a line holding $TOKEN into FILE without write(2); prints "pid offset"
mover() {
	python3 - "$@" <<'PY'
import os, sys, tempfile
via, path = sys.argv[1], sys.argv[2]
line = b"2026-12-03T10:00:00Z INFO using token=" + os.environ["TOKEN"].encode() + b" upstream\n"
prefix = line.index(b"ghp_")
# not O_APPEND: sendfile, splice and copy_file_range refuse it
out = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
os.lseek(out, 0, os.SEEK_END)
os.write(out, b"starting\n")
start = os.lseek(out, 0, os.SEEK_CUR)
if via == "splice":
    r, w = os.pipe()
    os.write(w, line)
    os.splice(r, out, len(line))
else:
    src = tempfile.TemporaryFile()
    src.write(line)
    src.flush()
    if via == "sendfile":
        os.sendfile(out, src.fileno(), 0, len(line))
    else:
        os.copy_file_range(src.fileno(), out, len(line), 0)
print(os.getpid(), start + prefix, flush=True)
PY
}

for via in sendfile splice copy_file_range; do
	TOKEN=$(gh_token); export TOKEN
	read -r pid offset < <(mover "$via" "$LOGS/$via.log")
	expect_json "$via: read back from the file and found" "$WORK/agent.out" kind=leak \
		file.path="$LOGS/$via.log" file.offset="$offset" write.syscall="$via" process.pid="$pid" \
		"redacted=$(redacted "$TOKEN")"
	echo "$TOKEN" >>"$WORK/tokens"
done

for mode in write writev fixed-file fixed-buf sqpoll; do
	TOKEN=$(gh_token)
	echo "$TOKEN" >>"$WORK/tokens"
	want=io_uring_write comm=uring_write
	[ "$mode" = writev ] && want=io_uring_writev
	[ "$mode" = fixed-buf ] && want=io_uring_write_fixed
	[ "$mode" = sqpoll ] && comm=iou-sqp # the ring's kernel thread submits, in the process
	offset=$("$URING" "$mode" "$LOGS/uring-$mode.log" "key=$TOKEN")
	expect_json "io_uring $mode: captured at submission" "$WORK/agent.out" kind=leak \
		file.path="$LOGS/uring-$mode.log" file.offset=$((offset + 4)) write.syscall="$want" \
		"process.comm~$comm" "redacted=$(redacted "$TOKEN")"
done

TOKEN=$(gh_token); export TOKEN
echo "$TOKEN" >>"$WORK/tokens"
MPID=$(python3 - "$LOGS/mapped.log" <<'PY'
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
line = b"token=" + os.environ["TOKEN"].encode() + b"\n"
os.ftruncate(fd, 4096)
m = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
m[0:len(line)] = line
m.flush()
print(os.getpid())
PY
)
expect_json "mmap: counted per process and file in the health line" "$WORK/agent.err" msg=health \
	'drops.uncaptured_path!=0' uncaptured.*.via=mmap uncaptured.*.pid="$MPID" \
	uncaptured.*.path="$LOGS/mapped.log"
# /metrics is refreshed once a second
check "and in leakwatch_dropped_total{reason=\"uncaptured_path\"}" bash -c 'for _ in $(seq 30); do
	curl -s "http://127.0.0.1:$1/metrics" | grep -qE "^leakwatch_dropped_total\{reason=\"uncaptured_path\"\} [1-9]" && exit 0
	sleep 0.1; done; exit 1' _ "$port"
check "a mapped write is not reported as a leak" python3 "$JSONMATCH" "$WORK/agent.out" --absent \
	--timeout 1 file.path="$LOGS/mapped.log"

stop_agent
check "SIGTERM exits 0" test $? -eq 0
for f in agent.out agent.err; do
	check "no raw token in $f" bash -c '! grep -qFf "$1" "$2"' _ "$WORK/tokens" "$WORK/$f"
done
