#!/usr/bin/env bash
# Listener detection against the real kernel: real redis-server and
# memcached in test network namespaces, the agent running.
. "$(dirname "$0")/lib.sh"

make_netns lwt-pub 10.231.1.2/24 10.231.1.1/24 || exit 1
make_netns lwt-b 10.231.2.2/24 10.231.2.1/24 || exit 1
PUB_NS=$(netns_ino lwt-pub)
B_NS=$(netns_ino lwt-b)

cat >"$WORK/agent.yaml" <<YAML
agent:
  health_interval: 1s
exposure:
  # the test's veth range stands in for an internet-facing interface
  public_cidrs: [10.231.1.0/24]
  expected:
    - process: redis-server
      port: 6391
YAML

redis() { # NS PORT BIND
	bg "redis-$2" ip netns exec "$1" redis-server --port "$2" --bind "$3" --protected-mode no \
		--save '' --appendonly no --daemonize no
	wait_port "$1" tcp "$2"
}

# Already listening before the agent starts: must be in the inventory.
redis lwt-pub 6390 0.0.0.0
PRE_PID=$BG_PID
redis lwt-pub 6391 0.0.0.0   # on the expected list
udp_listener() { # NS PORT: a UDP socket bound to 0.0.0.0:PORT until killed
	bg "udp-$2" ip netns exec "$1" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", int(sys.argv[1])))
time.sleep(600)' "$2"
	wait_port "$1" udp "$2"
}
udp_listener lwt-pub 5690
PRE_UDP_PID=$BG_PID

start_agent "$WORK/agent.yaml" || exit 1

expect_json "inventory reports a listener that predates the agent" "$WORK/agent.out" \
	source=inventory event=open port=6390 netns="$PUB_NS" process.comm=redis-server \
	severity=critical exposure=public service.name=redis auth.state=none

expect_json "expected listener is silenced to info" "$WORK/agent.out" \
	port=6391 expected=true unexpected=false severity=info

redis lwt-pub 6379 0.0.0.0
expect_json "redis on 0.0.0.0 in a public namespace, no password: critical and public" "$WORK/agent.out" \
	source=kernel event=open protocol=tcp address=0.0.0.0 port=6379 netns="$PUB_NS" \
	severity=critical exposure=public unexpected=true service.name=redis auth.state=none \
	service.identified_by=protocol process.comm=redis-server reachable.1.class=public
echo "    event: $LAST_MATCH" | cut -c1-400
OPEN_6379_PID=$BG_PID

redis lwt-pub 6380 127.0.0.1
expect_json "redis on 127.0.0.1 is info" "$WORK/agent.out" \
	source=kernel event=open port=6380 address=127.0.0.1 severity=info exposure=loopback

bg memcached ip netns exec lwt-pub memcached -u nobody -l 0.0.0.0 -p 11311 -U 11311
wait_port lwt-pub udp 11311
expect_json "memcached UDP bind is seen" "$WORK/agent.out" \
	source=kernel event=open protocol=udp port=11311 process.comm=memcached \
	service.name=memcached netns="$PUB_NS"

bg dualstack ip netns exec lwt-pub python3 -c '
import socket, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 9999)); s.listen(); time.sleep(600)'
wait_port lwt-pub tcp 9999
expect_json "dual-stack :: listener with v6only=0 reaches IPv4" "$WORK/agent.out" \
	event=open family=ipv6 address=:: port=9999 v6only=false exposure=public \
	reachable.*.address=10.231.1.2 reachable.*.address=::1

bg v6only ip netns exec lwt-b python3 -c '
import socket, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind(("::", 9998)); s.listen(); time.sleep(600)'
wait_port lwt-b tcp 9998
expect_json "v6only :: listener reaches no IPv4 address" "$WORK/agent.out" \
	event=open port=9998 v6only=true reachable.*.address=::1 reachable.*.address!=127.0.0.1

# IPv6 UDP: seen by the post_bind6 hook (post_bind4 saw memcached)
bg udp6 ip netns exec lwt-b python3 -c '
import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("::", 5683)); time.sleep(600)'
wait_port lwt-b udp 5683
expect_json "an IPv6 UDP bind is seen" "$WORK/agent.out" \
	source=kernel event=open protocol=udp family=ipv6 address=:: port=5683 netns="$B_NS"

# A UDP socket bound to port 0 is a client (a resolver, a statsd client):
# the kernel picks its port, and nothing listens there. One on 0.0.0.0:0 and
# one on [::]:0, then a marker bound to a port, seen after them.
bg udp-ephemeral ip netns exec lwt-b python3 -c '
import socket, time
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("0.0.0.0", 0))
b = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); b.bind(("::", 0))
open("'"$WORK"'/ephemeral.ports", "w").write("%d %d\n" % (a.getsockname()[1], b.getsockname()[1]))
time.sleep(0.3)
m = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); m.bind(("0.0.0.0", 5686))
time.sleep(600)'
wait_port lwt-b udp 5686
expect_json "a UDP bind to a port is seen (marker)" "$WORK/agent.out" event=open protocol=udp port=5686 netns="$B_NS"
read -r EPH4 EPH6 <"$WORK/ephemeral.ports"
check "a UDP bind to 0.0.0.0:0 (got $EPH4) is not a listener" python3 "$JSONMATCH" "$WORK/agent.out" \
	--absent --timeout 1 kind=listener protocol=udp netns="$B_NS" port="$EPH4"
check "a UDP bind to [::]:0 (got $EPH6) is not a listener" python3 "$JSONMATCH" "$WORK/agent.out" \
	--absent --timeout 0 kind=listener protocol=udp netns="$B_NS" port="$EPH6"

redis lwt-b 6379 0.0.0.0
expect_json "listener in a second namespace carries that namespace" "$WORK/agent.out" \
	event=open port=6379 netns="$B_NS" exposure=private severity=high auth.state=none

# A connection's child socket is cloned from the listener and leaves LISTEN
# for SYN_RECV: that must not read as the listener closing.
ip netns exec lwt-pub redis-cli -p 6379 ping >/dev/null
ip netns exec lwt-pub python3 -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 9997)); s.listen()
time.sleep(0.3)
for _ in range(3):
    c = socket.create_connection(("127.0.0.1", 9997)); a, _ = s.accept(); a.close(); c.close()
time.sleep(600)' >/dev/null 2>&1 &
ACCEPT_PID=$!
on_exit "kill -9 $ACCEPT_PID"
expect_json "a listener that accepts connections is seen" "$WORK/agent.out" event=open port=9997
check "accepted connections do not close the listener" python3 "$JSONMATCH" "$WORK/agent.out" \
	--absent --timeout 2 event=close netns="$PUB_NS" port=9997
check "nor redis's" python3 "$JSONMATCH" "$WORK/agent.out" --absent --timeout 1 event=close port=6379

kill "$OPEN_6379_PID"
expect_json "closing a listener gives a close event" "$WORK/agent.out" \
	event=close port=6379 netns="$PUB_NS" source=kernel

kill "$PRE_PID"
expect_json "closing an inventoried listener gives a close event" "$WORK/agent.out" \
	event=close port=6390 netns="$PUB_NS"

# a UDP listener the inventory found closes like one the kernel reported,
# and the next one on its port is seen afresh
expect_json "an inventoried UDP listener" "$WORK/agent.out" event=open source=inventory protocol=udp port=5690
kill "$PRE_UDP_PID"
expect_json "    closes when its socket is released" "$WORK/agent.out" event=close protocol=udp port=5690 \
	netns="$PUB_NS" source=kernel
udp_listener lwt-pub 5690
expect_json "    and a new bind on its port is a new open" "$WORK/agent.out" event=open source=kernel \
	protocol=udp port=5690 netns="$PUB_NS"

kill "$(pgrep -f 'memcached -u nobody -l 0.0.0.0 -p 11311')" 2>/dev/null
expect_json "closing a UDP listener gives a close event" "$WORK/agent.out" \
	event=close protocol=udp port=11311

expect_json "health line reports ring buffer drops" "$WORK/agent.err" \
	msg=health drops.ringbuf_full=0

check "the whole stdout is JSON lines" python3 -c '
import json, sys
for n, row in enumerate(open(sys.argv[1]), 1):
    json.loads(row)
' "$WORK/agent.out"

stop_agent
rc=$?
check "SIGTERM exits 0 (got $rc)" test "$rc" -eq 0
check "no leakwatch program stays loaded" bash -c \
	'! bpftool prog show 2>/dev/null | grep -E "name lw_(tcp_state|bind_enter|bind_exit|bind4|bind6|post_bind4|post_bind6|sock_release)"'
check "no leakwatch program stays attached to a cgroup" bash -c \
	'! bpftool cgroup tree 2>/dev/null | grep -qE "lw_(sock_release|post_bind|bind4|bind6)"'

# Without cgroup v2 (here: a mount namespace without its mounts), UDP binds
# are seen through the bind syscall tracepoints instead of the cgroup hooks.
printf 'state_dir: %s/nocg-state\nmetrics:\n  listen: 127.0.0.1:0\n' "$WORK" >"$WORK/nocg.yaml"
unshare -m --propagation private bash -c '
for m in $(awk '\''{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break } }'\'' /proc/self/mountinfo); do
	umount -l "$m" || exit 1
done
exec "$0" run --config "$1"' "$LEAKWATCH" "$WORK/nocg.yaml" >"$WORK/nocg.out" 2>"$WORK/nocg.err" &
NOCG_PID=$!
on_exit "kill -9 $NOCG_PID"
for _ in $(seq 100); do grep -q '"start-up inventory' "$WORK/nocg.err" && break; sleep 0.1; done
expect_json "without cgroup v2: the fallback is logged" "$WORK/nocg.err" \
	level=warn 'msg~no cgroup v2 mount: UDP binds are seen through the bind syscall'
bg udp-nocg ip netns exec lwt-b python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5684)); time.sleep(600)'
wait_port lwt-b udp 5684
expect_json "without cgroup v2: a UDP bind is seen by the tracepoints" "$WORK/nocg.out" \
	source=kernel event=open protocol=udp port=5684 netns="$B_NS"
EPH=$(ip netns exec lwt-b python3 -c '
import socket, time
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("0.0.0.0", 0))
print(a.getsockname()[1]); time.sleep(1)')
check "without cgroup v2: a UDP bind to port 0 (got $EPH) is not a listener" python3 "$JSONMATCH" \
	"$WORK/nocg.out" --absent --timeout 1 kind=listener protocol=udp port="$EPH"
kill -TERM "$NOCG_PID"; wait "$NOCG_PID"; rc=$?
check "without cgroup v2: SIGTERM exits 0 (got $rc)" test "$rc" -eq 0

# In a cgroup namespace of its own, the cgroup2 mount shows a subtree, not
# the host: hooks attached there would miss every other process's binds,
# so the agent must not take it for the root.
CG2=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break } }' /proc/self/mountinfo | head -1)
CGA="$CG2/lwt-cgns-$$"
mkdir "$CGA"
on_exit "rmdir '$CGA'"
cat >"$WORK/cgns.sh" <<'SH'
# cgns.sh CGROUP MOUNTPOINT LEAKWATCH CONFIG: the agent in its own cgroup
# and mount namespaces, cgroup2 mounted afresh (the namespace's subtree)
echo $$ >"$1/cgroup.procs" || exit 1
exec unshare -C -m --propagation private bash -c '
	umount -l "$1" && mount -t cgroup2 none "$1" || exit 1
	exec "$2" run --config "$3"' _ "$2" "$3" "$4"
SH
bash "$WORK/cgns.sh" "$CGA" "$CG2" "$LEAKWATCH" "$WORK/nocg.yaml" >"$WORK/cgns.out" 2>"$WORK/cgns.err" &
CGNS_PID=$!
on_exit "kill -9 $CGNS_PID"
for _ in $(seq 100); do grep -q '"start-up inventory' "$WORK/cgns.err" && break; sleep 0.1; done
expect_json "in a cgroup namespace: its subtree is not taken for the root" "$WORK/cgns.err" \
	level=warn 'msg~is not the root of the cgroup v2 hierarchy'
bg udp-cgns ip netns exec lwt-b python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5685)); time.sleep(600)'
wait_port lwt-b udp 5685
expect_json "in a cgroup namespace: another process's UDP bind is still seen" "$WORK/cgns.out" \
	source=kernel event=open protocol=udp port=5685 netns="$B_NS"
kill -TERM "$CGNS_PID"; wait "$CGNS_PID"; rc=$?
check "in a cgroup namespace: SIGTERM exits 0 (got $rc)" test "$rc" -eq 0
