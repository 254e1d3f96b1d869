#!/bin/sh
# Sets the checksum/config annotation of each workload's pod template to the
# sha256 of its ConfigMap's manifest, so that a change of configuration rolls
# the pods on the next `kubectl apply -k`. `make k8s-checksum` runs this;
# tests/integration/deploy.sh fails when an annotation is stale. An overlay
# that replaces a ConfigMap has its own annotation, on the sha256 of its
# replacement, in the workload patch beside it.
#   update-checksums.sh [--check]   --check: change nothing, exit 1 if stale
set -eu
cd "$(dirname "$0")"

check=0
[ "${1:-}" = --check ] && check=1
stale=0

# workload manifest or patch : the ConfigMap manifest it mounts
for pair in base/agent-daemonset.yaml:base/agent-configmap.yaml \
            base/collector-deployment.yaml:base/collector-configmap.yaml \
            overlays/postgres/collector-deployment.yaml:overlays/postgres/collector-configmap.yaml; do
	workload=${pair%%:*}
	configmap=${pair#*:}
	sum=$(sha256sum "$configmap" | cut -d' ' -f1)
	grep -q "^ *checksum/config: $sum\$" "$workload" && continue
	if [ "$check" = 1 ]; then
		echo "$workload: checksum/config is stale; run make k8s-checksum" >&2
		stale=1
		continue
	fi
	sed -i "s|^\( *checksum/config:\).*|\1 $sum|" "$workload"
	echo "$workload: checksum/config $sum"
done
exit "$stale"
