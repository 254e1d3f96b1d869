#!/usr/bin/env bash
# A listener's verdict follows its namespace's addresses as they change: a
# public address (a floating IP, a keepalived VIP) added to a namespace where
# a redis listens on 0.0.0.0 makes it public at once, and its removal makes
# it private again. address_refresh is an hour here, so only the rtnetlink
# watch can see either change. And a namespace is known by its cookie and
# name, not by its inode alone, which the kernel reuses.
. "$(dirname "$0")/lib.sh"

make_netns lwad 10.214.5.2/24 10.214.5.1/24 || exit 1
NS=$(netns_ino lwad)

cat >"$WORK/agent.yaml" <<YAML
agent:
  health_interval: 1s
exposure:
  address_refresh: 1h
  public_cidrs: [10.214.6.0/24]
probe:
  timeout: 2s
YAML
head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$WORK/redis.pass"
bg redis ip netns exec lwad redis-server --port 6379 --bind 0.0.0.0 --requirepass "$(cat "$WORK/redis.pass")" \
	--save '' --appendonly no --daemonize no
wait_port lwad tcp 6379 || fail "redis listens"

start_agent "$WORK/agent.yaml" || exit 1
expect_json "redis with a password on a private address: medium, private" "$WORK/agent.out" \
	kind=listener netns="$NS" port=6379 exposure=private severity=medium auth.state=required

# the VIP arrives: within a second, judged again from its address
T0=$(date +%s%N)
ip netns exec lwad ip addr add 10.214.6.7/32 dev lwadn
expect_json "a public address added to its namespace: high, public, source address" "$WORK/agent.out" \
	kind=listener netns="$NS" port=6379 source=address exposure=public severity=high \
	reachable.*.address=10.214.6.7
LAG_MS=$(python3 -c '
import json, sys
from datetime import datetime
ev, t0 = json.loads(sys.argv[1]), int(sys.argv[2])
ts = datetime.fromisoformat(ev["ts"].replace("Z", "+00:00")).timestamp() * 1e9
print(int((ts - t0) / 1e6))' "$LAST_MATCH" "$T0")
echo "    re-judged ${LAG_MS} ms after the address was added"
check "    judged again within 1 s of the change" test "${LAG_MS:-9999}" -lt 1000

# and leaves: private again
ip netns exec lwad ip addr del 10.214.6.7/32 dev lwadn
expect_json "the public address removed: medium, private, source address" "$WORK/agent.out" \
	kind=listener netns="$NS" port=6379 source=address exposure=private severity=medium

# an address that changes nothing a verdict depends on says nothing
ip netns exec lwad ip addr add 10.214.5.9/24 dev lwadn
check "another private address: no new event" python3 "$JSONMATCH" "$WORK/agent.out" --absent --timeout 2 \
	kind=listener netns="$NS" port=6379 source=address reachable.*.address=10.214.5.9

# --- a namespace's identity: its cookie, never reused, and its name --------
# The kernel reuses a deleted namespace's inode for the next one: lwid2
# usually gets lwid1's. Its listener must not pass for lwid1's.
ip netns add lwid1 && on_exit "ip netns del lwid1 2>/dev/null"
ip netns exec lwid1 ip link set lo up
INO1=$(netns_ino lwid1)
lo_listener() { # NS PORT
	bg "lo-$1" ip netns exec "$1" python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(600)' "$2"
	wait_port "$1" tcp "$2"
}
lo_listener lwid1 7301
expect_json "a listener carries its namespace's name and cookie" "$WORK/agent.out" \
	kind=listener event=open netns="$INO1" port=7301 netns_name=lwid1
COOKIE1=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["netns_cookie"])' "$LAST_MATCH")
check "    the cookie is set (got $COOKIE1)" test "${COOKIE1:-0}" -gt 0
kill "$BG_PID"
expect_json "    it closes" "$WORK/agent.out" kind=listener event=close netns="$INO1" port=7301
ip netns del lwid1
ip netns add lwid2 && on_exit "ip netns del lwid2 2>/dev/null"
ip netns exec lwid2 ip link set lo up
INO2=$(netns_ino lwid2)
echo "    lwid1 had inode $INO1, lwid2 has $INO2"
lo_listener lwid2 7301
expect_json "the next namespace's listener: its own name, another cookie" "$WORK/agent.out" \
	kind=listener event=open netns="$INO2" port=7301 netns_name=lwid2 netns_cookie!="$COOKIE1"

check "the password never reached the agent's output" bash -c \
	"! grep -qF '$(cat "$WORK/redis.pass")' '$WORK/agent.out' '$WORK/agent.err'"
check "agent still running" kill -0 "$AGENT_PID"
stop_agent
check "agent stopped cleanly" test $? -eq 0
