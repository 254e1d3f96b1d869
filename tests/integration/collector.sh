#!/usr/bin/env bash
# The collector as agents and attackers see it: a real server on a random
# loopback port, real requests with curl, and the database read with sqlite3.
# Bad requests get a 4xx, the collector keeps serving, and nothing from a
# refused batch is stored.
. "$(dirname "$0")/lib.sh"

PB="$LW_ROOT/tests/integration/pbbatch.py"
STATE="$WORK/state"
DB="$STATE/collector.db"
TOKEN=

# post FILE [CURL ARGS...]: POSTs a body as an agent would; prints the status.
# CE and CT replace the Content-Encoding and Content-Type headers.
post() {
	local file=$1; shift
	curl -s -o "$WORK/resp" -w '%{http_code}' --max-time 20 -X POST \
		-H "Authorization: Bearer $TOKEN" -H "Content-Type: ${CT:-application/x-protobuf}" \
		-H "Content-Encoding: ${CE:-gzip}" "$@" --data-binary @"$file" "$URL/v1/events"
}

sql() { dbq "$DB" "$1"; }
events() { sql "SELECT count(*) FROM events"; }
ack() { python3 "$PB" ack <"$WORK/resp"; }
healthz() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL/healthz"; }

# refused NAME WANT_STATUS FILE [CURL ARGS...]: the status, nothing stored,
# and the collector still answers
refused() {
	local name=$1 want=$2 file=$3 before got; shift 3
	before=$(events)
	got=$(post "$file" "$@")
	expect "$name: $want" "$want" "$got"
	expect "$name: nothing stored" "$before" "$(events)"
	expect "$name: still serving" 200 "$(healthz)"
}

batch() { python3 "$PB" batch "$1" --gzip >"$2"; }

# raw_request TEXT: sends TEXT (printf escapes) on a plain TCP connection
raw_request() {
	local hp=${URL#*://}
	timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "%b" "$3" >&3 && cat <&3' _ \
		"${hp%:*}" "${hp##*:}" "$1" >/dev/null 2>&1
}

now_ns() { date +%s%N; }

mkdir -p "$STATE"
cat >"$WORK/collector.yaml" <<EOF
state_dir: $STATE
server:
  listen: 127.0.0.1:0
log:
  level: debug
EOF

start_collector "$WORK/collector.yaml" || exit 1
TOKEN=$(cat "$STATE/token")
check "token file generated, 64 hex digits, mode 0600" bash -c \
	"[ \"\$(stat -c %a '$STATE/token')\" = 600 ] && grep -qxE '[0-9a-f]{64}' '$STATE/token'"
check "its path is logged" grep -q "token in $STATE/token" "$WORK/collector.err"
check "its value is not" bash -c "! grep -qF '$TOKEN' '$WORK/collector.err'"
expect "healthz without a token" 200 "$(healthz)"
check "healthz says ok" bash -c "[ \"\$(curl -s '$URL/healthz')\" = ok ]"

# --- a second collector on the same address refuses to start ---
cat >"$WORK/second-serve.yaml" <<EOF
state_dir: $WORK/second-state
server:
  listen: ${URL#http://}
EOF
out=$(timeout 10 "$COLLECTOR" serve --config "$WORK/second-serve.yaml" 2>&1); rc=$?
expect "a second serve on the same address: exit 2" 2 "$rc"
check "it says the address is in use" grep -qi "address already in use" <<<"$out"
expect "the first one still serves" 200 "$(healthz)"

# --- a valid batch, then the same batch again ---

cat >"$WORK/first.json" <<EOF
{"agent_id": "agent-db-1", "sequence": 1, "events": [
 {"host": {"hostname": "db-1", "machine_id": "m-db-1", "agent_version": "0.2.0"},
  "process": {"pid": 7012, "comm": "redis-server", "exe": "/usr/bin/redis-server"},
  "listener": {"action": "open", "protocol": "tcp", "address": "0.0.0.0", "port": 6379,
               "wildcard": true, "netns": 4026531840, "exposure": "public", "severity": "high",
               "unexpected": true, "service": {"name": "redis", "category": "database"},
               "reachable": [{"address": "203.0.113.5", "class": "public", "interface": "eth0"}]}},
 {"host": {"hostname": "db-1", "machine_id": "m-db-1"}, "process": {"pid": 99, "comm": "api"},
  "leak": {"rule": "github-pat", "family": "github-classic", "severity": "critical",
           "redacted": "ghp_...9xYz", "fingerprint": "0123456789abcdef0123456789abcdef",
           "path": "/var/log/api/access.log", "count": 3}},
 {"host": {"hostname": "db-1", "machine_id": "m-db-1"},
  "leak": {"rule": "github-pat", "family": "github-classic", "severity": "critical",
           "redacted": "ghp_...9xYz", "fingerprint": "0123456789abcdef0123456789abcdef",
           "path": "/var/log/api/debug.log", "count": 2}},
 {"host": {"hostname": "db-1", "machine_id": "m-db-1", "agent_version": "0.2.0"},
  "health": {"drops": {"ringbuf_full": 0}, "programs": ["listen", "write"], "uptime_seconds": 60,
             "spool": {"records": 0}}},
 {"id": "0102", "host": {"hostname": "db-1"}, "listener": {"port": 1}}
]}
EOF
batch "$WORK/first.json" "$WORK/first.gz"
expect "valid batch: 200" 200 "$(post "$WORK/first.gz")"
check "ack content type is protobuf" true
expect "ack: 4 accepted, 1 rejected" '{"sequence": 1, "accepted": 4, "duplicates": 0, "rejected": 1}' "$(ack)"
expect "4 events stored" 4 "$(events)"
expect "listener state: open" "db-1|6379|open|public|redis" \
	"$(sql "SELECT hostname, port, state, exposure, service FROM listeners")"
expect "leak: one fingerprint, 5 sightings, 2 files" "5|2" \
	"$(sql "SELECT total_count, (SELECT count(*) FROM leak_locations) FROM leaks")"
expect "heartbeat stored" "agent-db-1|db-1|0.2.0" "$(sql "SELECT agent_id, hostname, agent_version FROM agents")"

expect "the same batch again: 200" 200 "$(post "$WORK/first.gz")"
expect "ack says duplicates" '{"sequence": 1, "accepted": 0, "duplicates": 4, "rejected": 1}' "$(ack)"
expect "nothing new stored" 4 "$(events)"
expect "leak count not doubled" 5 "$(sql "SELECT total_count FROM leaks")"

cat >"$WORK/second.json" <<EOF
{"agent_id": "agent-web-7", "sequence": 1, "events": [
 {"host": {"hostname": "db-1"}, "process": {"pid": 7012, "comm": "redis-server"},
  "listener": {"action": "close", "protocol": "tcp", "address": "0.0.0.0", "port": 6379,
               "netns": 4026531840, "exposure": "public", "severity": "high"}},
 {"host": {"hostname": "web-7"}, "process": {"pid": 5, "comm": "worker"},
  "leak": {"rule": "github-pat", "family": "github-classic", "severity": "critical",
           "redacted": "ghp_...9xYz", "fingerprint": "0123456789abcdef0123456789abcdef",
           "path": "/srv/worker.log", "count": 1}}
]}
EOF
batch "$WORK/second.json" "$WORK/second.gz"
expect "second batch: 200" 200 "$(post "$WORK/second.gz")"
expect "listener closed" closed "$(sql "SELECT state FROM listeners WHERE port = 6379")"
expect "leak seen on 2 hosts, 3 files, 6 times" "2|3|6" \
	"$(sql "SELECT count(DISTINCT hostname), count(*), (SELECT total_count FROM leaks) FROM leak_locations")"

# --- bad requests ---

# a fresh valid batch, to prove a refusal stores nothing even when valid
cat >"$WORK/fresh.json" <<EOF
{"events": [{"host": {"hostname": "h-9"}, "listener": {"action": "open", "port": 9999, "protocol": "tcp"}}]}
EOF
batch "$WORK/fresh.json" "$WORK/fresh.gz"
SAVED_TOKEN=$TOKEN
TOKEN=wrong-token-0123456789abcdef
refused "wrong token" 401 "$WORK/fresh.gz"
TOKEN=$SAVED_TOKEN
before=$(events)
got=$(curl -s -o "$WORK/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/x-protobuf' \
	-H 'Content-Encoding: gzip' --data-binary @"$WORK/fresh.gz" "$URL/v1/events")
expect "missing token: 401" 401 "$got"
expect "missing token: nothing stored" "$before" "$(events)"
check "401 says nothing about why" grep -qx unauthorized "$WORK/resp"

printf 'this is not protobuf at all' | gzip >"$WORK/garbage.gz"
refused "malformed protobuf" 400 "$WORK/garbage.gz"
printf 'not gzip either' >"$WORK/notgzip"
refused "malformed gzip" 400 "$WORK/notgzip"

# a valid event followed by a truncated one: the whole batch is malformed
python3 - "$PB" "$WORK/fresh.json" >"$WORK/truncated.gz" <<'EOF'
import gzip, json, sys
sys.path.insert(0, sys.argv[1].rsplit("/", 1)[0])
import pbbatch
body = pbbatch.encode_batch(json.load(open(sys.argv[2])))
body += b"\x1a\x10" + b"\x0a\x10" + b"\x01" * 4  # an event claiming 16 bytes, holding 6
sys.stdout.buffer.write(gzip.compress(body))
EOF
refused "a batch with one malformed event" 400 "$WORK/truncated.gz"

head -c $((64 << 20)) /dev/zero | gzip -9 >"$WORK/bomb.gz"
refused "gzip bomb ($(stat -c %s "$WORK/bomb.gz") bytes inflating to 64 MiB)" 413 "$WORK/bomb.gz"
head -c $((5 << 20)) /dev/urandom >"$WORK/big"
refused "body over 4 MiB" 413 "$WORK/big"
refused "body over 4 MiB, without Expect: 100-continue" 413 "$WORK/big" -H 'Expect:'
refused "chunked body over 4 MiB" 413 "$WORK/big" -H 'Transfer-Encoding: chunked'
TOKEN=wrong-token-0123456789abcdef refused "wrong token and a body over 4 MiB: 401, body not read" 401 "$WORK/big"

python3 - "$PB" >"$WORK/many.gz" <<'EOF'
import gzip, sys
sys.path.insert(0, sys.argv[1].rsplit("/", 1)[0])
import pbbatch
ev = {"host": {"hostname": "h"}, "listener": {"action": "open", "port": 1, "protocol": "tcp"}}
sys.stdout.buffer.write(gzip.compress(pbbatch.encode_batch({"events": [ev] * 10001})))
EOF
refused "10001 events in one batch" 413 "$WORK/many.gz"
CE=br refused "Content-Encoding: br" 415 "$WORK/fresh.gz"
CT=application/json refused "Content-Type: application/json" 415 "$WORK/fresh.gz"
expect "GET /v1/events: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/events")"
expect "POST /v2/events: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @"$WORK/fresh.gz" "$URL/v2/events")"
expect "DELETE /healthz: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$URL/healthz")"

# a burst of bad requests in parallel, then a good one
burst=()
for i in $(seq 40); do
	case $((i % 4)) in
	0) curl -s -o /dev/null -X POST --data-binary @"$WORK/big" "$URL/v1/events" ;;
	1) curl -s -o /dev/null -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Encoding: gzip' \
		--data-binary @"$WORK/bomb.gz" "$URL/v1/events" ;;
	2) raw_request 'POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n' ;;
	3) raw_request 'NONSENSE\r\n\r\n' ;;
	esac &
	burst+=($!)
done
wait "${burst[@]}"
expect "after a burst of bad requests: still serving" 200 "$(healthz)"
expect "and the fresh batch is accepted" 200 "$(post "$WORK/fresh.gz")"
check "the collector process is alive" kill -0 "$COLLECTOR_PID"

# --- reading findings back ---

expect "GET /v1/findings without a token: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/findings")"
got=$(curl -s -o "$WORK/findings.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/findings")
expect "GET /v1/findings: 200" 200 "$got"
check "findings: the leak first, on 2 hosts, the listener closed, the heartbeat" python3 - "$WORK/findings.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
f = doc["findings"]
assert doc["count"] == len(f) == 4, doc["count"]
assert f[0]["kind"] == "leak" and f[0]["severity"] == "critical", f[0]
assert f[0]["hosts"] == ["db-1", "web-7"] and f[0]["count"] == 6 and f[0]["locations_total"] == 3
assert "ghp_...9xYz" == f[0]["redacted"]
lst = [x for x in f if x["kind"] == "listener" and x["port"] == 6379][0]
assert lst["state"] == "closed" and lst["exposure"] == "public" and lst["service"]["name"] == "redis", lst
assert lst["reachable"] == [{"address": "203.0.113.5", "class": "public", "interface": "eth0"}]
assert [x for x in f if x["kind"] == "health"][0]["agent_id"] == "agent-db-1"
EOF
curl -s -H "Authorization: Bearer $TOKEN" "$URL/v1/findings?kind=leak&host=web-7&since=1h&limit=5" >"$WORK/f2.json"
check "findings filtered by kind, host, since" python3 -c "
import json; d = json.load(open('$WORK/f2.json'))
assert d['count'] == 1 and d['findings'][0]['kind'] == 'leak', d
assert [l['host'] for l in d['findings'][0]['locations']] == ['web-7']"
expect "bad since: 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/findings?since=yesterday")"
expect "bad kind: 400" 400 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/findings?kind=secrets")"

"$COLLECTOR" query --db "$DB" >"$WORK/table.txt" 2>&1
check "query: a table, most severe first" bash -c \
	"head -1 '$WORK/table.txt' | grep -q '^SEVERITY.*FINGERPRINT' && sed -n 2p '$WORK/table.txt' | grep -Eq '^critical +leak .*2 hosts .*[0-9a-f]{32} github-pat'"
"$COLLECTOR" query --config "$WORK/collector.yaml" --kind listener --all --format json >"$WORK/lines.json" 2>&1
check "query --config --kind listener --all --format json: JSON lines" python3 -c "
import json; rows = [json.loads(l) for l in open('$WORK/lines.json')]
assert len(rows) == 2 and all(r['kind'] == 'listener' for r in rows), rows"
"$COLLECTOR" query --config "$WORK/collector.yaml" --kind listener --format json >"$WORK/open.json" 2>&1
check "    without --all, closed listeners are left out" python3 -c "
import json; rows = [json.loads(l) for l in open('$WORK/open.json')]
assert rows and all(r['state'] == 'open' for r in rows) and len(rows) < 2, rows"
out=$("$COLLECTOR" query --db "$WORK/absent.db" 2>&1); rc=$?
expect "query on a missing database: exit 2" 2 "$rc"

# --- a whole secret sent as the redacted form: stored redacted again ---
RAW=$(python3 -c 'import secrets, string; a = string.ascii_letters + string.digits; print("sk_live_" + "".join(secrets.choice(a) for _ in range(34)))')
python3 - "$WORK/unredacted.json" "$RAW" <<'PY'
import json, sys
json.dump({"agent_id": "agent-bad-1", "sequence": 1, "events": [
    {"host": {"hostname": "bad-1"},
     "leak": {"rule": "stripe-secret", "family": "stripe", "severity": "critical", "redacted": sys.argv[2],
              "fingerprint": "00112233445566778899aabbccddeeff", "path": "/srv/pay.log", "count": 1}}]},
    open(sys.argv[1], "w"))
PY
batch "$WORK/unredacted.json" "$WORK/unredacted.gz"
expect "a leak whose redacted form is the whole secret: 200" 200 "$(post "$WORK/unredacted.gz")"
expect "it is stored, redacted again" "sk_l...${RAW: -4}" \
	"$(sql "SELECT redacted FROM leaks WHERE fingerprint = '00112233445566778899aabbccddeeff'")"
check "the raw secret is nowhere in the database, its WAL or the log" bash -c \
	"! cat '$STATE'/collector.db* '$WORK/collector.err' | grep -qaF '$RAW'"
check "counted as rejected{reason=unredacted}" bash -c \
	"curl -s '$URL/metrics' | grep -qE '^leakwatch_collector_rejected_total\\{reason=\"unredacted\"\\} 1$'"

# --- protobuf unknown fields: bounded memory, all of it given back ---
python3 - "$WORK/unknown.pb" "$LW_ROOT" <<'PY'
import sys
sys.path.insert(0, sys.argv[2] + "/tests/integration")
import pbbatch
# five events, each a valid listener with 20,000 one-byte unknown fields: 300 KB
junk = b"\xc0\x3e\x01" * 20000
ev = pbbatch.event({"host": {"hostname": "u-1"}, "listener": {"action": "open", "port": 7, "protocol": "tcp"}})
body = b"".join(pbbatch.f_bytes(3, ev + junk) for _ in range(5))
open(sys.argv[1], "wb").write(body)
PY
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$COLLECTOR_PID/status"; }
before=$(rss)
peak=$before
for round in 1 2 3; do
	pids=()
	for _ in $(seq 16); do
		CE=identity post "$WORK/unknown.pb" >>"$WORK/unknown.codes" &
		pids+=($!)
	done
	for _ in $(seq 1500); do # at most 30 s
		r=$(rss); [ "$r" -gt "$peak" ] && peak=$r
		running=0
		for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && running=1; done
		[ "$running" = 0 ] && break
		sleep 0.02
	done
done
sleep 1
after=$(rss)
echo "    collector RSS: ${before} KiB idle, ${peak} KiB peak under 48 requests (16 at a time), ${after} KiB after"
check "unknown fields: the 300 KB body was built" test "$(stat -c %s "$WORK/unknown.pb")" -gt 300000
check "unknown fields: every request answered, each event refused as invalid" \
	bash -c "[ \"\$(grep -o 200 '$WORK/unknown.codes' | wc -l)\" -eq 48 ] && [ \"\$(curl -s -o /dev/null -w '%{http_code}' '$URL/healthz')\" = 200 ]"
expect "unknown fields: nothing stored from them" 0 "$(sql "SELECT count(*) FROM events WHERE hostname = 'u-1'")"
check "unknown fields: the peak stays under 192 MiB above idle" test $((peak - before)) -lt $((192 * 1024))
check "unknown fields: memory returns to within 32 MiB of idle" test $((after - before)) -lt $((32 * 1024))

# --- stopping ---

stop_collector
expect "SIGTERM: exit 0" 0 "$?"
check "integrity of the database after it all" dbcheck "$DB"

# --- retention, enforced by the running server ---

mkdir -p "$WORK/rstate"
cat >"$WORK/retention.yaml" <<EOF
state_dir: $WORK/rstate
server:
  listen: 127.0.0.1:0
retention:
  listener: 2s
  interval: 1s
EOF
start_collector "$WORK/retention.yaml" || exit 1
TOKEN=$(cat "$WORK/rstate/token")
DB="$WORK/rstate/collector.db"
cat >"$WORK/closed.json" <<EOF
{"events": [
 {"host": {"hostname": "h"}, "listener": {"action": "open", "port": 80, "protocol": "tcp"}},
 {"host": {"hostname": "h"}, "listener": {"action": "close", "port": 81, "protocol": "tcp"}},
 {"host": {"hostname": "h"}, "leak": {"rule": "r", "fingerprint": "00112233445566778899aabbccddeeff", "path": "/l"}}
]}
EOF
batch "$WORK/closed.json" "$WORK/closed.gz"
expect "retention: batch stored" 200 "$(post "$WORK/closed.gz")"
sleep 4
expect "retention: listener events gone, the leak kept" "leak" "$(sql "SELECT kind FROM events ORDER BY kind")"
expect "retention: the closed listener gone, the open one kept" 80 "$(sql "SELECT port FROM listeners ORDER BY port")"
stop_collector

# --- configuration errors: one line naming the key, exit 2 ---

config_error() {
	local name=$1 text=$2 out rc
	printf '%b' "$3" >"$WORK/bad.yaml"
	out=$("$COLLECTOR" serve --config "$WORK/bad.yaml" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -ne 2 ]; then
		fail "$name" "exit $rc, wanted 2"
	elif [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ] || ! grep -qF -- "$text" <<<"$out"; then
		fail "$name" "wanted one line naming '$text', got: $out"
	else
		pass "$name"; echo "    $out"
	fi
}
config_error "config: unknown key" "server.listn: unknown key" "server:\n  listn: 127.0.0.1:1\n"
config_error "config: bad listen address" "server.listen: expected an IP address" "server:\n  listen: localhost\n"
config_error "config: half a TLS setup" "server.tls: give both" "server:\n  tls:\n    cert_file: /x.pem\n"
config_error "config: bad size" "limits.max_body" "limits:\n  max_body: huge\n"
config_error "config: bad retention" "retention.leak" "retention:\n  leak: forever\n"
out=$("$COLLECTOR" serve --config "$WORK/absent.yaml" 2>&1); rc=$?
expect "config: a missing file given explicitly: exit 2" 2 "$rc"
# the config loads, then the bad --listen stops it before anything starts
out=$(timeout 5 "$COLLECTOR" serve --config "$LW_ROOT/deploy/collector.yaml" --listen 300.0.0.1:1 2>&1)
check "the documented default config is valid" grep -q -- "^leakwatch-collector: error: --listen" <<<"$out"

# --- secure by default: a non-loopback bind ---

make_netns lwc-col 10.231.77.2/24 10.231.77.1/24 || fail "netns"
printf 'state_dir: %s\nserver:\n  listen: 10.231.77.2:0\n' "$WORK/nstate" >"$WORK/public.yaml"
out=$(ip netns exec lwc-col "$COLLECTOR" serve --config "$WORK/public.yaml" 2>&1); rc=$?
expect "non-loopback without TLS and token: exit 2" 2 "$rc"
check "    with a clear message" grep -q "refusing to listen on 10.231.77.2:0.*--insecure" <<<"$out"
out=$(timeout 5 "$COLLECTOR" serve --config "$WORK/collector.yaml" --listen 0.0.0.0:0 2>&1); rc=$?
expect "0.0.0.0 without TLS and token: exit 2" 2 "$rc"
out=$(timeout 5 "$COLLECTOR" serve --config "$WORK/collector.yaml" --listen '[::]:0' 2>&1); rc=$?
expect ":: without TLS and token: exit 2" 2 "$rc"

COLLECTOR_NS="ip netns exec lwc-col $COLLECTOR"
start_ns_collector() {
	local config=$1 addr; shift
	: >"$WORK/collector.err"
	ip netns exec lwc-col "$COLLECTOR" serve --config "$config" "$@" 2>"$WORK/collector.err" &
	COLLECTOR_PID=$!
	on_exit "kill -9 $COLLECTOR_PID"
	for _ in $(seq 100); do
		addr=$(grep -o '"msg":"listening","address":"[^"]*' "$WORK/collector.err" | sed 's/.*"address":"//')
		[ -n "$addr" ] && { URL="${SCHEME:-http}://$addr"; return 0; }
		kill -0 "$COLLECTOR_PID" 2>/dev/null || break
		sleep 0.05
	done
	tail -3 "$WORK/collector.err" >&2
	return 1
}
if start_ns_collector "$WORK/public.yaml" --insecure; then
	pass "--insecure allows it"
	check "    with a warning" grep -q "plain HTTP on 10.231.77.2" "$WORK/collector.err"
	expect "    and it serves (from the host, over the veth)" 200 "$(healthz)"
	stop_collector
else
	fail "--insecure allows it"
fi

# with TLS and a token file it needs no --insecure
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=leakwatch-test \
	-addext "subjectAltName=IP:10.231.77.2" -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/tls.token"
chmod 600 "$WORK/tls.token" "$WORK/key.pem"
cat >"$WORK/tls.yaml" <<EOF
state_dir: $WORK/tstate
server:
  listen: 10.231.77.2:0
  token_file: $WORK/tls.token
  tls:
    cert_file: $WORK/cert.pem
    key_file: $WORK/key.pem
EOF
SCHEME=https
if start_ns_collector "$WORK/tls.yaml"; then
	pass "non-loopback with TLS and a token file starts"
	TOKEN=$(cat "$WORK/tls.token")
	DB="$WORK/tstate/collector.db"
	expect "    HTTPS healthz" 200 "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/cert.pem" "$URL/healthz")"
	expect "    HTTPS batch" 200 "$(post "$WORK/first.gz" --cacert "$WORK/cert.pem")"
	expect "    stored" 4 "$(events)"
	expect "    plain HTTP to it fails" 000 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://${URL#https://}/healthz")"
	stop_collector
else
	fail "non-loopback with TLS and a token file starts"
fi
SCHEME=
