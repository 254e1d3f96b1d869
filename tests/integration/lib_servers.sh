# Real Debian servers for the probe tests and benchmarks, each started in
# network namespace $NS with its files under $D (a directory its service
# user can read). Sourced after lib.sh; tests/run.sh runs no lib*.sh.

# In the foreground only: bg needs `ip netns exec` itself, so that the pid it
# kills at exit is the server's (a function would run in a subshell).
in_ns() { ip netns exec "$NS" "$@"; }

# start_postgres PORT: pg_hba.conf trusts everyone; PGBIN is set
start_postgres() {
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
	mkdir -p "$D/pg" "$D/pgsock" && chown postgres "$D/pg" "$D/pgsock"
	runuser -u postgres -- "$PGBIN/initdb" -D "$D/pg" -U postgres --auth=trust >"$WORK/initdb.log" 2>&1
	echo "host all all 0.0.0.0/0 trust" >"$D/pg/pg_hba.conf"
	bg postgres ip netns exec "$NS" setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/postgres" -D "$D/pg" -c listen_addresses='*' \
		-c port="$1" -c unix_socket_directories="$D/pgsock" -c log_connections=on -c logging_collector=off
	on_exit "kill -9 \$(head -1 $D/pg/postmaster.pid)"
}

# start_mariadb PORT: root@'%' without a password, as exposed setups have it
# (root@localhost stays socket-only); its log is $D/my/mariadb.err
start_mariadb() {
	mkdir -p "$D/my" && chown mysql "$D/my"
	mariadb-install-db --user=mysql --datadir="$D/my" --auth-root-authentication-method=socket \
		>"$WORK/mariadb-install.log" 2>&1
	bg mariadb ip netns exec "$NS" mariadbd --user=mysql --datadir="$D/my" --socket="$D/my/my.sock" --port="$1" \
		--bind-address=0.0.0.0 --pid-file="$D/my/my.pid" --log-error="$D/my/mariadb.err" --skip-log-bin
	on_exit "kill -9 \$(cat $D/my/my.pid)"
	for _ in $(seq 100); do
		in_ns mariadb -S "$D/my/my.sock" -u root -e "CREATE USER root@'%'; GRANT ALL ON *.* TO root@'%'" \
			2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
mariadb_sql() { in_ns mariadb -S "$D/my/my.sock" -u root -e "$1"; }

# ch_users PASSWORD: the default user's password, empty for none; the
# server re-reads the file within seconds of its mtime changing, which it
# reads in whole seconds: a change in the second of the last one gets a later mtime
ch_users() {
	local prev now
	prev=$(stat -c %Y "$D/ch/users.xml" 2>/dev/null || echo 0)
	now=$(date +%s)
	cat >"$D/ch/users.xml.tmp" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password>$1</password><networks><ip>::/0</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
XML
	mv "$D/ch/users.xml.tmp" "$D/ch/users.xml"
	[ "$now" -gt "$prev" ] || touch -d "@$((prev + 2))" "$D/ch/users.xml"
}

# start_clickhouse HTTP_PORT NATIVE_PORT: the default user without a password
start_clickhouse() {
	local user
	mkdir -p "$D/ch"
	chown clickhouse "$D/ch" 2>/dev/null || chown nobody "$D/ch"
	user=$(stat -c %U "$D/ch")
	cat >"$D/ch/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>debug</level><log>$D/ch/server.log</log><errorlog>$D/ch/error.log</errorlog></logger>
  <http_port>$1</http_port>
  <tcp_port>$2</tcp_port>
  <listen_host>0.0.0.0</listen_host>
  <path>$D/ch/data/</path>
  <tmp_path>$D/ch/tmp/</tmp_path>
  <user_files_path>$D/ch/files/</user_files_path>
  <format_schema_path>$D/ch/schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
</yandex>
XML
	ch_users ""
	chown -R "$user" "$D/ch"
	bg clickhouse ip netns exec "$NS" setpriv --reuid="$user" --regid="$user" --init-groups /usr/sbin/clickhouse-server --config-file="$D/ch/config.xml"
}

# start_etcd NAME PORT ADDRESS: no authentication; its peer port is PORT+1 on loopback
start_etcd() {
	bg "etcd-$1" ip netns exec "$NS" etcd --name "$1" --data-dir "$D/etcd-$1" --listen-client-urls "http://0.0.0.0:$2" \
		--advertise-client-urls "http://$3:$2" --listen-peer-urls "http://127.0.0.1:$(($2 + 1))" \
		--initial-advertise-peer-urls "http://127.0.0.1:$(($2 + 1))" \
		--initial-cluster "$1=http://127.0.0.1:$(($2 + 1))"
}

# start_etcd_tls NAME PORT ADDRESS: HTTPS, and a client certificate from $D/ca.crt required
start_etcd_tls() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=$1-ca" \
		-keyout "$D/ca.key" -out "$D/ca.crt" >/dev/null 2>&1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$3" -keyout "$D/etcd.key" \
		-out "$D/etcd.csr" >/dev/null 2>&1
	printf 'subjectAltName=IP:%s\n' "$3" >"$D/ext.cnf"
	openssl x509 -req -in "$D/etcd.csr" -CA "$D/ca.crt" -CAkey "$D/ca.key" -CAcreateserial -days 2 \
		-extfile "$D/ext.cnf" -out "$D/etcd.crt" >/dev/null 2>&1
	bg "etcd-$1" ip netns exec "$NS" etcd --name "$1" --data-dir "$D/etcd-$1" --listen-client-urls "https://0.0.0.0:$2" \
		--advertise-client-urls "https://$3:$2" --listen-peer-urls "http://127.0.0.1:$(($2 + 1))" \
		--initial-advertise-peer-urls "http://127.0.0.1:$(($2 + 1))" \
		--initial-cluster "$1=http://127.0.0.1:$(($2 + 1))" \
		--cert-file "$D/etcd.crt" --key-file "$D/etcd.key" --client-cert-auth --trusted-ca-file "$D/ca.crt"
}
