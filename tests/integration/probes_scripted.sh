#!/usr/bin/env bash
# Probes of the services Debian does not ship, against scripted servers that
# replay each one's wire exchange (scripted.py names the releases): MongoDB,
# Elasticsearch, kubelet, the Docker Engine API, Ollama, Qdrant, Jupyter and
# CouchDB. One namespace serves them open, another closed; both addresses
# are public to the agent, which runs as a daemon: each listener's first
# report must carry the verdict, and the right severity.
. "$(dirname "$0")/lib.sh"

make_netns lwps-o 10.213.2.2/24 10.213.2.1/24 || exit 1
make_netns lwps-c 10.213.3.2/24 10.213.3.1/24 || exit 1
NS_O=$(netns_ino lwps-o)
NS_C=$(netns_ino lwps-c)
ip netns exec lwps-o ip link set lo up
ip netns exec lwps-c ip link set lo up

# a CA, and a server certificate both namespaces' TLS services show
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=lwps-ca \
	-keyout "$WORK/ca.key" -out "$WORK/ca.crt" >/dev/null 2>&1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=lwps \
	-CA "$WORK/ca.crt" -CAkey "$WORK/ca.key" -keyout "$WORK/srv.key" -out "$WORK/srv.crt" >/dev/null 2>&1

cat >"$WORK/agent.yaml" <<YAML
agent:
  health_interval: 1s
exposure:
  public_cidrs: [10.213.2.0/24, 10.213.3.0/24]
probe:
  timeout: 2s
YAML
start_agent "$WORK/agent.yaml" || exit 1

SCRIPTED="$LW_ROOT/tests/integration/scripted.py"
bg scripted-open ip netns exec lwps-o python3 "$SCRIPTED" open "$WORK/srv.crt" "$WORK/srv.key" \
	"$WORK/ca.crt" "$WORK/open.log"
bg scripted-closed ip netns exec lwps-c python3 "$SCRIPTED" closed "$WORK/srv.crt" "$WORK/srv.key" \
	"$WORK/ca.crt" "$WORK/closed.log"
for p in 27017 9200 10250 2375 11434 6333 8888 5984; do
	wait_port lwps-o tcp $p && wait_port lwps-c tcp $p || fail "scripted servers listen on $p"
done

# verdict NAME NS PORT COND...: the listener's first report (held for its
# probe) or a verified event carries it
verdict() {
	local name=$1 ns=$2 port=$3
	shift 3
	expect_json "$name" "$WORK/agent.out" kind=listener netns="$ns" port="$port" "$@"
	[ -n "$LAST_MATCH" ] && echo "    $(python3 -c 'import json,sys; a=json.loads(sys.argv[1])["auth"]; print(a["state"], "|", a["evidence"])' "$LAST_MATCH")"
}

verdict "mongodb open: listDatabases ok, critical" $NS_O 27017 auth.state=none auth.protocol=mongodb \
	severity=critical service.identified_by=protocol "auth.evidence~(4 databases)"
verdict "mongodb closed: code 13 Unauthorized" $NS_C 27017 auth.state=required severity=high \
	"auth.evidence~code 13 Unauthorized"
verdict "elasticsearch 7.17 open: indices listed" $NS_O 9200 auth.state=none severity=critical \
	"auth.evidence~7.17.21" "auth.evidence~(2 indices)"
verdict "elasticsearch 8 closed: plain refused, TLS, 401" $NS_C 9200 auth.state=required auth.tls=true \
	auth.protocol=elasticsearch severity=high "auth.evidence~401 Basic"
verdict "kubelet anonymous: PodList over TLS, critical" $NS_O 10250 auth.state=none auth.tls=true \
	auth.client_cert=not-requested severity=critical "auth.evidence~PodList"
# a 401 or a TLS handshake does not prove which service answered: named by
# its port alone (a python3 process), each is one level lower than a kubelet
# or dockerd the agent knows by its executable would be
verdict "kubelet with anonymous auth off: 401, port-named: medium" $NS_C 10250 auth.state=required \
	severity=medium service.identified_by=port "auth.evidence~GET /pods -> 401"
verdict "docker API on 2375: root on the host, critical" $NS_O 2375 auth.state=none auth.protocol=docker \
	severity=critical "auth.evidence~Docker 24.0.7"
verdict "docker with --tlsverify: client certificate required, port-named: medium" $NS_C 2375 \
	auth.state=tls auth.tls=true auth.client_cert=required severity=medium service.identified_by=port
verdict "ollama open: models listed" $NS_O 11434 auth.state=none severity=critical "auth.evidence~(1 models)"
verdict "ollama behind a proxy: 401" $NS_C 11434 auth.state=required "auth.evidence~401 Basic"
verdict "qdrant without an API key" $NS_O 6333 auth.state=none severity=critical "auth.evidence~(2 collections)"
verdict "qdrant with an API key: 401" $NS_C 6333 auth.state=required auth.protocol=qdrant severity=high
verdict "jupyter without a token: kernels listed" $NS_O 8888 auth.state=none severity=critical \
	"auth.evidence~/api/kernels -> 200"
verdict "jupyter with a token: 403" $NS_C 8888 auth.state=required auth.protocol=jupyter
verdict "couchdb admin party: databases listed" $NS_O 5984 auth.state=none severity=critical \
	"auth.evidence~(3 databases)" "auth.evidence~CouchDB/3.3.3"
verdict "couchdb 3 closed: 401" $NS_C 5984 auth.state=required auth.protocol=couchdb

# once each: the first report carried the verdict, nothing else was needed
check "each open service was probed by one connection per request" python3 - "$WORK/open.log" <<'PY'
import collections, sys
seen = collections.Counter(line.split()[0] for line in open(sys.argv[1]))
want = {"27017": 2, "9200": 2, "10250": 1, "2375": 1, "11434": 1, "6333": 1, "8888": 1, "5984": 1}
assert all(seen[p] == n for p, n in want.items()), seen
PY
check "only read requests were sent" bash -c "! grep -Ev ' (GET |POST /v3|OP_MSG (hello|listDatabases)|TLS refused)' '$WORK/open.log' '$WORK/closed.log'"
check "agent still running" kill -0 "$AGENT_PID"
stop_agent
check "agent stopped cleanly" test $? -eq 0
