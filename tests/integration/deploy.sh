#!/usr/bin/env bash
# Packaging and deployment: the Kubernetes manifests (schemas, offline, and
# leakwatch's own rules), the Secrets make-secrets.sh makes, the pods'
# configuration run for real by both binaries, the container image recipe,
# `make install` and the systemd units.
. "$(dirname "$0")/lib.sh"

K8S="$LW_ROOT/deploy/kubernetes"
CHECKS="$LW_ROOT/tests/k8s"
VERSION=$(cat "$LW_ROOT/VERSION")

# relay: turns a helper's PASS/FAIL lines into this suite's results
relay() {
	local line
	while IFS= read -r line; do
		case $line in
		PASS\ *) pass "${line#PASS }" ;;
		FAIL\ *) FAILED=$((FAILED + 1)); echo "$line" ;;
		esac
	done
}

have_checks=0
if ! command -v node >/dev/null; then
	fail "node" "not installed (deploy/setup.sh all installs it)"
elif [ ! -d "$CHECKS/node_modules/kubernetes-models" ]; then
	fail "tests/k8s node_modules" "missing: run deploy/setup.sh all (npm ci in tests/k8s)"
else
	have_checks=1
fi

# ---- make-secrets.sh --------------------------------------------------------

SECRETS=$WORK/secrets
mode() { stat -c %a "$1"; }
if "$K8S/make-secrets.sh" --dir "$SECRETS" >"$WORK/ms.out" 2>&1; then
	pass "make-secrets.sh runs"
else
	fail "make-secrets.sh runs" "$(tail -3 "$WORK/ms.out")"
fi
check "make-secrets.sh: every file the kustomization reads, mode 600" bash -c '
	for f in token fingerprint.key operator.token ingest.sha256 operator.sha256 tls.crt tls.key ca.crt; do
		[ -s "$1/$f" ] || { echo "no $f"; exit 1; }
		[ "$(stat -c %a "$1/$f")" = 600 ] || { echo "$f mode $(stat -c %a "$1/$f")"; exit 1; }
	done' _ "$SECRETS"
check "make-secrets.sh: token and fingerprint key are 32 random bytes (64 hex digits)" bash -c '
	grep -Eqx "[0-9a-f]{64}" "$1/token" && grep -Eqx "[0-9a-f]{64}" "$1/fingerprint.key" &&
	! cmp -s "$1/token" "$1/fingerprint.key"' _ "$SECRETS"
check "make-secrets.sh: the collector gets each token's SHA-256, not the token" python3 -c '
import hashlib, sys
d = sys.argv[1]
for tok, dig in (("token", "ingest.sha256"), ("operator.token", "operator.sha256")):
    assert open(f"{d}/{dig}").read().strip() == hashlib.sha256(open(f"{d}/{tok}").read().strip().encode()).hexdigest(), dig
assert open(f"{d}/token").read() != open(f"{d}/operator.token").read()' "$SECRETS"
check "make-secrets.sh: the collector's certificate chains to the CA, for the Service's names" bash -c '
	openssl verify -CAfile "$1/ca.crt" "$1/tls.crt" >/dev/null &&
	san=$(openssl x509 -in "$1/tls.crt" -noout -ext subjectAltName) &&
	for n in leakwatch-collector.leakwatch.svc leakwatch-collector.leakwatch.svc.cluster.local; do
		grep -q "DNS:$n\(,\|$\)" <<<"$san" || { echo "no SAN $n"; exit 1; }
	done &&
	openssl x509 -in "$1/tls.crt" -noout -ext extendedKeyUsage | grep -q "Server Authentication"' _ "$SECRETS"
cp -a "$SECRETS" "$WORK/secrets.before"
"$K8S/make-secrets.sh" --dir "$SECRETS" >/dev/null 2>&1
check "make-secrets.sh: a second run replaces nothing" diff -r "$WORK/secrets.before" "$SECRETS"
"$K8S/make-secrets.sh" --dir "$SECRETS" --renew-tls >/dev/null 2>&1
check "make-secrets.sh --renew-tls: new certificate, same CA, token and key" bash -c '
	! cmp -s "$1/tls.crt" "$2/tls.crt" && cmp -s "$1/ca.crt" "$2/ca.crt" &&
	cmp -s "$1/token" "$2/token" && cmp -s "$1/fingerprint.key" "$2/fingerprint.key" &&
	openssl verify -CAfile "$1/ca.crt" "$1/tls.crt" >/dev/null' _ "$SECRETS" "$WORK/secrets.before"

# --postgres: overlays/postgres's DSN and the server's CA, in a folder of
# their own (any certificate stands in for the server's CA)
PGSECRETS=$WORK/pg-secrets
if "$K8S/make-secrets.sh" --dir "$PGSECRETS" --no-tls --postgres db.example.internal \
	--postgres-ca "$SECRETS/ca.crt" >"$WORK/ms-pg.out" 2>&1; then
	pass "make-secrets.sh --postgres runs"
else
	fail "make-secrets.sh --postgres runs" "$(tail -3 "$WORK/ms-pg.out")"
fi
check "make-secrets.sh --postgres: a random role password, and a verify-full DSN holding it, mode 600" bash -c '
	for f in postgres.password dsn ca.crt; do
		[ "$(stat -c %a "$1/$f" 2>/dev/null)" = 600 ] || { echo "$f missing or not mode 600"; exit 1; }
	done
	grep -Eqx "[0-9a-f]{64}" "$1/postgres.password" || { echo "postgres.password is not 64 hex digits"; exit 1; }
	want="host=db.example.internal port=5432 dbname=leakwatch user=leakwatch password=$(cat "$1/postgres.password")"
	want="$want sslmode=verify-full sslrootcert=/etc/leakwatch/postgres/ca.crt"
	grep -q "^$want " "$1/dsn" || { echo "dsn is not: $want ..."; exit 1; }
	cmp -s "$1/ca.crt" "$2/ca.crt" || { echo "ca.crt is not --postgres-ca'"'"'s file"; exit 1; }
	! cmp -s "$1/postgres.password" "$1/token"' _ "$PGSECRETS" "$SECRETS"
cp "$PGSECRETS/postgres.password" "$WORK/pg.password"
"$K8S/make-secrets.sh" --dir "$PGSECRETS" --no-tls --postgres db2.example.internal:6432 >/dev/null 2>&1
check "make-secrets.sh --postgres again: the same password, the DSN for the new address" bash -c '
	cmp -s "$1/postgres.password" "$2" &&
	grep -q "^host=db2.example.internal port=6432 .*password=$(cat "$2") " "$1/dsn"' _ "$PGSECRETS" "$WORK/pg.password"
check "make-secrets.sh --postgres refuses what a certificate cannot name" bash -c '
	for a in "db example" "db:x" "::1"; do
		"$1" --dir "$2" --no-tls --postgres "$a" >/dev/null 2>&1; [ $? = 2 ] || { echo "accepted $a"; exit 1; }
	done' _ "$K8S/make-secrets.sh" "$WORK/pg-refused"

if git -C "$LW_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	check "git ignores install/secrets/* and overlays/postgres/secrets/* (but their .gitignore) and tests/k8s/node_modules" bash -c '
		cd "$1" || exit 1
		s=deploy/kubernetes/install/secrets p=deploy/kubernetes/overlays/postgres/secrets
		for f in $s/token $s/fingerprint.key $s/ca.key $s/tls.key $p/dsn $p/postgres.password $p/ca.crt \
			tests/k8s/node_modules/x; do
			git check-ignore -q "$f" || { echo "$f is not ignored"; exit 1; }
		done
		! git check-ignore -q $s/.gitignore && ! git check-ignore -q $p/.gitignore' _ "$LW_ROOT"
fi

# ---- manifests --------------------------------------------------------------

check "checksum/config annotations are current (update-checksums.sh --check)" \
	"$K8S/update-checksums.sh" --check

if [ "$have_checks" = 1 ]; then
	node "$CHECKS/check.mjs" "$K8S" --secrets "$SECRETS" --version "$VERSION" >"$WORK/check.out" 2>&1
	rc=$?
	relay <"$WORK/check.out"
	grep -q '^all checks passed$' "$WORK/check.out" && [ "$rc" = 0 ] ||
		fail "manifest checks complete" "$(tail -3 "$WORK/check.out")"

	# The checker must catch what it claims to: a misspelt field the schema
	# does not know, a stale checksum, a capability nobody justified.
	# mutant NAME EXPECTED-FAIL-TEXT COMMAND: a copy of the manifests changed
	# by COMMAND must fail with EXPECTED-FAIL-TEXT
	mutant() {
		local name=$1 want=$2 cmd=$3 m=$WORK/mutant
		rm -rf "$m" && cp -r "$K8S" "$m" && (cd "$m" && eval "$cmd")
		if node "$CHECKS/check.mjs" "$m" --secrets "$SECRETS" --version "$VERSION" >"$m.out" 2>&1; then
			fail "checker catches $name" "it passed"
		elif grep -q "^FAIL.*$want" "$m.out"; then
			pass "checker catches $name"
		else
			fail "checker catches $name" "$(grep '^FAIL' "$m.out" | head -2)"
		fi
	}
	mutant "an unknown field" "unknown field .*readOnlyRootFileSystem" \
		"sed -i 's/readOnlyRootFilesystem: true/readOnlyRootFileSystem: true/' base/agent-daemonset.yaml"
	mutant "a schema violation" "containerPort must be integer" \
		"sed -i 's/containerPort: 9464/containerPort: \"9464\"/' base/agent-daemonset.yaml"
	mutant "a stale config checksum" "run make k8s-checksum" \
		"sed -i 's/level: info/level: debug/' base/agent-configmap.yaml"
	mutant "an extra capability without a reason" "unexpected NET_RAW; NET_RAW has no comment" \
		"sed -i 's/^                - NET_ADMIN$/                - NET_ADMIN\n                - NET_RAW/' base/agent-daemonset.yaml"
	mutant "a writable host mount" "/var/log is mounted writable" \
		"sed -i '/mountPath: \/var\/log$/{n;d}' base/agent-daemonset.yaml"
	mutant "a loopback metrics address" "kubelet cannot probe loopback" \
		"sed -i 's/listen: 0.0.0.0:9464/listen: 127.0.0.1:9464/' base/agent-configmap.yaml && ./update-checksums.sh >/dev/null"
fi

# ---- what kubectl kustomize renders -----------------------------------------

# A copy as git has it: no Secrets made, nothing run first.
R=$WORK/render
mkdir -p "$R"
cp -r "$K8S" "$R/k8s"
find "$R/k8s/install/secrets" -type f ! -name .gitignore -delete
# render NAME DIR OUT: kubectl kustomize DIR into OUT
render() {
	if kubectl kustomize "$2" >"$3" 2>"$3.err"; then pass "$1"; else fail "$1" "$(tail -2 "$3.err")"; fi
}
# rendered NAME FILE [ARGS...]: tests/k8s/rendered.mjs's checks on FILE, as this suite's
rendered() {
	local name=$1 file=$2; shift 2
	node "$CHECKS/rendered.mjs" "$file" --version "$VERSION" --readme "$K8S/README.md" "$@" >"$file.checks" 2>&1
	local rc=$?
	sed "s/^\(PASS\|FAIL\) /\1 $name: /" "$file.checks" | relay
	grep -q '^all checks passed$' "$file.checks" && [ "$rc" = 0 ] || fail "$name: checks complete" "$(tail -2 "$file.checks")"
}
if ! command -v kubectl >/dev/null; then
	fail "kubectl" "not installed: kubectl kustomize renders the manifests"
elif [ "$have_checks" = 1 ]; then
	render "kubectl kustomize deploy/kubernetes renders, with nothing run first" "$R/k8s" "$R/review.yaml"
	rendered "review" "$R/review.yaml"
	check "the review rendering's Secrets are the placeholders" bash -c '
		tr -d "\n " <"$1" | grep -qF "token:$(printf "REPLACE_ME\n" | base64 -w0)"' _ "$R/review.yaml"
	if kubectl kustomize "$R/k8s/install" >/dev/null 2>&1; then
		fail "install/ refuses to render without make-secrets.sh's files" "it rendered"
	else
		pass "install/ refuses to render without make-secrets.sh's files"
	fi
	cp "$SECRETS"/* "$R/k8s/install/secrets/"
	render "kubectl kustomize deploy/kubernetes/install, after make-secrets.sh" "$R/k8s/install" "$R/install.yaml"
	rendered "install" "$R/install.yaml"
	check "install: the Secrets hold make-secrets.sh's token, not a placeholder" python3 -c '
import base64, re, sys
text, want = open(sys.argv[1]).read(), open(sys.argv[2], "rb").read()
# kustomize writes a long value as a block over several lines
m = re.search(r"^  token: [|]?\n?((?:    .*\n)+|.*\n)", text, re.M)
assert m and base64.b64decode("".join(m.group(1).split())) == want, "the token is not make-secrets.sh'"'"'s"' \
		"$R/install.yaml" "$SECRETS/token"
	# every optional component at once, as install/kustomization.yaml lists them
	mkdir -p "$R/all"
	printf 'resources:\n  - ../k8s/install\ncomponents:\n  - ../k8s/components/prometheus-operator\n  - ../k8s/components/openshift\n' \
		>"$R/all/kustomization.yaml"
	check "install/kustomization.yaml lists every component (commented out)" bash -c '
		for c in "$1"/components/*/; do grep -q "^#   - ../components/$(basename "$c")$" "$1/install/kustomization.yaml" || { echo "$c"; exit 1; }; done' _ "$K8S"
	render "kubectl kustomize with the prometheus-operator and openshift components" "$R/all" "$R/all.yaml"
	rendered "components" "$R/all.yaml" --expect ServiceMonitor,PodMonitor,SecurityContextConstraints,ResourceQuota,NetworkPolicy
	# cert-manager: the component, and install/ without its TLS generator entry
	cp -r "$R/k8s/install" "$R/k8s/install-cm"
	python3 - "$R/k8s/install-cm/kustomization.yaml" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
s = re.sub(r"  - name: leakwatch-collector-tls\n(    .*\n|      .*\n)+", "", s)
s = s.replace("resources:\n  - ../base\n", "resources:\n  - ../base\ncomponents:\n  - ../components/cert-manager\n")
open(p, "w").write(s)
PY
	render "kubectl kustomize with the cert-manager component" "$R/k8s/install-cm" "$R/cm.yaml"
	check "cert-manager: the pods mount the Secret its Certificate writes" python3 - "$R/cm.yaml" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
assert re.search(r"kind: Certificate\n(.*\n)*?  secretName: leakwatch-collector-tls\n", t), "no Certificate for leakwatch-collector-tls"
assert t.count("secretName: leakwatch-collector-tls\n") >= 3, "the pods do not mount leakwatch-collector-tls by that name"
assert "leakwatch-collector-tls-" not in t, "a generated TLS Secret is still there"
PY

	# overlays/postgres: install/ with several collectors on one PostgreSQL
	# database, the DSN from make-secrets.sh --postgres
	find "$R/k8s/overlays/postgres/secrets" -type f ! -name .gitignore -delete
	if kubectl kustomize "$R/k8s/overlays/postgres" >/dev/null 2>&1; then
		fail "overlays/postgres refuses to render without the DSN and the server's CA" "it rendered"
	else
		pass "overlays/postgres refuses to render without the DSN and the server's CA"
	fi
	cp "$PGSECRETS/dsn" "$PGSECRETS/ca.crt" "$R/k8s/overlays/postgres/secrets/"
	render "kubectl kustomize deploy/kubernetes/overlays/postgres, after make-secrets.sh --postgres" \
		"$R/k8s/overlays/postgres" "$R/pg.yaml"
	rendered "postgres" "$R/pg.yaml" --expect PodDisruptionBudget,NetworkPolicy
	# postgres.mjs: the overlay's own checks, against the install rendering
	node "$CHECKS/postgres.mjs" "$R/pg.yaml" "$R/install.yaml" >"$R/pg.checks" 2>&1
	rc=$?
	relay <"$R/pg.checks"
	grep -q '^all checks passed$' "$R/pg.checks" && [ "$rc" = 0 ] || fail "postgres: checks complete" "$(tail -2 "$R/pg.checks")"
	# pgmutant NAME EXPECTED-FAIL-TEXT COMMAND: the overlay changed by COMMAND
	# (run in a copy of deploy/kubernetes) must fail postgres.mjs with that text
	pgmutant() {
		local name=$1 want=$2 cmd=$3 m=$WORK/pgmutant
		rm -rf "$m" && mkdir -p "$m" && cp -r "$R/k8s" "$m/" && (cd "$m/k8s" && eval "$cmd")
		kubectl kustomize "$m/k8s/overlays/postgres" >"$m/pg.yaml" 2>"$m/err" ||
			{ fail "postgres checks catch $name" "no rendering: $(tail -1 "$m/err")"; return; }
		if node "$CHECKS/postgres.mjs" "$m/pg.yaml" "$R/install.yaml" >"$m/out" 2>&1; then
			fail "postgres checks catch $name" "they passed"
		elif grep -q "^FAIL.*$want" "$m/out"; then
			pass "postgres checks catch $name"
		else
			fail "postgres checks catch $name" "$(grep '^FAIL' "$m/out" | head -2)"
		fi
	}
	pgmutant "liveness left on /healthz" "livenessProbe on /healthz" \
		"sed -i 's|path: /livez|path: /healthz|' overlays/postgres/collector-deployment.yaml"
	pgmutant "the SQLite claim left in" "PersistentVolumeClaim/leakwatch-collector-data rendered" \
		"sed -i '/collector-pvc-delete.yaml/d' overlays/postgres/kustomization.yaml"
	pgmutant "Recreate left in" "strategy Recreate" \
		"sed -i '/^  strategy:\$/,/maxSurge: 1\$/d' overlays/postgres/collector-deployment.yaml"
	pgmutant "a configuration drifted from the base's" "differs from base/collector-configmap.yaml" \
		"sed -i 's/format: json\$/format: text/' overlays/postgres/collector-configmap.yaml"
	pgmutant "a DSN without verify-full" "sslmode require" \
		"sed -i 's/sslmode=verify-full/sslmode=require/' overlays/postgres/secrets/dsn"

	# The checks must catch what they claim to.
	# rmutant NAME EXPECTED-FAIL-TEXT COMMAND: the manifests changed by
	# COMMAND, rendered with every component, must fail with that text
	rmutant() {
		local name=$1 want=$2 cmd=$3 m=$WORK/rmutant
		rm -rf "$m" && mkdir -p "$m" && cp -r "$R/k8s" "$R/all" "$m/" && (cd "$m/k8s" && eval "$cmd")
		kubectl kustomize "$m/all" >"$m/all.yaml" 2>"$m/err" || { fail "rendered checks catch $name" "no rendering: $(tail -1 "$m/err")"; return; }
		if node "$CHECKS/rendered.mjs" "$m/all.yaml" --version "$VERSION" --readme "$K8S/README.md" >"$m/out" 2>&1; then
			fail "rendered checks catch $name" "they passed"
		elif grep -q "^FAIL.*$want" "$m/out"; then
			pass "rendered checks catch $name"
		else
			fail "rendered checks catch $name" "$(grep '^FAIL' "$m/out" | head -2)"
		fi
	}
	rmutant "ingest opened to every leakwatch pod" "collector may not reach the collector on 4520: it may" \
		"sed -i '0,/component: agent/{/component: agent/d}' base/networkpolicies.yaml"
	rmutant "metrics opened to every namespace" "a pod in another namespace may not reach the agent on 9464" \
		"sed -i 's/leakwatch.io\/metrics: allowed/{}/; s/matchLabels:\$//' base/networkpolicies.yaml && sed -i '/namespaceSelector:\$/{N;s/namespaceSelector:\n *{}/namespaceSelector: {}/}' base/networkpolicies.yaml"
	rmutant "a container without a memory limit" "no memory limit" \
		"sed -i '/limits:/{n;n;/memory: 1Gi/d}' base/collector-deployment.yaml"
	rmutant "an image on latest" "is latest" "sed -i 's/newTag: .*/newTag: latest/' base/kustomization.yaml"
	rmutant "a capability nobody documented" "SYS_MODULE is not documented" \
		"sed -i 's/^                - DAC_READ_SEARCH\$/                - DAC_READ_SEARCH\n                - SYS_MODULE/' base/agent-daemonset.yaml"
	rmutant "an SCC allowing more than the pod asks" "allowedCapabilities" \
		"sed -i 's/^  - DAC_READ_SEARCH\$/  - DAC_READ_SEARCH\n  - NET_RAW/' components/openshift/scc.yaml"
	rmutant "a ServiceMonitor naming the CA Secret kustomize renamed" "is not rendered" \
		"sed -i '/^configurations:/,\$d' components/prometheus-operator/kustomization.yaml"
	rmutant "no quota for system-node-critical" "no ResourceQuota scoped to system-node-critical" \
		"sed -i '/resourcequota.yaml/d' base/kustomization.yaml"
	rmutant "a PodMonitor on the collector" "does not select the agent pods" \
		"sed -i 's/component: agent\$/component: collector/' components/prometheus-operator/podmonitor.yaml"
fi

# ---- the pods' configuration, run by the real binaries ----------------------

# Both pods' files laid out as the kubelet would (podfs.mjs), then, in a
# network and mount namespace of their own: the collector on 0.0.0.0:4520
# with its ConfigMap, TLS and token; the Service's name resolving to it; the
# agent with its ConfigMap shipping to it and serving its probes.
if [ "$have_checks" = 1 ]; then
	node "$CHECKS/podfs.mjs" "$K8S" "$SECRETS" Deployment/leakwatch-collector "$WORK/cpod" >"$WORK/cpod.argv" &&
		node "$CHECKS/podfs.mjs" "$K8S" "$SECRETS" DaemonSet/leakwatch-agent "$WORK/apod" >"$WORK/apod.argv"
	check "podfs lays out both pods" test -s "$WORK/apod.argv"
	cconf=$(python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); print(a[a.index("--config")+1])' "$WORK/cpod.argv")
	aconf=$(python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); print(a[a.index("--config")+1])' "$WORK/apod.argv")
	check "agent: check-config accepts the ConfigMap's configuration" "$LEAKWATCH" check-config "$aconf"
	check "pods run the installed binaries (/usr/local/bin, as the image has them)" bash -c '
		grep -q "^\[\"/usr/local/bin/leakwatch-collector\",\"serve\"" "$1" &&
		grep -q "^\[\"/usr/local/bin/leakwatch\",\"run\"" "$2"' _ "$WORK/cpod.argv" "$WORK/apod.argv"

	echo "127.0.0.1 leakwatch-collector.leakwatch.svc" >"$WORK/hosts"
	cat >"$WORK/pods.sh" <<'EOF'
set -u
W=$1 COLLECTOR=$2 LEAKWATCH=$3 CCONF=$4 ACONF=$5
ok() { echo "PASS $1"; }
no() { echo "FAIL $1${2:+: $2}"; }
apid= cpid=
# timeout(1) signals only this shell: take the two servers along
trap 'kill -9 $apid $cpid 2>/dev/null' EXIT
trap 'exit 1' TERM INT
ip link set lo up
mount --bind "$W/hosts" /etc/hosts
URL=https://leakwatch-collector.leakwatch.svc:4520
TOKEN=$(cat "$W/secrets/token")
OPERATOR=$(cat "$W/secrets/operator.token")
CURL=(curl -s -o "$W/body" -w '%{http_code}' --max-time 5 --cacert "$W/secrets/ca.crt")

"$COLLECTOR" serve --config "$CCONF" 2>"$W/collector.err" &
cpid=$!
for _ in $(seq 50); do grep -q '"msg":"listening"' "$W/collector.err" && break; sleep 0.1; done
if grep -q '"msg":"listening"' "$W/collector.err"; then ok "collector starts on its ConfigMap, TLS and token"
else no "collector starts on its ConfigMap, TLS and token" "$(tail -2 "$W/collector.err")"; fi
code=$("${CURL[@]}" "$URL/healthz")
[ "$code" = 200 ] && ok "collector /healthz over TLS, certificate verified for the Service's name" ||
	no "collector /healthz over TLS, certificate verified for the Service's name" "HTTP $code"
code=$("${CURL[@]}" "$URL/livez")
[ "$code" = 200 ] && ok "collector /livez over TLS (the liveness probe's)" || no "collector /livez over TLS (the liveness probe's)" "HTTP $code"
code=$("${CURL[@]}" "$URL/v1/findings")
[ "$code" = 401 ] && ok "collector refuses a query without the token" || no "collector refuses a query without the token" "HTTP $code"
code=$("${CURL[@]}" -H "Authorization: Bearer $TOKEN" "$URL/v1/findings")
[ "$code" = 403 ] && ok "collector refuses a query with the agents' token (ingest only)" ||
	no "collector refuses a query with the agents' token (ingest only)" "HTTP $code"

"$LEAKWATCH" run --config "$ACONF" >"$W/agent.out" 2>"$W/agent.err" &
apid=$!
ready=
for _ in $(seq 150); do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:9464/healthz)
	[ "$code" = 200 ] && { ready=1; break; }
	kill -0 "$apid" 2>/dev/null || break
	sleep 0.1
done
[ -n "$ready" ] && ok "agent readiness: /healthz 200 on the pod address (0.0.0.0:9464)" ||
	no "agent readiness: /healthz 200 on the pod address (0.0.0.0:9464)" "$(tail -2 "$W/agent.err")"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:9464/livez)
[ "$code" = 200 ] && ok "agent liveness: /livez 200" || no "agent liveness: /livez 200" "HTTP $code"
curl -s --max-time 2 http://127.0.0.1:9464/metrics | grep -q '^leakwatch_' &&
	ok "agent /metrics: Prometheus text" || no "agent /metrics: Prometheus text"

# the start-up inventory reaches the collector over TLS with the token
got=
for _ in $(seq 100); do
	code=$("${CURL[@]}" -H "Authorization: Bearer $OPERATOR" "$URL/v1/findings")
	[ "$code" = 200 ] && grep -q '"listener"' "$W/body" && { got=1; break; }
	sleep 0.1
done
[ -n "$got" ] && ok "agent ships to the collector by the Service's name (CA, token)" ||
	no "agent ships to the collector by the Service's name (CA, token)" "HTTP $code; $(grep -i 'error\|warn' "$W/agent.err" | tail -2)"
grep -q 'fingerprint key' "$W/agent.err" &&
	no "agent takes the Secret's fingerprint key as it is mounted" "$(grep 'fingerprint key' "$W/agent.err" | head -1)" ||
	ok "agent takes the Secret's fingerprint key as it is mounted"

kill -TERM "$apid" 2>/dev/null; wait "$apid"; rc=$?; apid=
[ "$rc" = 0 ] && ok "agent stops cleanly on SIGTERM" || no "agent stops cleanly on SIGTERM" "exit $rc"
kill -TERM "$cpid" 2>/dev/null; wait "$cpid"; cpid=
EOF
	timeout 45 unshare --net --mount bash "$WORK/pods.sh" "$WORK" "$COLLECTOR" "$LEAKWATCH" "$cconf" "$aconf" \
		>"$WORK/pods.out" 2>&1
	relay <"$WORK/pods.out"
	grep -q "agent stops cleanly" "$WORK/pods.out" || fail "pods scenario completes" "$(tail -3 "$WORK/pods.out")"
fi

# ---- the container image ----------------------------------------------------

DOCKERFILE=$LW_ROOT/deploy/docker/Dockerfile
# the runtime stage's packages: the apt-get install list after the last FROM
runtime_pkgs=$(awk '/^FROM /{n++} {print n "\t" $0}' "$DOCKERFILE" |
	awk -F'\t' -v last="$(grep -c '^FROM ' "$DOCKERFILE")" '$1 == last {print $2}' |
	sed -n '/apt-get install/,/rm -rf/p' | tr -s ' \\' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' |
	grep -vx -e apt-get -e install -e rm -e '&&' -e y -e rf | sort -u)
check "Dockerfile: multi-stage, Debian 12 for both, the build stage from setup.sh" bash -c '
	grep -q "^FROM --platform=\$BUILDPLATFORM \${DEBIAN} AS build$" "$1" && grep -q "^FROM \${DEBIAN}$" "$1" &&
	grep -q "^ARG DEBIAN=debian:bookworm-slim@" "$1" &&
	grep -q "deploy/setup.sh build" "$1" && grep -q "^COPY --from=build" "$1"' _ "$DOCKERFILE"
check "Dockerfile: every base image pinned by a sha256 digest" bash -c '
	[ "$(grep -c "^FROM " "$1")" -ge 2 ] &&
	! grep "^FROM " "$1" | grep -v "\${DEBIAN}" | grep -q . &&
	grep -Eq "^ARG DEBIAN=[a-z0-9./-]+:[a-z0-9.-]+@sha256:[0-9a-f]{64}$" "$1"' _ "$DOCKERFILE"
check "Dockerfile: the build stage cross-compiles for TARGETARCH (amd64, arm64) on the builder's platform" bash -c '
	grep -q "^ARG TARGETARCH$" "$1" && grep -q "deploy/setup.sh cross \"\$TARGETARCH\"" "$1" &&
	grep -q "amd64) arch=x86" "$1" && grep -q "arm64) arch=arm64" "$1" && grep -q "make .*ARCH=\"\$arch\"" "$1"' _ "$DOCKERFILE"
check "Dockerfile: the image carries VERSION (label), and make image tags it" bash -c '
	grep -q "org.opencontainers.image.version=\"\${VERSION}\"" "$1" &&
	cmd=$(make -C "$2" -s -n image | tr -d "\\\\\n") &&
	grep -q -- "--platform linux/amd64,linux/arm64" <<<"$cmd" &&
	grep -q -- "--build-arg VERSION=$3 .*-t leakwatch:$3" <<<"$cmd"' _ "$DOCKERFILE" "$LW_ROOT" "$VERSION"
check "Dockerfile: every runtime package is a Debian 12 package, for amd64 and arm64" bash -c '
	for p in $1; do for a in amd64 arm64; do
		apt-cache show "$p:$a" >/dev/null 2>&1 || { echo "no package $p:$a"; exit 1; }
	done; done' _ "$runtime_pkgs"
# Each shared library the binaries link must come from a listed package
# (libc6, whose libc, libm and the loader are in every Debian image, aside):
# the amd64 binaries, and the arm64 ones the cross build made.
A64=$LW_ROOT/${ARM64_BUILD:-build/arm64}
# and the libraries the agent loads itself when it needs them (lib/os/dynlib.h)
loaded=$(loaded_sonames | xargs)
for pair in "amd64:$LEAKWATCH:$COLLECTOR" "arm64:$A64/leakwatch:$A64/leakwatch-collector"; do
	IFS=: read -r arch lw col <<<"$pair"
	[ -x "$lw" ] || { fail "Dockerfile: $arch binaries to check" "no $lw (make ARCH=arm64)"; continue; }
	check "Dockerfile: the runtime packages provide every library the $arch binaries link or load" bash -c '
		dir=$(dpkg-architecture -a"$4" -qDEB_HOST_MULTIARCH 2>/dev/null)
		for lib in $(readelf -d "$2" "$3" | sed -n "s/.*(NEEDED).*\[\(.*\)\]/\1/p" | sort -u) $5; do
			# the package of the file, under either name /usr-merge gives it
			pkg=$(dpkg -S "/usr/lib/$dir/$lib" "/lib/$dir/$lib" 2>/dev/null | head -1 | cut -d: -f1)
			[ -n "$pkg" ] || { echo "$lib: no $4 package has it"; exit 1; }
			[ "$pkg" = libc6 ] && continue
			grep -qx "$pkg" <<<"$1" || { echo "$lib is in $pkg, not installed by the runtime stage"; exit 1; }
		done' _ "$runtime_pkgs" "$lw" "$col" "$arch" "$loaded"
done
# The build stage copies only some of the tree: every source make all
# compiles must be in what it copies. (A dry run in a copy alone cannot
# tell: a folder left out is an empty wildcard, not an error.)
copied=$(awk '/^FROM .* AS build/{b=1; next} /^FROM /{b=0} b && /^COPY / && !/--from/ {
	for (i = 2; i < NF; i++) print $i }' "$DOCKERFILE" | sort -u)
check "Dockerfile: the build stage copies every file make all reads" bash -c '
	cd "$2" || exit 1
	for a in x86 arm64; do
		make -n -B all ARCH=$a BUILD=/nonexistent/out 2>/dev/null |
			grep -oE "(^| )(-I)?[a-zA-Z][a-zA-Z0-9_./-]*\.(c|h|proto)( |$)" | sed "s/^ *\(-I\)\{0,1\}//; s/ *$//"
		echo Makefile; echo VERSION; echo vmlinux/$a/vmlinux.h
	done | sort -u | while read -r f; do
		top=${f%%/*}
		grep -qx -e "$f" -e "$top" <<<"$1" || { echo "$f is not copied"; exit 1; }
	done' _ "$copied" "$LW_ROOT"
check "Dockerfile: the build stage never copies build/, secrets or the whole context" bash -c '
	! grep -Eq "^COPY +(\. |build|deploy/kubernetes)" "$1"' _ "$DOCKERFILE"

# ---- make install and the systemd units --------------------------------------

DEST=$WORK/dest
# -o all: install what the suite was built with, not a rebuild
if make -C "$LW_ROOT" --no-print-directory -o all install DESTDIR="$DEST" PREFIX=/usr/local \
	BUILD="$BUILD" >"$WORK/install.out" 2>&1; then
	pass "make install DESTDIR PREFIX=/usr/local"
else
	fail "make install DESTDIR PREFIX=/usr/local" "$(tail -3 "$WORK/install.out")"
fi
check "install: binaries in PREFIX/bin, executable" bash -c '
	[ -x "$1/usr/local/bin/leakwatch" ] && [ -x "$1/usr/local/bin/leakwatch-collector" ] &&
	cmp -s "$1/usr/local/bin/leakwatch" "$2"' _ "$DEST" "$LEAKWATCH"
check "install: units in PREFIX/lib/systemd/system, rendered for PREFIX" bash -c '
	u=$1/usr/local/lib/systemd/system
	grep -qx "ExecStart=/usr/local/bin/leakwatch run --config /etc/leakwatch/leakwatch.yaml" "$u/leakwatch-agent.service" &&
	grep -qx "ExecStart=/usr/local/bin/leakwatch-collector serve --config /etc/leakwatch/collector.yaml" "$u/leakwatch-collector.service" &&
	! grep -l "@[A-Z]*@" "$u"/*.service' _ "$DEST"
check "install: commented default configs in /etc/leakwatch, docs in PREFIX/share/doc/leakwatch" bash -c '
	cmp -s "$1/etc/leakwatch/leakwatch.yaml" "$2/deploy/leakwatch.yaml" &&
	cmp -s "$1/etc/leakwatch/collector.yaml" "$2/deploy/collector.yaml" &&
	for f in README.md leakwatch.yaml collector.yaml; do [ -s "$1/usr/local/share/doc/leakwatch/$f" ] || exit 1; done' \
	_ "$DEST" "$LW_ROOT"
echo "# edited by the operator" >>"$DEST/etc/leakwatch/leakwatch.yaml"
cp "$DEST/etc/leakwatch/leakwatch.yaml" "$WORK/edited.yaml"
make -C "$LW_ROOT" --no-print-directory -o all install DESTDIR="$DEST" PREFIX=/usr/local BUILD="$BUILD" >/dev/null 2>&1
check "install: an existing config is never overwritten" cmp "$DEST/etc/leakwatch/leakwatch.yaml" "$WORK/edited.yaml"

# systemd-analyze verify needs ExecStart's binary to exist: render the units
# for a prefix where it does, as make install would.
P=$WORK/prefix
make -C "$LW_ROOT" --no-print-directory -o all install PREFIX="$P" SYSCONFDIR="$P/etc" BUILD="$BUILD" >/dev/null 2>&1
for unit in leakwatch-agent leakwatch-collector; do
	out=$(systemd-analyze verify --man=no "$P/lib/systemd/system/$unit.service" 2>&1)
	rc=$?
	# verify exits 0 on an unknown or misspelt key, with a warning: any output fails
	if [ "$rc" = 0 ] && [ -z "$out" ]; then pass "systemd-analyze verify $unit"; else fail "systemd-analyze verify $unit" "$out"; fi
done
check "collector unit: no capabilities, its own user, restart policy, reload" bash -c '
	u=$1
	for l in "CapabilityBoundingSet=" "AmbientCapabilities=" "DynamicUser=yes" "NoNewPrivileges=yes" \
		"ProtectSystem=strict" "PrivateTmp=yes" "StateDirectory=leakwatch-collector" \
		"Restart=on-failure" "RestartPreventExitStatus=2" "ExecReload=/bin/kill -HUP \$MAINPID"; do
		grep -qxF "$l" "$u" || { echo "missing $l"; exit 1; }
	done' _ "$P/lib/systemd/system/leakwatch-collector.service"
check "agent unit: only the agent's capabilities, state writable, the rest read-only" bash -c '
	u=$1
	caps="CAP_BPF CAP_PERFMON CAP_NET_ADMIN CAP_SYS_ADMIN CAP_SYS_RESOURCE CAP_SYS_PTRACE CAP_DAC_READ_SEARCH"
	for l in "CapabilityBoundingSet=$caps" "AmbientCapabilities=$caps" "NoNewPrivileges=yes" \
		"ProtectSystem=strict" "ReadWritePaths=/var/lib/leakwatch" "PrivateTmp=yes" \
		"Restart=on-failure" "RestartPreventExitStatus=2"; do
		grep -qxF "$l" "$u" || { echo "missing $l"; exit 1; }
	done' _ "$P/lib/systemd/system/leakwatch-agent.service"
# systemd's own exposure score (0 best, 10 worst), so hardening cannot
# quietly regress: the collector is nearly sealed, the agent needs the kernel.
check "systemd-analyze security: collector exposure at most 2.0" \
	systemd-analyze security --offline=yes --no-pager --threshold=20 "$P/lib/systemd/system/leakwatch-collector.service"
check "systemd-analyze security: agent exposure at most 5.0" \
	systemd-analyze security --offline=yes --no-pager --threshold=50 "$P/lib/systemd/system/leakwatch-agent.service"
