# A PostgreSQL of the suite's own, for the collector's suites run on it
# (tests/run.sh) and for the tests of several collectors on one database:
# initdb in a temporary folder, a Unix socket only, its own port, trust for
# local connections. Sourced; pg_start prints the libpq DSN of its server.

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

# pg_free_port: a loopback TCP port nobody listens on right now, for a server
pg_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# pg_start DIR PORT: a fresh server in DIR; the DSN on stdout
pg_start() {
	local dir=$1 port=$2
	rm -rf "$dir" && mkdir -p "$dir" && chown postgres: "$dir" || return 1
	runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres >"$dir/initdb.log" 2>&1 ||
		{ tail -3 "$dir/initdb.log" >&2; return 1; }
	pg_ctl_start "$dir" "$port" || return 1
	echo "host=$dir port=$port user=postgres"
}

# pg_ctl_start DIR PORT: starts (again) the server initdb made in DIR; fsync
# is off for tests, PG_FSYNC=on for a benchmark
pg_ctl_start() {
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 30 \
		-o "-p $2 -k $1 -c listen_addresses='' -c max_connections=200 -c fsync=${PG_FSYNC:-off}" \
		start >/dev/null ||
		{ tail -5 "$1/server.log" >&2; return 1; }
}

# pg_stop DIR [MODE]: stops it (fast, or immediate)
pg_stop() {
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$1/data" -m "${2:-fast}" -w stop >/dev/null 2>&1
}

# pg_db_for PATH: the database that stands for an SQLite file's folder, so
# that a suite's $STATE/collector.db and its state_dir name the same one
pg_db_for() {
	printf 'lw_%s' "$(printf '%s' "$(dirname "$1")" | md5sum | cut -c1-16)"
}

# pg_sql DSN DB SQL: rows as SQLite's shell prints them (a|b)
pg_sql() {
	psql "$1 dbname=$2" -X -q -A -t -F '|' -v ON_ERROR_STOP=1 -c "$3"
}

# pg_ensure_db DSN DB: creates it once (two collectors may ask at once)
pg_ensure_db() {
	[ "$(pg_sql "$1" postgres "SELECT 1 FROM pg_database WHERE datname = '$2'")" = 1 ] && return 0
	pg_sql "$1" postgres "CREATE DATABASE $2" >/dev/null 2>&1
	[ "$(pg_sql "$1" postgres "SELECT 1 FROM pg_database WHERE datname = '$2'")" = 1 ]
}
