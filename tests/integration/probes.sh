#!/usr/bin/env bash
# Probes against real servers from Debian, each started once in a network
# namespace whose address the agent is told is public, configured open and
# then closed: redis-server (no password, protected mode, requirepass),
# memcached (TCP and UDP; an authfile), PostgreSQL (trust, then
# scram-sha-256), MariaDB (root without, then with a password), ClickHouse
# 18.16 (the default user without, then with a password; HTTP and native)
# and etcd (no auth; client certificates required). `leakwatch listeners`
# probes them all; each must get the right auth state, severity and
# evidence. The password, made here, must appear in no output.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_servers.sh"

NS=lwp13
IP=10.213.1.2
make_netns $NS $IP/24 10.213.1.1/24 || exit 1
NETNS=$(netns_ino $NS)
SECRET="Lw13$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
# the servers' own files, readable by their users
D=$(mktemp -d /tmp/lwp13.XXXXXX)
chmod 755 "$D"
on_exit "rm -rf $D"
CFG=$WORK/agent.yaml
cat >"$CFG" <<YAML
exposure:
  # the test's veth range stands in for an internet-facing interface
  public_cidrs: [10.213.1.0/24]
probe:
  timeout: 3s
YAML

# --- start everything, open ---------------------------------------------
in_ns ip link set lo up
bg redis-open ip netns exec "$NS" redis-server --port 6379 --bind 0.0.0.0 --protected-mode no --save '' --appendonly no
bg redis-protected ip netns exec "$NS" redis-server --port 6380 --bind 0.0.0.0 --save '' --appendonly no
bg redis-pass ip netns exec "$NS" redis-server --port 6381 --bind 0.0.0.0 --requirepass "$SECRET" --save '' --appendonly no
bg memcached-open ip netns exec "$NS" memcached -u nobody -l 0.0.0.0 -p 11211 -U 11211
printf 'probe:%s\n' "$SECRET" >"$D/memcached.auth"
chmod 644 "$D/memcached.auth"
bg memcached-auth ip netns exec "$NS" memcached -u nobody -l 0.0.0.0 -p 11212 -U 0 -Y "$D/memcached.auth"

start_postgres 5432
start_mariadb 3306 || fail "mariadb: root@'%' created"
start_clickhouse 8123 9000
start_etcd open 2379 $IP
start_etcd_tls tls 2479 $IP

for p in tcp:6379 tcp:6380 tcp:6381 tcp:11211 udp:11211 tcp:11212 tcp:5432 tcp:3306 tcp:8123 tcp:9000 \
	tcp:2379 tcp:2479; do
	wait_port $NS "${p%%:*}" "${p##*:}" || wait_port $NS "${p%%:*}" "${p##*:}" ||
		fail "server on $p started" "nothing listens"
done

# probe NAME: `leakwatch listeners` in JSON into $WORK/NAME.json
probe() {
	"$LEAKWATCH" listeners --config "$CFG" --format json >"$WORK/$1.json" 2>"$WORK/$1.err"
	echo $? >"$WORK/$1.rc"
}

# expect_auth NAME RUN PROTO PORT FIELD=VALUE...: the listener's fields, dotted
expect_auth() {
	local name=$1 run=$2 proto=$3 port=$4 out
	shift 4
	if out=$(python3 - "$WORK/$run.json" "$NETNS" "$proto" "$port" "$@" <<'PY'
import json, sys
path, netns, proto, port, conds = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5:]
rows = [json.loads(l) for l in open(path) if l.strip()]
hit = [e for e in rows if e["netns"] == netns and e["protocol"] == proto and e["port"] == port]
if not hit:
    sys.exit(f"no {proto}/{port} listener")
e = hit[0]
def get(e, path):
    for k in path.split("."):
        e = e.get(k) if isinstance(e, dict) else None
    return e
for c in conds:
    key, op, want = (c.partition("~=") if "~=" in c else c.partition("="))
    got = get(e, key)
    ok = (want in str(got)) if op == "~=" else (str(got).lower() if isinstance(got, bool) else str(got)) == want
    if not ok:
        sys.exit(f"{key}: wanted {op} {want!r}, got {got!r}; auth {e.get('auth')}")
print(e["auth"]["evidence"] if e.get("auth") else "no auth")
PY
	); then
		pass "$name ($out)"
	else
		fail "$name" "$out"
	fi
}

# --- open ----------------------------------------------------------------
probe open
expect "listeners exits 1: open doors in public" 1 "$(cat "$WORK/open.rc")"
expect_auth "redis without a password: none, critical" open tcp 6379 auth.state=none auth.protocol=redis \
	severity=critical service.identified_by=protocol "auth.evidence~=PING -> +PONG" "auth.evidence~=redis_version:"
expect_auth "redis in protected mode: required" open tcp 6380 auth.state=required severity=high \
	"auth.evidence~=-DENIED"
expect_auth "redis with requirepass: required" open tcp 6381 auth.state=required severity=high \
	"auth.evidence~=-NOAUTH"
expect_auth "memcached TCP: none, critical" open tcp 11211 auth.state=none severity=critical \
	"auth.evidence~=version -> VERSION 1."
expect_auth "memcached UDP, framed: none, critical" open udp 11211 auth.state=none severity=critical \
	"auth.evidence~=UDP version -> VERSION 1."
expect_auth "memcached with an authfile: required" open tcp 11212 auth.state=required \
	"auth.evidence~=CLIENT_ERROR unauthenticated"
expect_auth "postgresql trust: none, critical" open tcp 5432 auth.state=none auth.protocol=postgresql \
	severity=critical "auth.evidence~=AuthenticationOk"
expect_auth "mariadb root without a password: none, critical" open tcp 3306 auth.state=none \
	auth.protocol=mysql severity=critical "auth.evidence~=-> OK (" "auth.evidence~=MariaDB"
expect_auth "clickhouse HTTP, default user, no password: none, critical" open tcp 8123 auth.state=none \
	auth.protocol=clickhouse-http severity=critical "auth.evidence=SELECT 1 -> 1"
expect_auth "clickhouse native, default user, no password: none, critical" open tcp 9000 auth.state=none \
	auth.protocol=clickhouse-native severity=critical "auth.evidence~=server Hello ClickHouse 18.16"
expect_auth "etcd without auth: none, critical" open tcp 2379 auth.state=none auth.protocol=etcd \
	severity=critical "auth.evidence~=etcd 3.4" "auth.evidence~=count_only"
expect_auth "etcd wanting client certificates: tls, certificate required" open tcp 2479 auth.state=tls \
	auth.tls=true auth.client_cert=required severity=high "auth.evidence~=client certificate required"

# without libssl (loaded at the first TLS probe): unknown, and why
(without libssl.so.3 "$LEAKWATCH" listeners --config "$CFG" --format json) >"$WORK/nossl.json" 2>"$WORK/nossl.err"
expect_auth "without libssl, the TLS listener: unknown, naming the package" nossl tcp 2479 auth.state=unknown \
	"auth.evidence~=cannot load libssl.so.3" "auth.evidence~=the libssl3 package"
expect_auth "without libssl, a plain one is still probed" nossl tcp 2379 auth.state=none auth.protocol=etcd

"$LEAKWATCH" listeners --config "$CFG" --format json --no-probe >"$WORK/noprobe.json" 2>/dev/null
check "--no-probe: no listener of the namespace carries auth" python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
mine = [e for e in rows if e["netns"] == int(sys.argv[2])]
assert len(mine) >= 12 and all(e["auth"] is None for e in mine), mine[:1]' "$WORK/noprobe.json" "$NETNS"
"$LEAKWATCH" listeners --config "$CFG" >"$WORK/table.txt" 2>/dev/null
check "the table has an AUTH column" grep -Eq "^SEVERITY .* AUTH " "$WORK/table.txt"
check "the table shows redis critical with auth none" \
	grep -Eq "^critical +public +tcp +0\.0\.0\.0:6379 +redis +none " "$WORK/table.txt"

# --- closed --------------------------------------------------------------
in_ns redis-cli -p 6379 CONFIG SET requirepass "$SECRET" >/dev/null
echo "host all all 0.0.0.0/0 scram-sha-256" >"$D/pg/pg_hba.conf"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$D/pg" reload >/dev/null
mariadb_sql "ALTER USER root@'%' IDENTIFIED BY '$SECRET'"
ch_users "$SECRET"
# ClickHouse re-reads users.xml within seconds
for _ in $(seq 40); do
	probe closed
	grep -q '"port":8123.*"state":"required"' "$WORK/closed.json" &&
		grep -q '"port":9000.*"state":"required"' "$WORK/closed.json" && break
	sleep 0.5
done
expect_auth "redis after CONFIG SET requirepass: required" closed tcp 6379 auth.state=required severity=high \
	"auth.evidence~=-NOAUTH"
expect_auth "postgresql scram-sha-256: required" closed tcp 5432 auth.state=required severity=high \
	"auth.evidence~=AuthenticationSASL (SCRAM-SHA-256"
expect_auth "mariadb root with a password: required, ERR 1045" closed tcp 3306 auth.state=required \
	severity=high "auth.evidence~=ERR 1045"
expect_auth "clickhouse HTTP with a password: required" closed tcp 8123 auth.state=required \
	auth.protocol=clickhouse-http severity=high "auth.evidence~=exception 19"
expect_auth "clickhouse native with a password: required" closed tcp 9000 auth.state=required \
	auth.protocol=clickhouse-native severity=high "auth.evidence~=exception 19"

# --- what the servers logged: the probe sent no password ------------------
check "mariadb logged the refused probe as 'using password: NO'" \
	grep -q "Access denied for user 'root'@'$IP' (using password: NO)" "$D/my/mariadb.err"
check "postgresql logged no failed password for the probe" \
	bash -c "! grep -q 'password authentication failed' '$WORK/postgres.log'"
check "the password is in no output" bash -c "! grep -rqF '$SECRET' '$WORK'"
