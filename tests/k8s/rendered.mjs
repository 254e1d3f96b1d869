// Offline checks of what `kubectl kustomize` renders from deploy/kubernetes:
// every object against its schema (strictly: unknown fields fail), and what
// a cluster admin asks of it. Prints one PASS or FAIL line per check; exits 1
// if any failed.
//
//   node rendered.mjs FILE --version X.Y.Z --readme deploy/kubernetes/README.md [--expect KIND,...]
//     FILE       the rendered YAML
//     --version  the tag the leakwatch image must carry (VERSION)
//     --readme   where the agent's capabilities are documented
//     --expect   kinds that must be there (the components rendered with it)
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { check, expect, failures, labelsMatch, modelFor, resourcesOk, strictValidate } from "./lib.mjs";

const args = process.argv.slice(2);
const opt = (name) => {
	const i = args.indexOf(name);
	return i > 0 ? args[i + 1] : undefined;
};
const [file] = args;
const version = opt("--version");
const readme = opt("--readme");
if (!file || !version || !readme) {
	console.error("usage: node rendered.mjs FILE --version X.Y.Z --readme README.md [--expect KIND,...]");
	process.exit(2);
}
const NS = "leakwatch";
const CLUSTER_SCOPED = ["Namespace", "ClusterRole", "ClusterRoleBinding", "SecurityContextConstraints"];
const objs = parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS()).filter(Boolean);
const all = (kind) => objs.filter((o) => o.kind === kind);
const one = (kind, name) => objs.find((o) => o.kind === kind && o.metadata?.name === name);
const what = (o) => `${o.kind}/${o.metadata?.name}`;

check(`rendered: ${objs.length} objects`, () => expect(objs.length > 0, "nothing rendered"));
for (const kind of (opt("--expect") || "").split(",").filter(Boolean))
	check(`rendered: has a ${kind}`, () => expect(all(kind).length, `no ${kind}`));

// kustomize wraps a long Secret value over lines; the API server's base64
// decoder (Go's) skips the line breaks, the schema's "byte" format does not
for (const o of all("Secret")) for (const k of Object.keys(o.data || {})) o.data[k] = o.data[k].replace(/[\r\n]/g, "");
for (const o of objs) {
	const Model = await modelFor(o.apiVersion || "", o.kind || "").catch(() => undefined);
	check(`schema: ${what(o)}`, () => (Model ? strictValidate(Model, structuredClone(o)) : `no schema for ${o.apiVersion} ${o.kind}`));
}
check("every namespaced object is in leakwatch", () =>
	objs.filter((o) => !CLUSTER_SCOPED.includes(o.kind) && o.metadata?.namespace !== NS).map((o) => `${what(o)} in ${o.metadata?.namespace}`),
);

// ---- workloads ------------------------------------------------------------

const workloads = objs.filter((o) => o.spec?.template?.spec?.containers);
const containersOf = (w) => [...(w.spec.template.spec.initContainers || []), ...w.spec.template.spec.containers];
check(`every container has cpu and memory requests and limits (${workloads.flatMap(containersOf).length} containers)`, () =>
	workloads.flatMap((w) => containersOf(w).flatMap((c) => resourcesOk(c).map((p) => `${what(w)} ${c.name}: ${p}`))),
);
check("every image is pinned: a tag but latest, or a digest; leakwatch's is VERSION", () =>
	workloads.flatMap((w) =>
		containersOf(w).map((c) => {
			const m = /^([^@:]+(?::\d+)?(?:\/[^@:]+)*)(?::([\w.-]+))?(?:@sha256:[0-9a-f]{64})?$/.exec(c.image || "");
			if (!m) return `${c.name}: image ${c.image} is not a reference`;
			if (!m[2] && !c.image.includes("@sha256:")) return `${c.name}: ${c.image} has neither tag nor digest`;
			if (m[2] === "latest") return `${c.name}: ${c.image} is latest`;
			if (m[1].split("/").pop() === "leakwatch" && m[2] !== version) return `${c.name}: ${c.image}, not the tag ${version}`;
		}),
	),
);
check("no container is privileged", () =>
	workloads.flatMap((w) => containersOf(w).filter((c) => c.securityContext?.privileged).map((c) => `${what(w)} ${c.name}`)),
);

// the capabilities deploy/kubernetes/README.md gives the agent, with reasons
const doc = /explicit list of\s+capabilities \(([A-Z_,\s]+)\)/.exec(readFileSync(readme, "utf8"));
const documented = doc ? doc[1].split(/,\s*/).map((c) => c.trim()) : [];
const agentDs = one("DaemonSet", "leakwatch-agent");
const agent = agentDs?.spec.template.spec.containers.find((c) => c.name === "agent");
check(`the agent adds no capability beyond the documented ${documented.join(" ")}, and drops ALL`, () => [
	expect(documented.length >= 5, `${readme} documents no capability list`),
	expect(agent, "no agent container"),
	...(agent?.securityContext?.capabilities?.add || []).filter((c) => !documented.includes(c)).map((c) => `${c} is not documented`),
	expect((agent?.securityContext?.capabilities?.drop || []).includes("ALL"), "does not drop ALL"),
]);
check("no other container adds a capability", () =>
	workloads.flatMap((w) => containersOf(w).filter((c) => c !== agent && c.securityContext?.capabilities?.add?.length).map((c) => `${what(w)} ${c.name}`)),
);

// ---- who may reach what -------------------------------------------------------

// A selector (matchLabels and matchExpressions) against labels.
function selects(sel, labels = {}) {
	if (!sel) return false;
	if (!labelsMatch(sel.matchLabels, labels)) return false;
	return (sel.matchExpressions || []).every(({ key, operator, values = [] }) =>
		operator === "In" ? values.includes(labels[key]) : operator === "NotIn" ? !values.includes(labels[key])
			: operator === "Exists" ? key in labels : !(key in labels));
}
// Namespaces and pods to ask about: leakwatch's own, the labelled
// monitoring namespace, any other namespace, another pod in leakwatch.
const namespaces = {
	leakwatch: { ...(one("Namespace", NS)?.metadata.labels || {}), "kubernetes.io/metadata.name": NS },
	monitoring: { "kubernetes.io/metadata.name": "monitoring", "leakwatch.io/metrics": "allowed" },
	default: { "kubernetes.io/metadata.name": "default" },
};
const collectorDep = one("Deployment", "leakwatch-collector");
const pods = {
	agent: { ns: NS, labels: agentDs?.spec.template.metadata.labels, spec: agentDs?.spec.template.spec },
	collector: { ns: NS, labels: collectorDep?.spec.template.metadata.labels, spec: collectorDep?.spec.template.spec },
	"another pod in leakwatch": { ns: NS, labels: { app: "other" } },
	"a pod in the labelled monitoring namespace": { ns: "monitoring", labels: { app: "prometheus" } },
	"a pod in another namespace": { ns: "default", labels: { app: "other" } },
};
const portOf = (pod, p) => (typeof p === "number" ? p : pod.spec?.containers.flatMap((c) => c.ports || []).find((x) => x.name === p)?.containerPort);
// allowed(FROM, TO, PORT): NetworkPolicy's ingress rules, as a plugin applies them
function allowed(from, to, port) {
	const src = pods[from], dst = pods[to];
	const policies = all("NetworkPolicy").filter((p) => p.metadata.namespace === dst.ns && selects(p.spec.podSelector, dst.labels) &&
		(p.spec.policyTypes || ["Ingress"]).includes("Ingress"));
	if (!policies.length) return true; // not isolated
	return policies.some((p) => (p.spec.ingress || []).some((rule) => {
		const portOk = !rule.ports?.length || rule.ports.some((rp) => (rp.protocol || "TCP") === "TCP" && portOf(dst, rp.port) === port);
		const peerOk = !rule.from?.length || rule.from.some((peer) => {
			if (peer.ipBlock) return false;
			const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, namespaces[src.ns]) : src.ns === p.metadata.namespace;
			const podOk = peer.podSelector ? selects(peer.podSelector, src.labels) : true;
			return nsOk && podOk;
		});
		return portOk && peerOk;
	}));
}
const cport = portOf(pods.collector, "https"), aport = portOf(pods.agent, "metrics");
const want = [
	["agent", "collector", cport, true], ["a pod in the labelled monitoring namespace", "collector", cport, true],
	["a pod in another namespace", "collector", cport, false], ["another pod in leakwatch", "collector", cport, false],
	["collector", "collector", cport, false], ["a pod in the labelled monitoring namespace", "collector", 22, false],
	["a pod in the labelled monitoring namespace", "agent", aport, true], ["a pod in another namespace", "agent", aport, false],
	["collector", "agent", aport, false], ["another pod in leakwatch", "agent", aport, false],
	["agent", "agent", aport, false],
];
for (const [from, to, port, yes] of want)
	check(`NetworkPolicy: ${from} ${yes ? "may" : "may not"} reach the ${to} on ${port}`, () =>
		expect(cport && aport && allowed(from, to, port) === yes, `it ${yes ? "may not" : "may"}`));
check("NetworkPolicy: every pod of leakwatch is selected by one", () =>
	workloads.filter((w) => !all("NetworkPolicy").some((p) => selects(p.spec.podSelector, w.spec.template.metadata.labels))).map(what),
);

// ---- priority ---------------------------------------------------------------

check("system-node-critical outside kube-system has a ResourceQuota scoped to it", () =>
	workloads.filter((w) => w.spec.template.spec.priorityClassName === "system-node-critical").map((w) => {
		const q = all("ResourceQuota").find((r) => r.metadata.namespace === w.metadata.namespace &&
			(r.spec.scopeSelector?.matchExpressions || []).some((e) => e.scopeName === "PriorityClass" && e.operator === "In" &&
				e.values.includes("system-node-critical")));
		if (!q) return `${what(w)}: no ResourceQuota scoped to system-node-critical in ${w.metadata.namespace}`;
		if (!(Number(q.spec.hard?.pods) >= 1000)) return `${what(q)} allows ${q.spec.hard?.pods} pods, fewer than a cluster's nodes`;
	}),
);

// ---- Prometheus Operator ---------------------------------------------------------

const svc = one("Service", "leakwatch-collector");
for (const sm of all("ServiceMonitor"))
	check(`ServiceMonitor ${sm.metadata.name}: the collector's Service, HTTPS verified with its CA and name`, () => {
		const ep = sm.spec.endpoints?.[0] || {};
		const ca = ep.tlsConfig?.ca?.secret;
		const secret = ca && one("Secret", ca.name);
		return [
			expect(svc && selects(sm.spec.selector, svc.metadata.labels), "does not select the collector's Service"),
			expect(!selects(sm.spec.selector, agentDs?.metadata.labels) || !all("Service").some((s) => s !== svc && selects(sm.spec.selector, s.metadata.labels)), "selects other Services"),
			expect((sm.spec.namespaceSelector?.matchNames || []).includes(NS), "namespaceSelector lacks leakwatch"),
			expect((svc?.spec.ports || []).some((p) => p.name === ep.port), `port ${ep.port} is not a Service port name`),
			expect(ep.scheme === "https" && ep.path === "/metrics", `${ep.scheme} ${ep.path}`),
			expect(secret, `the CA Secret ${ca?.name} is not rendered (kustomize must follow its hashed name)`),
			expect(secret && ca.key in (secret.data || {}), `${ca?.name} has no ${ca?.key}`),
			expect(ca?.key === "ca.crt", "the CA is not the ca.crt key (Prometheus must not get tls.key)"),
			expect(ep.tlsConfig?.serverName === `${svc?.metadata.name}.${NS}.svc`, `serverName ${ep.tlsConfig?.serverName}`),
			expect(!ep.tlsConfig?.insecureSkipVerify, "insecureSkipVerify"),
		];
	});
for (const pm of all("PodMonitor"))
	check(`PodMonitor ${pm.metadata.name}: the agent pods' metrics port`, () => {
		const ep = pm.spec.podMetricsEndpoints?.[0] || {};
		return [
			expect(selects(pm.spec.selector, pods.agent.labels), "does not select the agent pods"),
			expect(!selects(pm.spec.selector, pods.collector.labels), "selects the collector"),
			expect((pm.spec.namespaceSelector?.matchNames || []).includes(NS), "namespaceSelector lacks leakwatch"),
			expect(ep.port === "metrics" && portOf(pods.agent, "metrics"), `port ${ep.port}`),
			expect((ep.scheme || "http") === "http" && ep.path === "/metrics", `${ep.scheme} ${ep.path}`),
		];
	});

// ---- OpenShift ----------------------------------------------------------------

const volumeType = (v) => Object.keys(v).find((k) => k !== "name");
for (const scc of all("SecurityContextConstraints"))
	check(`SCC ${scc.metadata.name}: exactly what the agent's pod asks, for its ServiceAccount only`, () => {
		const pod = agentDs?.spec.template.spec;
		const add = agent?.securityContext?.capabilities?.add || [];
		const sa = pod?.serviceAccountName;
		const grants = all("RoleBinding").filter((b) => b.metadata.namespace === NS &&
			(b.subjects || []).some((s) => s.kind === "ServiceAccount" && s.name === sa)).some((b) => {
			const role = one(b.roleRef.kind, b.roleRef.name);
			return (role?.rules || []).some((r) => r.apiGroups?.includes("security.openshift.io") &&
				r.resources?.includes("securitycontextconstraints") && r.resourceNames?.includes(scc.metadata.name) && r.verbs?.includes("use"));
		});
		return [
			expect(JSON.stringify([...(scc.allowedCapabilities || [])].sort()) === JSON.stringify([...add].sort()),
				`allowedCapabilities ${scc.allowedCapabilities}, the agent adds ${add}`),
			...(scc.allowedCapabilities || []).filter((c) => !documented.includes(c)).map((c) => `${c} is not documented`),
			expect(!(scc.defaultAddCapabilities || []).length, "defaultAddCapabilities"),
			expect(scc.allowPrivilegedContainer === false, "allows privileged containers"),
			expect(scc.allowHostPID === !!pod?.hostPID, "allowHostPID differs from the pod's hostPID"),
			expect(!scc.allowHostNetwork && !scc.allowHostIPC && !scc.allowHostPorts, "allows host network, IPC or ports"),
			...(pod?.volumes || []).map(volumeType).filter((t) => !(scc.volumes || []).includes(t)).map((t) => `volume type ${t} not allowed`),
			expect(scc.allowHostDirVolumePlugin === (pod?.volumes || []).some((v) => v.hostPath), "allowHostDirVolumePlugin"),
			expect(scc.readOnlyRootFilesystem === true && agent?.securityContext?.readOnlyRootFilesystem === true, "root filesystem not read-only"),
			expect((scc.seccompProfiles || []).includes("runtime/default"), "runtime/default seccomp not allowed"),
			expect(scc.runAsUser?.type === "RunAsAny", "the agent runs as root: runAsUser must be RunAsAny"),
			expect(!(scc.users || []).length && !(scc.groups || []).length, "grants users or groups directly"),
			expect(grants, `no RoleBinding lets ServiceAccount ${sa} use it`),
		];
	});
if (all("SecurityContextConstraints").length)
	check("OpenShift: the collector's ServiceAccount may use nonroot-v2 (it runs as a fixed non-root user)", () =>
		expect(all("RoleBinding").some((b) => b.roleRef.name === "system:openshift:scc:nonroot-v2" &&
			(b.subjects || []).some((s) => s.name === collectorDep?.spec.template.spec.serviceAccountName)), "no such RoleBinding"));

console.log(failures() ? `${failures()} checks failed` : "all checks passed");
process.exit(failures() ? 1 : 0);
