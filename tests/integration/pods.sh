#!/usr/bin/env bash
# Pod and container attribution without the API server. A fabricated node
# layout under --host-root (the kubelet's /var/log/pods and
# /var/log/containers), and a real cgroup named the way the kubelet names
# them, holding a real process: its listener and its log lines are
# attributed to the pod, and a line the runtime's shim writes into
# /var/log/pods is attributed to the container, not to the shim.
. "$(dirname "$0")/lib.sh"

CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$CG2" ] || { fail "a cgroup v2 mount" "none"; exit 1; }
ROOT=$WORK/root
NS=payments
POD=ledger-7d9f8c6b5-x2k4q
UID_=6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5
CTR=api
ID=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
PODDIR=/var/log/pods/${NS}_${POD}_${UID_}
CG="$CG2/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_//-/_}.slice/cri-containerd-$ID.scope"

# the node's layout, under the agent's host root
mkdir -p "$ROOT$PODDIR/$CTR" "$ROOT/var/log/containers"
ln -s /proc "$ROOT/proc"
: >"$ROOT$PODDIR/$CTR/0.log"
ln -s "$PODDIR/$CTR/0.log" "$ROOT/var/log/containers/${POD}_${NS}_${CTR}-$ID.log"
# the runtime's record of the container: containerd's OCI spec and its CRI annotations
mkdir -p "$ROOT/run/containerd/io.containerd.runtime.v2.task/k8s.io/$ID"
printf '{"annotations":{"io.kubernetes.cri.container-name":"%s","io.kubernetes.cri.image-name":"%s"}}\n' \
	"$CTR" "registry.example.com/payments/ledger-api:3.1.4" \
	>"$ROOT/run/containerd/io.containerd.runtime.v2.task/k8s.io/$ID/config.json"
mkdir -p "$CG"
on_exit "rmdir '$CG' '$(dirname "$CG")' '$(dirname "$(dirname "$CG")")' '$(dirname "$(dirname "$(dirname "$CG")")")'"

# the operator knows this pod may listen: by namespace, pod glob and image
cat >"$WORK/agent.yaml" <<EOF
state_dir: $WORK/state
leaks:
  coalesce_delay: 0s
exposure:
  expected:
    - {namespace: $NS, pod: "ledger-*", image: "registry.example.com/payments/ledger-api:3.*"}
EOF
# as the DaemonSet runs it: the node's name from the downward API
NODE_NAME=node-pods-7 start_agent "$WORK/agent.yaml" --host-root "$ROOT" || exit 1

TOKEN=$(gh_token)
export TOKEN
APP_PORT=$(free_port)
# the "container": moves itself into the pod's cgroup, listens, and logs
cat >"$WORK/app.py" <<'PY'
import os, socket, sys, time
open(sys.argv[1] + "/cgroup.procs", "w").write(str(os.getpid()))
s = socket.socket(); s.bind(("0.0.0.0", int(sys.argv[2]))); s.listen()
fd = os.open(sys.argv[3], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
os.write(fd, b"INFO started with token " + os.environ["TOKEN"].encode() + b"\n")
time.sleep(600)
PY
bg app python3 "$WORK/app.py" "$CG" "$APP_PORT" "$WORK/app-own.log"
APP_PID=$BG_PID

expect_json "the pod's listener carries pod, namespace and container" "$WORK/agent.out" \
	kind=listener port="$APP_PORT" container.id="$ID" container.pod_uid="$UID_" \
	container.pod_name="$POD" container.pod_namespace="$NS" container.container_name="$CTR" \
	container.runtime=containerd process.pid="$APP_PID" \
	container.image=registry.example.com/payments/ledger-api:3.1.4
check "    expected by namespace, pod glob and image: severity info" python3 -c '
import json, sys
e = json.loads(sys.argv[1])
assert e["expected"] is True and e["severity"] == "info", (e["expected"], e["severity"])' "$LAST_MATCH"
expect_json "the host is named after the node, not the agent's pod" "$WORK/agent.out" \
	kind=listener port="$APP_PORT" host.hostname=node-pods-7 host.node_name=node-pods-7
echo "    container: $(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])["container"]))' "$LAST_MATCH")"
expect_json "a leak the pod writes to its own file is the pod's" "$WORK/agent.out" \
	kind=leak file.path="$WORK/app-own.log" container.pod_name="$POD" process.pid="$APP_PID"

# the shim: a process outside the pod writes the container's output line
python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
os.write(fd, b"2026-11-29T10:00:00.000000000Z stdout F auth ok token=" + os.environ["TOKEN"].encode() + b"\n")
print(os.getpid())' "$ROOT$PODDIR/$CTR/0.log" >"$WORK/shim.pid"
expect_json "a line the shim writes into /var/log/pods is the container's" "$WORK/agent.out" \
	kind=leak file.path="$ROOT$PODDIR/$CTR/0.log" container.id="$ID" container.pod_name="$POD" \
	container.pod_namespace="$NS" container.container_name="$CTR" process.pid="$APP_PID" \
	writer.pid="$(cat "$WORK/shim.pid")"
echo "    process: $(python3 -c 'import json,sys; e = json.loads(sys.argv[1]); print(e["process"]["pid"], e["process"]["comm"], "written by", e["writer"]["pid"], e["writer"]["comm"])' "$LAST_MATCH")"

# a Docker json-file log names its container in its path
DOCKER_ID=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
mkdir -p "$ROOT/var/lib/docker/containers/$DOCKER_ID"
printf '{"log":"token=%s\\n","stream":"stdout"}\n' "$TOKEN" >>"$ROOT/var/lib/docker/containers/$DOCKER_ID/$DOCKER_ID-json.log"
expect_json "a Docker json log is its container's" "$WORK/agent.out" \
	kind=leak container.id="$DOCKER_ID" container.runtime=docker writer.pid!=0

check "no raw token in the output" bash -c '! grep -qF "$TOKEN" "$1" "$2"' _ "$WORK/agent.out" "$WORK/agent.err"
stop_agent
