#!/usr/bin/env bash
# mTLS: an agent authenticates with a client certificate instead of a token,
# and may report for the one host its certificate names. A test CA made
# here signs the collector's certificate and the clients'; an expired
# certificate, one from another CA and one not made for TLS clients are
# refused, as is no certificate where one is required. A real agent with
# only a certificate delivers its events, bound to its host.
. "$(dirname "$0")/lib.sh"

PB="$LW_ROOT/tests/integration/pbbatch.py"
PKI=$WORK/pki
mkdir -p "$PKI/db"
: >"$PKI/db/index.txt"
echo 01 >"$PKI/db/serial"
cat >"$PKI/ca.cnf" <<EOF
[ca]
default_ca = test
[test]
database = $PKI/db/index.txt
new_certs_dir = $PKI/db
serial = $PKI/db/serial
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
[server]
subjectAltName = IP:127.0.0.1
extendedKeyUsage = serverAuth
[client]
extendedKeyUsage = clientAuth
EOF

# ca NAME: a self-signed CA
ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=leakwatch test $1" -keyout "$PKI/$1.key" -out "$PKI/$1.crt" 2>/dev/null
}
# cert NAME CA PROFILE SAN [START END]: a certificate NAME signed by CA
cert() {
	local name=$1 ca=$2 profile=$3 san=$4 start=${5:-} end=${6:-}
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$name" \
		-keyout "$PKI/$name.key" -out "$PKI/$name.csr" 2>/dev/null
	printf '[ext]\n%s\n%s\n' "${profile:+extendedKeyUsage = $profile}" "${san:+subjectAltName = $san}" >"$PKI/$name.ext"
	local validity=(-days 2)
	[ -n "$start" ] && validity=(-startdate "$start" -enddate "$end")
	openssl ca -batch -config "$PKI/ca.cnf" -cert "$PKI/$ca.crt" -keyfile "$PKI/$ca.key" -notext \
		-in "$PKI/$name.csr" -out "$PKI/$name.crt" -extfile "$PKI/$name.ext" -extensions ext \
		"${validity[@]}" 2>/dev/null
}
ca ca
ca other-ca
cert collector ca serverAuth IP:127.0.0.1
cert node-a ca clientAuth DNS:node-a
cert cn-only ca clientAuth ""
cert expired ca clientAuth DNS:node-a 20200101000000Z 20200102000000Z
cert stranger other-ca clientAuth DNS:node-a
cert server-only ca serverAuth DNS:node-a
cert no-eku ca "" DNS:node-a
cert spiffe ca clientAuth URI:spiffe://cluster.local/ns/leakwatch/sa/agent
for c in collector node-a cn-only expired stranger server-only no-eku spiffe; do
	[ -s "$PKI/$c.crt" ] || { fail "the test PKI: $c.crt"; exit 1; }
done
pass "a test CA, the collector's certificate and eight client certificates"

( umask 077; "$COLLECTOR" token create --role operator --name alice --config /dev/null \
	--digest-file "$WORK/alice.sha256" >"$WORK/alice.token" 2>/dev/null )
( umask 077; "$COLLECTOR" token create --role ingest --name fleet --config /dev/null \
	--digest-file "$WORK/fleet.sha256" >"$WORK/fleet.token" 2>/dev/null )

# collector_yaml NAME CLIENT_AUTH: a config with TLS, a client CA and two tokens
collector_yaml() {
	cat >"$WORK/$1.yaml" <<EOF
state_dir: $WORK/$1
server:
  listen: 127.0.0.1:0
  tls:
    cert_file: $PKI/collector.crt
    key_file: $PKI/collector.key
    client_ca_file: $PKI/ca.crt
    client_auth: $2
  auth:
    ingest:
      - {name: fleet, digest_file: $WORK/fleet.sha256}
    operator:
      - {name: alice, digest_file: $WORK/alice.sha256}
EOF
}

batch() { # HOST FILE: a listener event from HOST, as a gzip EventBatch
	printf '{"agent_id": "a-%s", "sequence": 1, "events": [{"host": {"hostname": "%s"}, "listener": {"action": "open", "protocol": "tcp", "address": "0.0.0.0", "port": 6379, "netns": 1, "exposure": "public", "severity": "high"}}]}' \
		"$1" "$1" >"$2.json"
	python3 "$PB" batch "$2.json" --gzip >"$2"
}
batch node-a "$WORK/a.pb.gz"
batch node-b "$WORK/b.pb.gz"
batch cn-only "$WORK/cn.pb.gz"

# post CERT BODY [TOKEN]: the status of POST /v1/events with that client certificate (or none)
post() {
	local c=() h=()
	[ "$1" != none ] && c=(--cert "$PKI/$1.crt" --key "$PKI/$1.key")
	[ -n "${3:-}" ] && h=(-H "Authorization: Bearer $(cat "$WORK/$3.token")")
	curl -s -o "$WORK/last.body" -w '%{http_code}' --cacert "$PKI/ca.crt" "${c[@]}" "${h[@]}" \
		-H 'Content-Type: application/x-protobuf' -H 'Content-Encoding: gzip' \
		--data-binary @"$2" "$URL/v1/events"
}
stored() { dbq "$WORK/$1/collector.db" "SELECT count(*) FROM events WHERE hostname = '$2'"; }
expect() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got $3, want $2"; fi; }

# --- client_auth: optional --------------------------------------------------------
collector_yaml optional optional
SCHEME=https start_collector "$WORK/optional.yaml" || exit 1
expect "node-a's certificate, node-a's events: 200, with no token" 200 "$(post node-a "$WORK/a.pb.gz")"
expect "    stored" 1 "$(stored optional node-a)"
check "    host_verified: true in /v1/findings" bash -c \
	'curl -s --cacert "$1" -H "Authorization: Bearer $(cat "$2")" "$3/v1/findings?kind=listener" |
		python3 -c "import json,sys; d=json.load(sys.stdin)[\"findings\"]; sys.exit(not any(f.get(\"host_verified\") is True for f in d))"' \
	_ "$PKI/ca.crt" "$WORK/alice.token" "$URL"
expect "node-a's certificate, node-b's events: 403" 403 "$(post node-a "$WORK/b.pb.gz")"
check "    the 403 names the certificate's host" grep -q 'credential cert:node-a may not report for host node-b' "$WORK/last.body"
expect "    nothing of it stored" 0 "$(stored optional node-b)"
check "    counted as host_mismatch" bash -c \
	"curl -s --cacert '$PKI/ca.crt' '$URL/metrics' | grep -q 'leakwatch_collector_rejected_total{reason=\"host_mismatch\"} 1'"
expect "a certificate without a DNS subjectAltName: its CN names the host" 200 "$(post cn-only "$WORK/cn.pb.gz")"
expect "    and only that host" 403 "$(post cn-only "$WORK/a.pb.gz")"
expect "an expired certificate: 401" 401 "$(post expired "$WORK/a.pb.gz" fleet)"
check "    saying so" grep -q 'client certificate expired' "$WORK/last.body"
expect "a certificate from another CA: 401" 401 "$(post stranger "$WORK/a.pb.gz" fleet)"
check "    saying so" grep -q 'not signed by server.tls.client_ca_file' "$WORK/last.body"
expect "a certificate made for servers, not clients: 401" 401 "$(post server-only "$WORK/a.pb.gz")"
expect "one that names no purpose at all: 401 (GnuTLS would let it pass for any)" 401 "$(post no-eku "$WORK/a.pb.gz")"
check "    saying it is not for TLS clients" grep -q 'not for TLS client authentication' "$WORK/last.body"
expect "one whose only subjectAltName is a URI (a mesh's SPIFFE id): 401, its CN does not stand in" 401 \
	"$(post spiffe "$WORK/a.pb.gz")"
check "    saying it names no host" grep -q 'names no host' "$WORK/last.body"
batch NODE-A "$WORK/upper.pb.gz"
expect "host names match without regard to case (NODE-A from node-a's certificate)" 200 "$(post node-a "$WORK/upper.pb.gz")"
expect "no certificate, an ingest token: still 200 (optional)" 200 "$(post none "$WORK/b.pb.gz" fleet)"
expect "    stored, its host resting on the token" 1 "$(stored optional node-b)"

# --- a real agent with only a certificate ----------------------------------------
cat >"$WORK/agent.yaml" <<EOF
state_dir: $WORK/agent
agent:
  health_interval: 1s
collector:
  url: $URL
  ca_file: $PKI/ca.crt
  client_cert: $PKI/node-a.crt
  client_key: $PKI/node-a.key
  flush_interval: 100ms
EOF
NODE_NAME=node-a start_agent "$WORK/agent.yaml" || exit 1
for _ in $(seq 50); do [ "$(stored optional node-a)" -gt 2 ] && break; sleep 0.2; done
check "an agent with a certificate and no token delivers its health events" test "$(stored optional node-a)" -gt 2
stop_agent
stop_collector

# --- client_auth: required ----------------------------------------------------------
collector_yaml required required
SCHEME=https start_collector "$WORK/required.yaml" || exit 1
expect "required: an ingest token without a certificate is refused (401)" 401 "$(post none "$WORK/a.pb.gz" fleet)"
check "    saying a certificate is required" grep -q 'a client certificate is required' "$WORK/last.body"
expect "    nothing stored" 0 "$(stored required node-a)"
expect "    a certificate is accepted" 200 "$(post node-a "$WORK/a.pb.gz")"
expect "    an operator still reads with a token" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' --cacert "$PKI/ca.crt" -H "Authorization: Bearer $(cat "$WORK/alice.token")" "$URL/v1/findings")"
# --- make-secrets.sh --node-cert: one concrete way to issue them ------------------
"$LW_ROOT/deploy/kubernetes/make-secrets.sh" --dir "$WORK/ms" --node-cert db-7 >/dev/null 2>&1
check "make-secrets.sh --node-cert db-7: a client certificate for db-7 from the deployment's CA" bash -c '
	openssl verify -CAfile "$1/ca.crt" -purpose sslclient "$1/nodes/db-7.crt" >/dev/null &&
	openssl x509 -in "$1/nodes/db-7.crt" -noout -ext subjectAltName | grep -q "DNS:db-7" &&
	[ "$(stat -c %a "$1/nodes/db-7.key")" = 600 ]' _ "$WORK/ms"

check "no token, digest or key in the collector's log" bash -c \
	'! grep -qF -e "$(cat "$1")" -e "$(cat "$2")" -e "$(sed -n 2p "$3")" "$4"' _ \
	"$WORK/alice.token" "$WORK/fleet.token" "$PKI/node-a.key" "$WORK/collector.err"
stop_collector
