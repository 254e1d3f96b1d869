#!/usr/bin/env bash
# A full ring buffer loses records; the loss must be counted and reported.
. "$(dirname "$0")/lib.sh"

cat >"$WORK/agent.yaml" <<YAML
agent:
  ringbuf_size: 4096      # one page: about 40 listener records
  health_interval: 1s
YAML
start_agent "$WORK/agent.yaml" || exit 1

# Freeze the consumer, bind far more UDP sockets than fit, then let it go.
kill -STOP "$AGENT_PID"
python3 - <<'PY'
import socket
socks = []
# to ports of their own: a bind to port 0 is a client's, and no listener
for port in range(41000, 41300):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        continue
    socks.append(s)
for s in socks:
    s.close()
PY
kill -CONT "$AGENT_PID"

expect_json "dropped records are counted in the health line" "$WORK/agent.err" \
	msg=health 'drops.ringbuf_full!=0'
check "some records still arrived" python3 "$JSONMATCH" "$WORK/agent.out" --timeout 3 \
	protocol=udp address=127.0.0.1
stop_agent
rc=$?
check "agent exits 0 after drops (got $rc)" test "$rc" -eq 0
expect_json "final health line carries the drop count" "$WORK/agent.err" \
	msg=stopping 'drops.ringbuf_full!=0'
