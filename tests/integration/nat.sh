#!/usr/bin/env bash
# Exposure through destination NAT: a redis in a namespace with only a
# private address is published on a public one by a DNAT rule in another
# namespace (the host side), as Docker -p, a hostPort or a port forward do.
# The agent reads the rule from nf_tables and reports the listener public,
# with `published`; deleting the rule takes it back to private. Both nft's
# own dnat and iptables-nft's DNAT target are read.
. "$(dirname "$0")/lib.sh"

# lwnh: the host side, public 10.215.1.2 towards this namespace (the
# "internet"), private 172.31.9.1 towards lwnd, where redis runs
make_netns lwnh 10.215.1.2/24 10.215.1.1/24 || exit 1
ip netns del lwnd 2>/dev/null
ip netns add lwnd || exit 1
on_exit "ip netns del lwnd"
ip link add lwndh netns lwnh type veth peer name lwndn netns lwnd || exit 1
ip netns exec lwnh ip addr add 172.31.9.1/24 dev lwndh
ip netns exec lwnh ip link set lwndh up
ip netns exec lwnh sysctl -qw net.ipv4.ip_forward=1
ip netns exec lwnd ip addr add 172.31.9.2/24 dev lwndn
ip netns exec lwnd ip link set lwndn up
ip netns exec lwnd ip link set lo up
ip netns exec lwnd ip route add default via 172.31.9.1
NSD=$(netns_ino lwnd)
NSH=$(netns_ino lwnh)

head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$WORK/redis.pass"
PASS=$(cat "$WORK/redis.pass")
bg redis ip netns exec lwnd redis-server --port 6379 --bind 0.0.0.0 --requirepass "$PASS" \
	--save '' --appendonly no --daemonize no
wait_port lwnd tcp 6379 || fail "redis listens"

cat >"$WORK/agent.yaml" <<YAML
agent:
  health_interval: 1s
exposure:
  public_cidrs: [10.215.1.0/24]
  nat_refresh: 1s
probe:
  timeout: 2s
metrics:
  listen: 127.0.0.1:0
YAML
start_agent "$WORK/agent.yaml" || exit 1
MPORT=$(grep -o '"msg":"metrics and health[^}]*"port":[0-9]*' "$WORK/agent.err" | grep -o '[0-9]*$')
expect_json "redis on its own private address: medium, private, not published" "$WORK/agent.out" \
	kind=listener netns="$NSD" port=6379 exposure=private severity=medium auth.state=required
check "    no published field" python3 -c 'import json,sys; assert "published" not in json.loads(sys.argv[1])' \
	"$LAST_MATCH"

# --- nft's own dnat: any address of lwnh, port 16379 -> redis ---------------
ip netns exec lwnh nft -f - <<'NFT'
table ip lwnat {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		tcp dport 16379 dnat to 172.31.9.2:6379
	}
}
NFT
check "the rule works: PING through the public address" bash -c \
	"REDISCLI_AUTH='$PASS' redis-cli -h 10.215.1.2 -p 16379 --no-auth-warning ping | grep -qx PONG"
expect_json "a DNAT rule publishes it: high, public, source nat" "$WORK/agent.out" \
	kind=listener netns="$NSD" port=6379 source=nat exposure=public severity=high \
	published.address=10.215.1.2 published.port=16379 published.exposure=public \
	published.own_exposure=private published.netns="$NSH" published.table=lwnat published.chain=pre

check "/metrics counts it: leakwatch_listeners{exposure=public,severity=high}" bash -c '
	for _ in $(seq 30); do
		curl -s "http://127.0.0.1:$1/metrics" |
			grep -Eq "^leakwatch_listeners\{exposure=\"public\",severity=\"high\"\} [1-9]" && exit 0
		sleep 0.1
	done; exit 1' _ "$MPORT"

ip netns exec lwnh nft delete table ip lwnat
expect_json "the rule deleted: private and medium again" "$WORK/agent.out" \
	kind=listener netns="$NSD" port=6379 source=nat exposure=private severity=medium
check "    no published field" python3 -c 'import json,sys; assert "published" not in json.loads(sys.argv[1])' \
	"$LAST_MATCH"

# --- iptables-nft's DNAT target, to one address ------------------------------
ip netns exec lwnh iptables -t nat -A PREROUTING -d 10.215.1.2/32 -p tcp --dport 26379 \
	-j DNAT --to-destination 172.31.9.2:6379
expect_json "iptables-nft's DNAT publishes it too" "$WORK/agent.out" \
	kind=listener netns="$NSD" port=6379 source=nat exposure=public severity=high \
	published.address=10.215.1.2 published.port=26379 published.table=nat published.chain=PREROUTING

# a rule to another port, or to a private address, publishes nothing more
ip netns exec lwnh iptables -t nat -F PREROUTING
ip netns exec lwnh iptables -t nat -A PREROUTING -p tcp --dport 5432 -j DNAT --to-destination 172.31.9.2:5432
expect_json "a rule for another port leaves it private" "$WORK/agent.out" \
	kind=listener netns="$NSD" port=6379 source=nat exposure=private severity=medium

check "leakwatch listeners (one-shot) sees the same" bash -c "
	ip netns exec lwnh iptables -t nat -A PREROUTING -p tcp --dport 36379 -j DNAT --to-destination 172.31.9.2:6379
	'$LEAKWATCH' listeners --config '$WORK/agent.yaml' --format json --no-probe 2>/dev/null |
	python3 -c '
import json, sys
rows = [r for r in map(json.loads, sys.stdin) if r.get(\"port\") == 6379 and r.get(\"netns\") == $NSD]
assert rows and rows[0][\"exposure\"] == \"public\" and rows[0][\"published\"][\"port\"] == 36379, rows'"

check "the password never reached the agent's output" bash -c \
	"! grep -qF '$PASS' '$WORK/agent.out' '$WORK/agent.err'"
check "agent still running" kill -0 "$AGENT_PID"
stop_agent
check "agent stopped cleanly" test $? -eq 0
