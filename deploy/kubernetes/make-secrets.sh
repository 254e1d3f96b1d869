#!/bin/sh
# Writes the contents of leakwatch's Secrets into
# deploy/kubernetes/install/secrets/ (git-ignored), where
# install/kustomization.yaml's secretGenerator reads them:
#   token             the agents' ingest token: it can only send events. One
#                     per cluster is simple, and a compromised node can then
#                     forge other nodes' events but never read or silence
#                     anything; a client certificate per node (--node-cert)
#                     binds each agent to its own host name instead
#   ingest.sha256     its SHA-256, which is all the collector is given
#   operator.token    the operators' token, to read findings and acknowledge
#                     leaks; it stays here and never goes into the cluster
#   operator.sha256   its SHA-256, for the collector
#   fingerprint.key   the deployment's HMAC key for fingerprints (32 bytes)
#   ca.crt, ca.key    a private CA; ca.key stays here and never goes into the
#                     cluster
#   tls.crt, tls.key  the collector's certificate for its Service's names,
#                     signed by that CA
# Then: kubectl apply -k deploy/kubernetes/install
#
# It never replaces a file that exists: a new fingerprint key would change
# every fingerprint, and a new CA would need every agent to get it first.
# Keep secrets/ somewhere safe (a vault), as you would any credential.
#
#   nodes/HOST.crt, nodes/HOST.key  with --node-cert HOST: a client
#                     certificate for one agent (mTLS, server.tls.client_ca_file
#                     set to ca.crt): its events may claim host HOST only
#
# With --postgres HOST[:PORT], for overlays/postgres, into its secrets/:
#   postgres.password the password of the database role leakwatch (32 random
#                     bytes as hex), for CREATE ROLE; kept like the others
#   dsn               the collector's libpq connection string: that role and
#                     password, database leakwatch on HOST, sslmode=verify-full
#                     against the ca.crt beside it; written afresh by each
#                     run with --postgres, so edit it (Patroni's several
#                     hosts, say) after the last such run
#   ca.crt            with --postgres-ca FILE: FILE, the CA that signed the
#                     server's certificate; else put it there yourself
#
#   make-secrets.sh [--dir DIR] [--namespace NS] [--no-tls] [--renew-tls] [--node-cert HOST]...
#                   [--postgres HOST[:PORT] [--postgres-ca FILE]]
#     --dir DIR        write here instead of install/secrets/ (and
#                      overlays/postgres/secrets/)
#     --namespace NS   the namespace the collector's Service is in (leakwatch)
#     --no-tls         token and key only: cert-manager issues the certificate
#                      (see components/cert-manager)
#     --renew-tls      issue a new collector certificate from the same CA
#     --node-cert HOST an agent's client certificate for HOST (repeatable)
#     --postgres HOST[:PORT]  the PostgreSQL server the collectors use (5432)
#     --postgres-ca FILE      its CA certificate, copied into place
set -eu

root=$(cd "$(dirname "$0")" && pwd)
dir=$root/install/secrets
pgdir=$root/overlays/postgres/secrets
pg=
pgca=
ns=leakwatch
tls=1
renew=0
nodes=
while [ $# -gt 0 ]; do
	case $1 in
	--node-cert)
		case $2 in *[!A-Za-z0-9.-]* | "") echo "make-secrets.sh: --node-cert: a host name, not \"$2\"" >&2; exit 2 ;; esac
		nodes="$nodes $2"; shift 2 ;;
	--dir) dir=$2; pgdir=$2; shift 2 ;;
	--postgres)
		# a name the server's certificate can carry (verify-full checks it)
		case $2 in *[!A-Za-z0-9.:-]* | "" | :* | *:*:* | *: | *:*[!0-9]*) echo "make-secrets.sh: --postgres: HOST or HOST:PORT, not \"$2\"" >&2; exit 2 ;; esac
		pg=$2; shift 2 ;;
	--postgres-ca)
		[ -f "$2" ] || { echo "make-secrets.sh: --postgres-ca: no file $2" >&2; exit 2; }
		pgca=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
	--namespace) ns=$2; shift 2 ;;
	--no-tls) tls=0; shift ;;
	--renew-tls) renew=1; shift ;;
	*) sed -n '2,50s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
command -v openssl >/dev/null || { echo "make-secrets.sh: needs openssl" >&2; exit 1; }
if [ "$tls" = 0 ] && [ -n "$nodes" ]; then
	echo "make-secrets.sh: --node-cert signs with this script's CA, which --no-tls leaves out" >&2
	exit 2
fi
if [ -n "$pgca" ] && [ -z "$pg" ]; then
	echo "make-secrets.sh: --postgres-ca goes with --postgres" >&2
	exit 2
fi

umask 077
mkdir -p "$dir"
[ -z "$pg" ] || mkdir -p "$pgdir"
pgdir=$(cd "$pgdir" 2>/dev/null && pwd || echo "$pgdir")
cd "$dir"
dir=$(pwd)

# random NAME: 32 random bytes as 64 hex digits, once, in the current directory
random() {
	if [ -e "$1" ]; then
		echo "kept    $(pwd)/$1"
		return
	fi
	openssl rand -hex 32 >"$1.tmp"
	mv "$1.tmp" "$1"
	echo "created $(pwd)/$1"
}
random token
random fingerprint.key
random operator.token

# digest TOKEN NAME: the collector's digest file of a token (64 hex digits);
# derived, so written afresh from the token each time
digest() {
	printf '%s' "$(tr -d ' \t\r\n' <"$1")" | openssl dgst -sha256 -r | cut -c1-64 >"$2.tmp"
	mv "$2.tmp" "$2"
}
digest token ingest.sha256
digest operator.token operator.sha256

# The collectors' PostgreSQL DSN, in libpq's keyword form: verify-full
# checks the server's certificate against ca.crt and its name against HOST,
# so neither a stolen address nor another certificate gets the password.
# The path of ca.crt is where overlays/postgres mounts it in the pod. The
# password is hex: nothing in it needs quoting in a DSN or in SQL.
if [ -n "$pg" ]; then
	(
		cd "$pgdir"
		random postgres.password
		case $pg in *:*) host=${pg%:*} port=${pg##*:} ;; *) host=$pg port=5432 ;; esac
		printf 'host=%s port=%s dbname=leakwatch user=leakwatch password=%s sslmode=verify-full sslrootcert=/etc/leakwatch/postgres/ca.crt connect_timeout=10 application_name=leakwatch-collector\n' \
			"$host" "$port" "$(cat postgres.password)" >dsn.tmp
		mv dsn.tmp dsn
		echo "wrote   $pgdir/dsn for $host:$port, database and role leakwatch"
		if [ -n "$pgca" ]; then
			cp "$pgca" ca.crt.tmp && mv ca.crt.tmp ca.crt
			echo "copied  $pgdir/ca.crt"
		elif [ ! -e ca.crt ]; then
			echo "missing $pgdir/ca.crt: the CA of the PostgreSQL server's certificate (--postgres-ca FILE)"
		fi
	)
fi

[ "$tls" = 1 ] || exit 0

svc=leakwatch-collector
ext=$(mktemp)
trap 'rm -f "$ext" tls.csr ca.csr' EXIT
# -extfile keeps this working with OpenSSL 1.1 and LibreSSL as well as 3.x
cat >"$ext" <<EXT
[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:$svc, DNS:$svc.$ns, DNS:$svc.$ns.svc, DNS:$svc.$ns.svc.cluster.local
authorityKeyIdentifier = keyid
EXT

if [ -e ca.crt ] && [ -e ca.key ]; then
	echo "kept    $dir/ca.crt"
else
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null
	openssl req -new -key ca.key -subj "/CN=leakwatch CA" -out ca.csr
	openssl x509 -req -in ca.csr -signkey ca.key -days 3650 -sha256 \
		-extfile "$ext" -extensions ca -out ca.crt 2>/dev/null
	rm -f tls.crt tls.key ca.srl
	echo "created $dir/ca.crt (valid 10 years)"
fi

if [ -e tls.crt ] && [ -e tls.key ] && [ "$renew" = 0 ]; then
	echo "kept    $dir/tls.crt"
else
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out tls.key.tmp 2>/dev/null
	openssl req -new -key tls.key.tmp -subj "/CN=$svc.$ns.svc" -out tls.csr
	openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAserial ca.srl -CAcreateserial \
		-days 730 -sha256 -extfile "$ext" -extensions server -out tls.crt.tmp 2>/dev/null
	mv tls.key.tmp tls.key
	mv tls.crt.tmp tls.crt
	echo "created $dir/tls.crt for $svc.$ns.svc (valid 2 years; renew with --renew-tls)"
fi

# an agent's client certificate: its host name as DNS subjectAltName and CN,
# for TLS client use only
[ -z "$nodes" ] || mkdir -p nodes
for host in $nodes; do
	cat >>"$ext" <<EXT
[node_$host]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:$host
authorityKeyIdentifier = keyid
EXT
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "nodes/$host.key" 2>/dev/null
	openssl req -new -key "nodes/$host.key" -subj "/CN=$host" -out tls.csr
	openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAserial ca.srl -CAcreateserial \
		-days 730 -sha256 -extfile "$ext" -extensions "node_$host" -out "nodes/$host.crt" 2>/dev/null
	echo "created $dir/nodes/$host.crt and .key (valid 2 years): collector.client_cert and client_key on $host"
done
