#!/usr/bin/env bash
# A listener's verdict follows its namespace's addresses as they change: a
# public address (a floating IP, a keepalived VIP) added to a namespace where
# a redis listens on 0.0.0.0 makes it public at once, and its removal makes
# it private again. address_refresh is an hour here, so only the rtnetlink
# watch can see either change.
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

check "the password never reached the agent's output" bash -c \
	"! grep -qF '$(cat "$WORK/redis.pass")' '$WORK/agent.out' '$WORK/agent.err'"
check "agent still running" kill -0 "$AGENT_PID"
stop_agent
check "agent stopped cleanly" test $? -eq 0
