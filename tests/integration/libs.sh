#!/usr/bin/env bash
# The libraries the agent loads only when it needs them (lib/os/dynlib.h):
# libcurl, libmicrohttpd, libsystemd and libssl. Each is hidden in turn, in
# a mount namespace of this test's own (`without`, lib.sh), and the command
# that needs it says which package to install, while those that do not go
# on working. The host's files are never touched. Fingerprints need no
# library: the same without libcrypto. (A TLS probe without libssl:
# probes.sh.)
. "$(dirname "$0")/lib.sh"

T=$(gh_token)
printf 'deploy log: token=%s\n' "$T" >"$WORK/leak.log"

LOADED=$(loaded_sonames | xargs)
for so in $LOADED; do
	check "$so is on this host, to be hidden" test -n "$(lib_path "$so")"
done
check "hidden, it cannot be loaded" bash -c '! (without "$1" python3 -c "import ctypes; ctypes.CDLL(\"libcurl.so.4\")") 2>/dev/null' \
	_ libcurl.so.4

# ---- the commands that never needed them -------------------------------------
printf 'deploy log: nothing to see\n' >"$WORK/clean.log"
LD_DEBUG=files "$LEAKWATCH" scan "$WORK/clean.log" >"$WORK/ld.out" 2>&1
for so in $LOADED; do
	check "a scan of a clean file never loads $so" bash -c '! grep -q "file=$1 " "$2"' _ "$so" "$WORK/ld.out"
done
for so in $LOADED; do
	(without "$so" "$LEAKWATCH" scan --format json "$WORK/leak.log") >"$WORK/scan.out" 2>"$WORK/scan.err"
	expect "without $so, scan of a file finds the token (exit 1)" 1 "$?"
	check "and reports it" grep -qF "\"redacted\":\"${T:0:4}...${T: -4}\"" "$WORK/scan.out"
	check "without $so, rules lists the rules" bash -c '(without "$1" "$2" rules) | grep -q github' _ "$so" "$LEAKWATCH"
done

# ---- fingerprints without libcrypto: the same, HMAC-SHA256 under the key ------
check "a scan of a clean file never loads libcrypto.so.3" bash -c '! grep -q "file=libcrypto.so.3 " "$1"' _ "$WORK/ld.out"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/fp.key"
(without libcrypto.so.3 "$LEAKWATCH" scan --format json --key "$WORK/fp.key" "$WORK/leak.log") \
	>"$WORK/nocrypto.out" 2>"$WORK/nocrypto.err"
expect "without libcrypto.so.3, scan finds the token (exit 1)" 1 "$?"
check "and says nothing of libcrypto" bash -c '! grep -Ei "libcrypto|libssl|error:|level.:.error" "$1"' _ "$WORK/nocrypto.err"
# the fingerprint is HMAC-SHA256(key, token), its first 128 bits, as
# Python's hmac computes it (the token read from the log, never printed
# nor put on a command line)
check "and its fingerprint is HMAC-SHA256 under the key" python3 - "$WORK/fp.key" "$WORK/nocrypto.out" "$WORK/leak.log" <<'PY'
import hmac, json, sys
key = bytes.fromhex(open(sys.argv[1]).read().strip())
found = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
fps = [f.get("fingerprint") for f in found if f.get("fingerprint")]
token = open(sys.argv[3]).read().split("token=", 1)[1].strip()
assert fps == [hmac.new(key, token.encode(), "sha256").hexdigest()[:32]], "fingerprint differs"
PY
LD_DEBUG=files "$LEAKWATCH" scan --key "$WORK/fp.key" "$WORK/leak.log" >/dev/null 2>"$WORK/ld-leak.out"
check "a scan that fingerprints loads no libcrypto" bash -c '! grep -q "file=libcrypto.so.3 " "$1"' _ "$WORK/ld-leak.out"

# run_fails_naming SONAME PACKAGE WHAT NAME: without SONAME, `run` with
# $WORK/NAME.yaml exits with an error (not a timeout) that names PACKAGE
run_fails_naming() {
	local rc
	timeout 30 bash -c 'without "$1" "$2" run --config "$3"' _ "$1" "$LEAKWATCH" "$WORK/$4.yaml" \
		>"$WORK/$4.out" 2>"$WORK/$4.err"
	rc=$?
	check "without ${1%%.so*}, run $3 fails (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
	expect_json "and names $2" "$WORK/$4.err" level=error "msg~cannot load $1" "msg~the $2 package"
}

# ---- run: the exporter without libcurl ---------------------------------------
cat >"$WORK/ship.yaml" <<YAML
state_dir: $WORK/state-ship
collector:
  url: http://127.0.0.1:$(free_port)
metrics:
  enabled: false
journal:
  enabled: false
YAML
run_fails_naming libcurl.so.4 libcurl4 "with a collector" ship

# ---- run: the metrics endpoint without libmicrohttpd -------------------------
cat >"$WORK/metrics.yaml" <<YAML
state_dir: $WORK/state-metrics
metrics:
  listen: 127.0.0.1:0
journal:
  enabled: false
YAML
run_fails_naming libmicrohttpd.so.12 libmicrohttpd12 "with metrics" metrics

# ---- run without libsystemd: on, without the journal -------------------------
cat >"$WORK/nojournal.yaml" <<YAML
state_dir: $WORK/state-nojournal
metrics:
  listen: 127.0.0.1:0
YAML
without libsystemd.so.0 "$LEAKWATCH" run --config "$WORK/nojournal.yaml" >"$WORK/agent.out" 2>"$WORK/agent.err" &
AGENT_PID=$!
on_exit "kill $AGENT_PID 2>/dev/null"
expect_json "without libsystemd, run says the journal is not followed" "$WORK/agent.err" \
	"msg~no libsystemd on this host" "msg~the libsystemd0 package" "msg~not followed"
expect_json "and runs on" "$WORK/agent.err" "msg~start-up inventory"
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
expect "and stops cleanly" 0 "$?"
(without libsystemd.so.0 "$LEAKWATCH" scan --journal) >"$WORK/sj.out" 2>"$WORK/sj.err"
rc=$?
check "without libsystemd, scan --journal fails (exit $rc)" test "$rc" -ge 2
check "and names libsystemd0" grep -q "cannot read the journal: cannot load libsystemd.so.0.*(the libsystemd0 package)" \
	"$WORK/sj.err"

for f in scan.out scan.err nocrypto.out nocrypto.err ship.err metrics.err agent.out agent.err sj.err; do
	check "no raw token in $f" bash -c '! grep -qF "$1" "$2"' _ "$T" "$WORK/$f"
done
