#!/usr/bin/env bash
# Credentials by role: agents hold ingest tokens, which can only send events
# (and only for their own hosts where a credential says so); people hold
# operator tokens, which read findings and acknowledge leaks. A node's token
# can therefore not silence the fleet. Tokens are made by `token create`,
# configured by their digest, rotated by SIGHUP while a real agent sends,
# and never logged.
. "$(dirname "$0")/lib.sh"

PB="$LW_ROOT/tests/integration/pbbatch.py"
STATE=$WORK/cstate
mkdir -p "$STATE"
printf 'state_dir: %s\n' "$STATE" >"$WORK/base.yaml"
# new_token ROLE NAME: the token in $WORK/NAME.token (0600); its digest file named by the output
new_token() {
	( umask 077; "$COLLECTOR" token create --role "$1" --name "$2" --config "$WORK/base.yaml" \
		>"$WORK/$2.token" 2>"$WORK/$2.create" )
}
new_token ingest fleet || fail "token create --role ingest"
new_token ingest db-nodes
new_token operator alice
check "token create prints a 64-hex token once, and writes only its digest" python3 - "$WORK" "$STATE" <<'PY'
import hashlib, os, re, sys
work, state = sys.argv[1:3]
tok = open(f"{work}/fleet.token").read().strip()
assert re.fullmatch(r"[0-9a-f]{64}", tok), tok
digest = open(f"{state}/auth/ingest-fleet.sha256").read().strip()
assert digest == hashlib.sha256(tok.encode()).hexdigest()
assert tok not in open(f"{work}/fleet.create").read()
assert os.stat(f"{state}/auth/ingest-fleet.sha256").st_mode & 0o007 == 0  # not for every user
PY
check "    a second one under the same name is refused" bash -c \
	"! '$COLLECTOR' token create --role ingest --name fleet --config '$WORK/base.yaml' >/dev/null 2>&1"

cat >"$WORK/collector.yaml" <<EOF
state_dir: $STATE
server:
  listen: 127.0.0.1:0
  auth:
    ingest:
      - {name: fleet, digest_file: $STATE/auth/ingest-fleet.sha256}
      - {name: db-nodes, digest_file: $STATE/auth/ingest-db-nodes.sha256, hosts: ["db-*"]}
    operator:
      - {name: alice, digest_file: $STATE/auth/operator-alice.sha256}
log:
  level: debug
EOF
start_collector "$WORK/collector.yaml" || exit 1
check "no legacy token is made when server.auth is set" test ! -e "$STATE/token"

# as NAME METHOD PATH [BODY]: the HTTP status, with NAME's token (none: no header)
as() {
	local name=$1 method=$2 path=$3 body=${4:-} hdr=()
	[ "$name" != none ] && hdr=(-H "Authorization: Bearer $(cat "$WORK/$name.token")")
	if [ -n "$body" ]; then
		curl -s -o "$WORK/last.body" -w '%{http_code}' -X "$method" "${hdr[@]}" \
			-H 'Content-Type: application/x-protobuf' -H 'Content-Encoding: gzip' \
			--data-binary @"$body" "$URL$path"
	else
		curl -s -o "$WORK/last.body" -w '%{http_code}' -X "$method" "${hdr[@]}" "$URL$path"
	fi
}
FP=0123456789abcdef0123456789abcdef
batch() { # HOST SEQ FILE: a leak and a listener from HOST, as a gzip EventBatch
	python3 - "$1" "$2" "$FP" >"$3.json" <<'PY' && python3 "$PB" batch "$3.json" --gzip >"$3"
import json, sys
host, seq, fp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
print(json.dumps({"agent_id": f"agent-{host}", "sequence": seq, "events": [
    {"host": {"hostname": host}, "process": {"pid": 1, "comm": "api"},
     "leak": {"rule": "github-pat", "severity": "high", "redacted": "ghp_...abcd", "fingerprint": fp,
              "path": "/var/log/api.log", "count": 1}},
    {"host": {"hostname": host}, "listener": {"action": "open", "protocol": "tcp", "address": "0.0.0.0",
     "port": 6379, "netns": 1, "exposure": "public", "severity": "high"}}]}))
PY
}
batch db-1 1 "$WORK/db1.pb.gz"
batch web-3 1 "$WORK/web3.pb.gz"

# --- every role against every endpoint ----------------------------------------
declare -A WANT=(
	[none:POST:/v1/events]=401 [fleet:POST:/v1/events]=200 [alice:POST:/v1/events]=403
	[none:GET:/v1/findings]=401 [fleet:GET:/v1/findings]=403 [alice:GET:/v1/findings]=200
	[none:POST:/v1/findings/$FP/ack]=401 [fleet:POST:/v1/findings/$FP/ack]=403
	[none:GET:/healthz]=200 [fleet:GET:/healthz]=200 [alice:GET:/healthz]=200
	[none:GET:/metrics]=200 [fleet:GET:/metrics]=200 [alice:GET:/metrics]=200
)
bad=""
for key in "${!WANT[@]}"; do
	IFS=: read -r who method path <<<"$key"
	body=""
	[ "$path" = /v1/events ] && body="$WORK/db1.pb.gz"
	got=$(as "$who" "$method" "$path" "$body")
	[ "$got" = "${WANT[$key]}" ] || bad="$bad $key=$got(want ${WANT[$key]})"
done
check "each credential on each endpoint: 200, 401 or 403 as its role says" test -z "$bad" || echo "   $bad"
as fleet GET /v1/findings >/dev/null
check "    a 403 names the credential and the role it lacks" grep -q 'credential fleet has the ingest role; this needs operator' "$WORK/last.body"
check "    the ingest token's ack changed nothing" bash -c \
	"[ \"\$(dbq '$STATE/collector.db' \"SELECT CASE WHEN acked_ns IS NULL THEN 1 ELSE 0 END FROM leaks WHERE fingerprint = '$FP'\")\" = 1 ]"
expect "an operator acknowledges" 200 "$(as alice POST "/v1/findings/$FP/ack")"
expect "    recorded as acknowledged by the credential's name" alice \
	"$(dbq "$STATE/collector.db" "SELECT acked_by FROM leaks WHERE fingerprint = '$FP'")"

# --- query and ack against a running collector, with an operator token ----------
FP2=fedcba9876543210fedcba9876543210
FP=$FP2 batch db-2 1 "$WORK/db2.pb.gz"
expect "a second leak arrives, from db-2" 200 "$(as fleet POST /v1/events "$WORK/db2.pb.gz")"
"$COLLECTOR" query --url "$URL" --token-file "$WORK/alice.token" --kind leak >"$WORK/rq.out" 2>"$WORK/rq.err"
check "query --url --token-file: the running collector's table" bash -c \
	'grep -q FINGERPRINT "$1" && grep -q "$2" "$1"' _ "$WORK/rq.out" "$FP2"
LEAKWATCH_COLLECTOR_TOKEN=$(cat "$WORK/alice.token") "$COLLECTOR" query --url "$URL" --format json \
	--host db-2 --kind leak >"$WORK/rq.json" 2>"$WORK/rq.err"
check "    the token from LEAKWATCH_COLLECTOR_TOKEN; --format json and --host as offline" python3 - "$WORK/rq.json" "$FP2" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 1 and sys.argv[2] in json.dumps(rows[0]), rows
PY
"$COLLECTOR" query --url "$URL" --token-file "$WORK/fleet.token" >/dev/null 2>"$WORK/rq.err"
rc=$?
check "    with an ingest token: exit 2, and the 403 said" bash -c \
	'[ "$1" -eq 2 ] && grep -q "HTTP 403: forbidden: credential fleet has the ingest role" "$2"' _ "$rc" "$WORK/rq.err"
env -u LEAKWATCH_COLLECTOR_TOKEN "$COLLECTOR" query --url "$URL" >/dev/null 2>"$WORK/rq.err"
rc=$?
check "    with none: exit 2, naming where a token may come from" bash -c \
	'[ "$1" -eq 2 ] && grep -q -- "--token-file FILE, or LEAKWATCH_COLLECTOR_TOKEN" "$2"' _ "$rc" "$WORK/rq.err"
check "    no option takes the token itself" bash -c \
	'! "$1" query --url "$2" --token "$(cat "$3")" >/dev/null 2>&1' _ "$COLLECTOR" "$URL" "$WORK/alice.token"
"$COLLECTOR" ack --url "$URL" --token-file "$WORK/alice.token" "$FP2" >"$WORK/ra.out" 2>&1
rc=$?
check "ack --url: acknowledged through the API (exit 0)" bash -c \
	'[ "$1" -eq 0 ] && grep -q "^$2 acknowledged: [0-9]* alert(s) resolved" "$3"' _ "$rc" "$FP2" "$WORK/ra.out"
expect "    recorded as the operator credential's name" alice \
	"$(dbq "$STATE/collector.db" "SELECT acked_by FROM leaks WHERE fingerprint = '$FP2'")"
"$COLLECTOR" ack --url "$URL" --token-file "$WORK/alice.token" 00000000000000000000000000000000 >/dev/null 2>&1
expect "    an unknown fingerprint: exit 1" 1 "$?"
"$COLLECTOR" ack --url "$URL" --token-file "$WORK/fleet.token" "$FP2" >/dev/null 2>"$WORK/ra.err"
expect "    an ingest token cannot: exit 2" 2 "$?"

# --- an ingest credential bound to hosts --------------------------------------
expect "db-nodes reports for db-1" 200 "$(as db-nodes POST /v1/events "$WORK/db1.pb.gz")"
expect "db-nodes reporting for web-3: 403" 403 "$(as db-nodes POST /v1/events "$WORK/web3.pb.gz")"
expect "    nothing of it stored" 0 "$(dbq "$STATE/collector.db" "SELECT count(*) FROM events WHERE hostname = 'web-3'")"
check "    counted as host_mismatch" bash -c \
	"curl -s '$URL/metrics' | grep -q 'leakwatch_collector_rejected_total{reason=\"host_mismatch\"} 1'"

# --- rotation under SIGHUP while a real agent sends ----------------------------
cat >"$WORK/agent.yaml" <<YAML
state_dir: $WORK/agent
collector:
  url: $URL
  token_file: $WORK/agent.token
  flush_interval: 200ms
  max_backoff: 1s
YAML
cp "$WORK/fleet.token" "$WORK/agent.token"
start_agent "$WORK/agent.yaml" || exit 1
# listeners the agent reports, one a tenth of a second, before, during and after the rotation
python3 - >/dev/null 2>&1 <<'PY' &
import socket, time
socks = []
for p in range(42100, 42160):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", p)); socks.append(s)
    time.sleep(0.1)
time.sleep(600)
PY
BINDER=$!
on_exit "kill $BINDER"
sleep 1
new_token ingest fleet-2
python3 - "$WORK/collector.yaml" "$STATE" <<'PY'
import sys
p, state = sys.argv[1:3]
s = open(p).read().replace("    operator:", f"      - {{name: fleet-2, digest_file: {state}/auth/ingest-fleet-2.sha256}}\n    operator:")
open(p, "w").write(s)
PY
collector_hup
expect_json "SIGHUP: the new credential is in force" "$WORK/collector.err" 'msg~credentials: 4 in force'
cp "$WORK/fleet-2.token" "$WORK/agent.token.new" && mv "$WORK/agent.token.new" "$WORK/agent.token"
sleep 1
sed -i '/name: fleet, digest_file/d' "$WORK/collector.yaml"
collector_hup
expect_json "SIGHUP: the old one removed" "$WORK/collector.err" 'msg~credentials: 3 in force'
expect "the old token is refused at once" 401 "$(as fleet POST /v1/events "$WORK/db1.pb.gz")"
sleep 5
if [ "${LW_STORAGE:-sqlite}" = postgres ]; then ids_sql="SELECT encode(id, 'hex') FROM events"
else ids_sql="SELECT lower(hex(id)) FROM events"; fi
dbq "$STATE/collector.db" "$ids_sql" >"$WORK/stored-ids"
check "every listener the agent reported was stored: none lost across the rotation" python3 - \
	"$WORK/agent.out" "$WORK/stored-ids" <<'PY'
import json, sys
sent = {json.loads(l)["id"] for l in open(sys.argv[1])
        if '"kind":"listener"' in l and 42100 <= json.loads(l).get("port", 0) < 42160}
stored = {l.strip() for l in open(sys.argv[2])}
want = {i.replace("-", "") for i in sent}
assert len(sent) >= 50, len(sent)
missing = want - stored
assert not missing, f"{len(missing)} of {len(want)} missing"
print(f"    {len(want)} events sent and stored")
PY
stop_agent

# --- no token or digest in any log ----------------------------------------------
check "no token and no digest in the collector's or the agent's output" python3 - "$WORK" "$STATE" <<'PY'
import glob, os, sys
work, state = sys.argv[1:3]
secrets = [open(f).read().strip() for f in glob.glob(f"{work}/*.token")]
secrets += [open(f).read().strip() for f in glob.glob(f"{state}/auth/*.sha256")]
for log in ("collector.out", "collector.err", "agent.out", "agent.err"):
    text = open(os.path.join(work, log)).read() if os.path.exists(os.path.join(work, log)) else ""
    for s in secrets:
        assert s not in text, (log, "a secret")
PY
stop_collector
check "the collector stops cleanly" test $? -eq 0

# --- upgrade: a single server.token_file still holds both roles -----------------
cp "$WORK/alice.token" "$WORK/legacy.token"
chmod 600 "$WORK/legacy.token"
printf 'state_dir: %s/legacy\nserver:\n  listen: 127.0.0.1:0\n  token_file: %s/legacy.token\n' "$WORK" "$WORK" \
	>"$WORK/legacy.yaml"
start_collector "$WORK/legacy.yaml" || exit 1
expect "a token_file token still sends events" 200 "$(as legacy POST /v1/events "$WORK/db1.pb.gz")"
expect "    and still reads findings" 200 "$(as legacy GET /v1/findings)"
expect "    with one deprecation warning naming the new keys" 1 \
	"$(grep -c 'token_file: one token for every role is deprecated.*server.auth.ingest and server.auth.operator' "$WORK/collector.err")"
stop_collector
