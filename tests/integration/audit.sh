#!/usr/bin/env bash
# `leakwatch listeners`: the one-shot audit and its exit codes.
. "$(dirname "$0")/lib.sh"

make_netns lwt-aud 10.231.3.2/24 10.231.3.1/24 || exit 1

# Everything private: the host's own listeners cannot make the audit fail.
cat >"$WORK/private.yaml" <<YAML
exposure:
  internal_cidrs: [0.0.0.0/0, "::/0"]
YAML
cat >"$WORK/public.yaml" <<YAML
exposure:
  internal_cidrs: [0.0.0.0/0, "::/0"]
  public_cidrs: [10.231.3.2/32]  # the namespace side only
YAML
cat >"$WORK/expected.yaml" <<YAML
exposure:
  internal_cidrs: [0.0.0.0/0, "::/0"]
  public_cidrs: [10.231.3.2/32]  # the namespace side only
  expected:
    - process: redis-server
      port: 6379
      address: 0.0.0.0
YAML

bg redis ip netns exec lwt-aud redis-server --port 6379 --bind 0.0.0.0 --protected-mode no \
	--save '' --appendonly no
wait_port lwt-aud tcp 6379

"$LEAKWATCH" listeners --config "$WORK/private.yaml" --no-probe >"$WORK/private.txt"
rc=$?
check "exit 0 when nothing is public, unprobed (got $rc)" test "$rc" -eq 0

"$LEAKWATCH" listeners --config "$WORK/private.yaml" >"$WORK/private.txt"
rc=$?
check "exit 1 when a data service answers without credentials on a private address (got $rc)" \
	test "$rc" -eq 1
check "table lists it as high, auth none" grep -Eq '^high +private +tcp +0\.0\.0\.0:6379 +redis +none ' \
	"$WORK/private.txt"

"$LEAKWATCH" listeners --config "$WORK/public.yaml" >"$WORK/public.txt"
rc=$?
check "exit 1 when a data service is public (got $rc)" test "$rc" -eq 1
check "table lists it as critical, auth none" grep -E '^critical +public +tcp +0\.0\.0\.0:6379 +redis +none ' \
	"$WORK/public.txt"
sed 's/^/    /' "$WORK/public.txt" | head -5
check "the table fits 100 columns" bash -c "! awk 'length > 100 { bad = 1 } END { exit !bad }' '$WORK/public.txt'"
"$LEAKWATCH" listeners --config "$WORK/public.yaml" --wide >"$WORK/wide.txt"
check "    --wide adds the namespace and the container" bash -c \
	"head -1 '$WORK/wide.txt' | grep -q 'NETNS *NETNS NAME *CONTAINER' && grep -q '$(netns_ino lwt-aud) *lwt-aud ' '$WORK/wide.txt'"
# a port-named service shows "name?", and the legend says what that means
bg portonly ip netns exec lwt-aud python3 -c '
import socket, time
s = socket.socket(); s.bind(("0.0.0.0", 11211)); s.listen(); time.sleep(600)'
wait_port lwt-aud tcp 11211
"$LEAKWATCH" listeners --config "$WORK/public.yaml" --no-probe >"$WORK/portonly.txt"
check "a service named by its port alone reads memcached?, with a legend line" bash -c \
	"grep -Eq ':11211 +memcached\\? ' '$WORK/portonly.txt' && grep -q '^SERVICE \"redis?\": named by its port alone' '$WORK/portonly.txt'"
kill "$BG_PID"; wait "$BG_PID" 2>/dev/null

"$LEAKWATCH" listeners --config "$WORK/public.yaml" --format json >"$WORK/public.jsonl"
rc=$?
check "json format exits 1 too (got $rc)" test "$rc" -eq 1
expect_json "json names the owning process" "$WORK/public.jsonl" \
	port=6379 process.comm=redis-server process.pid="$(pgrep -f 'redis-server 0.0.0.0:6379' | head -1)" \
	netns="$(netns_ino lwt-aud)" source=inventory

"$LEAKWATCH" listeners --config "$WORK/expected.yaml" >/dev/null
rc=$?
check "exit 0 when the public listener is expected (got $rc)" test "$rc" -eq 0

"$LEAKWATCH" listeners --format yaml >/dev/null 2>&1
rc=$?
check "bad --format exits 2 (got $rc)" test "$rc" -eq 2
