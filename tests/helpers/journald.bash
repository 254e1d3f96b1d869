# A real systemd-journald of its own, for tests and benchmarks: it runs in a
# mount namespace whose /run is DIR/run, so the host's journal is never
# touched. Its sockets are DIR/run/systemd/journal/{socket,stdout,dev-log}
# (systemd-cat must run in its namespace: nsenter -t $JPID -m), its files
# DIR/run/log/journal/<machine-id>/. Sourced; bash.

# journald_start DIR LOG: starts it; sets JPID. Returns 1 if it did not come up.
journald_start() {
	local dir=$1 log=$2
	mkdir -p "$dir/run" "$dir/conf"
	cat >"$dir/conf/journald.conf" <<'CONF'
[Journal]
Storage=volatile
RuntimeMaxUse=512M
RateLimitIntervalSec=0
ReadKMsg=no
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToConsole=no
ForwardToWall=no
CONF
	unshare -m bash -c 'set -e
		mount --make-rprivate /
		mount --bind "$1/run" /run
		mount --bind "$1/conf/journald.conf" /etc/systemd/journald.conf
		mkdir -p /run/systemd/journal
		exec /lib/systemd/systemd-journald' _ "$dir" >"$log" 2>&1 &
	JPID=$!
	disown "$JPID"
	for _ in $(seq 50); do
		[ -S "$dir/run/systemd/journal/socket" ] && [ -S "$dir/run/systemd/journal/stdout" ] && return 0
		kill -0 "$JPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "journald did not start: $(cat "$log")" >&2
	return 1
}

# journald_stop: stops it and waits until it is gone
journald_stop() {
	kill "$JPID" 2>/dev/null
	while kill -0 "$JPID" 2>/dev/null; do sleep 0.05; done
}
