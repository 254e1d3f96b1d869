// Offline checks of deploy/kubernetes: every manifest against the Kubernetes
// API schemas (kubernetes-models, pinned in package-lock.json), strictly, and
// against what leakwatch needs of it. Prints one PASS or FAIL line per check;
// exits 1 if any failed.
//
//   node check.mjs DIR [--secrets DIR] [--version X.Y.Z]
//     DIR        deploy/kubernetes (or a copy): the manifests in base/, the
//                Secrets install/ generates, the placeholders of the review
//                rendering, the optional components
//     --secrets  files as make-secrets.sh writes them: the Secrets that
//                install/kustomization.yaml generates from them are
//                validated too
//     --version  the image tag base/kustomization.yaml must pin (VERSION)
//
// tests/k8s/rendered.mjs checks what `kubectl kustomize` renders.
//
// The schemas are the API server's OpenAPI definitions compiled into
// validators; they check types, required fields and enums. Like the API
// server, they accept unknown fields, which is how a misspelt
// readOnlyRootFileSystem would go unnoticed: so the check also records which
// fields the validator looked at (a Proxy) and fails on any it never did,
// as `kubectl --validate=strict` would.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, parseDocument } from "yaml";
import { check, expect, failures, labelsMatch, modelFor, quantity, resourcesOk, strictValidate } from "./lib.mjs";

const args = process.argv.slice(2);
const dir = args[0];
const opt = (name) => {
	const i = args.indexOf(name);
	return i > 0 ? args[i + 1] : undefined;
};
const secretsDir = opt("--secrets");
const version = opt("--version");
if (!dir) {
	console.error("usage: node check.mjs DIR [--secrets DIR] [--version X.Y.Z]");
	process.exit(2);
}


// ---- loading -------------------------------------------------------------

const NS = "leakwatch";
const CERT_MANAGER = "components/cert-manager/cert-manager.yaml";
const files = {}; // file under base/, or CERT_MANAGER -> [{obj, doc}]
const baseDir = join(dir, "base");

function load(file) {
	const text = readFileSync(file === CERT_MANAGER ? join(dir, file) : join(baseDir, file), "utf8");
	const docs = parseAllDocuments(text, { uniqueKeys: true });
	const out = [];
	for (const d of docs) {
		const errs = [...d.errors, ...d.warnings];
		if (errs.length) throw new Error(`${file}: ${errs[0].message.split("\n")[0]}`);
		const obj = d.toJS();
		if (obj) out.push({ obj, doc: d });
	}
	files[file] = out;
	return out;
}

const kustAt = (d) => parseDocument(readFileSync(join(dir, d, "kustomization.yaml"), "utf8")).toJS();
const kust = kustAt("base");
const install = kustAt("install");
const review = kustAt(".");
check("base/kustomization: lists exactly the manifests beside it", () => {
	const listed = kust.resources || [];
	const present = readdirSync(baseDir).filter((f) => /\.ya?ml$/.test(f) && f !== "kustomization.yaml");
	return [
		...present.filter((f) => !listed.includes(f)).map((f) => `${f} not in resources`),
		...listed.filter((f) => !existsSync(join(baseDir, f))).map((f) => `${f} listed but missing`),
		expect(kust.kind === "Kustomization", "kind is not Kustomization"),
		expect(kust.namespace === NS, `namespace is not ${NS}`),
	];
});

check("manifests: every file parses (YAML, unique keys)", () => {
	for (const f of [...(kust.resources || []), CERT_MANAGER]) load(f);
});

const resources = (kust.resources || []).flatMap((f) => files[f] || []).map((d) => d.obj);
const find = (kind, name) => resources.find((o) => o.kind === kind && o.metadata?.name === name);
const docOf = (kind, name) =>
	(kust.resources || [])
		.flatMap((f) => files[f] || [])
		.find((d) => d.obj.kind === kind && d.obj.metadata?.name === name)?.doc;

// ---- the Secrets kustomize generates --------------------------------------

// generatedFrom(KUSTOMIZATION, DIR): its Secrets, their data read from DIR
// (file names as the generator gives them, under any folder), or empty
function generatedFrom(k, from) {
	const out = [];
	for (const g of k.secretGenerator || []) {
		const keys = (g.files || []).map((s) => {
			const [k, p] = s.includes("=") ? s.split("=", 2) : [s.split("/").pop(), s];
			return { key: k, path: p };
		});
		const secret = {
			apiVersion: "v1",
			kind: "Secret",
			metadata: { name: g.name, namespace: g.namespace || NS },
			type: g.type || "Opaque",
			data: {},
		};
		if (from)
			for (const { key, path } of keys)
				secret.data[key] = readFileSync(join(from, path.replace(/^[^/]+\//, ""))).toString("base64");
		out.push({ secret, keys });
	}
	return out;
}
const generated = generatedFrom(install, secretsDir);
const placeholders = generatedFrom(review, join(dir, "example-secrets"));
const secretKeys = (name) => generated.find((g) => g.secret.metadata.name === name)?.keys.map((k) => k.key);

// ---- schemas ---------------------------------------------------------------

const schemaTargets = [
	...(kust.resources || []).flatMap((f) => (files[f] || []).map((d) => ({ f, obj: d.obj }))),
	...placeholders.map((g) => ({ f: "kustomization.yaml secretGenerator", obj: g.secret })),
	...(secretsDir ? generated.map((g) => ({ f: "install secretGenerator", obj: g.secret })) : []),
];
for (const { f, obj } of schemaTargets) {
	const name = `schema: ${f} ${obj.kind}/${obj.metadata?.name}`;
	const Model = await modelFor(obj.apiVersion || "", obj.kind || "").catch(() => undefined);
	check(name, () => (Model ? strictValidate(Model, structuredClone(obj)) : `no schema for ${obj.apiVersion} ${obj.kind}`));
}

// ---- helpers ---------------------------------------------------------------

const podSpec = (w) => w.spec.template.spec;
const sha256 = (f) => createHash("sha256").update(readFileSync(join(baseDir, f))).digest("hex");

// Where a path inside the container comes from: the mount that holds it.
function mountFor(pod, container, path) {
	const m = (container.volumeMounts || [])
		.filter((vm) => path === vm.mountPath || path.startsWith(vm.mountPath.replace(/\/$/, "") + "/"))
		.sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
	if (!m) return undefined;
	return { mount: m, volume: (pod.volumes || []).find((v) => v.name === m.name), rest: path.slice(m.mountPath.length).replace(/^\//, "") };
}
// the Secret key or ConfigMap key a file path inside the container reads
function sourceKey(pod, container, path) {
	const at = mountFor(pod, container, path);
	if (!at?.volume) return { problem: `${path} is on no volume` };
	const src = at.volume.secret || at.volume.configMap;
	if (!src) return { at };
	const file = at.mount.subPath ? at.mount.subPath : at.rest;
	const item = src.items ? src.items.find((i) => i.path === file) : { key: file };
	if (!item) return { problem: `${path}: no item of volume ${at.volume.name} gives ${file}` };
	return { at, key: item.key, source: at.volume.secret ? `Secret ${src.secretName}` : `ConfigMap ${src.name}`, src };
}
function probeOk(probe, container, path, scheme) {
	if (!probe?.httpGet) return `no httpGet probe`;
	const g = probe.httpGet;
	const port = (container.ports || []).find((p) => p.name === g.port || p.containerPort === g.port);
	return [
		expect(g.path === path, `path ${g.path}, not ${path}`),
		expect(port, `port ${g.port} is not a container port`),
		expect((g.scheme || "HTTP") === scheme, `scheme ${g.scheme || "HTTP"}, not ${scheme}`),
	].filter(Boolean).join(", ") || undefined;
}
function configOf(cmName, key) {
	const cm = find("ConfigMap", cmName);
	if (!cm?.data?.[key]) throw new Error(`ConfigMap ${cmName} has no ${key}`);
	const d = parseDocument(cm.data[key], { uniqueKeys: true });
	if (d.errors.length) throw new Error(`${cmName}/${key}: ${d.errors[0].message.split("\n")[0]}`);
	return { cfg: d.toJS() || {}, doc: d };
}
// the --config argument of a container, and the ConfigMap key it reads
function configArg(pod, c) {
	const argv = [...(c.command || []), ...(c.args || [])];
	const i = argv.indexOf("--config");
	if (i < 0) throw new Error(`${c.name} has no --config`);
	const s = sourceKey(pod, c, argv[i + 1]);
	if (s.problem || !s.src?.name) throw new Error(s.problem || `${argv[i + 1]} is not from a ConfigMap`);
	return { path: argv[i + 1], cm: s.src.name, key: s.key };
}

// ---- namespace and accounts -----------------------------------------------

check("namespace: leakwatch, admits the agent (privileged), everything in it", () => {
	const ns = find("Namespace", NS);
	return [
		expect(ns, "no Namespace leakwatch"),
		expect(ns?.metadata?.labels?.["pod-security.kubernetes.io/enforce"] === "privileged",
			"pod-security enforce is not privileged (hostPID and hostPath would be refused)"),
		...resources
			.filter((o) => o.kind !== "Namespace" && o.metadata?.namespace !== NS)
			.map((o) => `${o.kind}/${o.metadata?.name} not in ${NS}`),
	];
});

const ds = find("DaemonSet", "leakwatch-agent");
const dep = find("Deployment", "leakwatch-collector");
check("workloads: DaemonSet leakwatch-agent and Deployment leakwatch-collector exist", () => [
	expect(ds, "no DaemonSet leakwatch-agent"),
	expect(dep, "no Deployment leakwatch-collector"),
]);
if (!ds || !dep) {
	console.log(`${failures()} checks failed`);
	process.exit(1);
}
const agentPod = podSpec(ds);
const agent = agentPod.containers.find((c) => c.name === "agent") || agentPod.containers[0];
const collPod = podSpec(dep);
const coll = collPod.containers.find((c) => c.name === "collector") || collPod.containers[0];

check("service accounts: own, no API token (automountServiceAccountToken false)", () =>
	[[ds, agentPod], [dep, collPod]].flatMap(([w, pod]) => {
		const sa = find("ServiceAccount", pod.serviceAccountName);
		return [
			expect(sa, `${w.metadata.name}: ServiceAccount ${pod.serviceAccountName} missing`),
			expect(sa?.automountServiceAccountToken === false, `${pod.serviceAccountName} mounts a token`),
			expect(pod.automountServiceAccountToken === false, `${w.metadata.name} pod mounts a token`),
		];
	}),
);

check("workloads: selectors match their pod labels; volumes and mounts pair up", () =>
	[[ds, agentPod], [dep, collPod]].flatMap(([w, pod]) => {
		const out = [expect(labelsMatch(w.spec.selector.matchLabels, w.spec.template.metadata.labels), `${w.metadata.name}: selector does not match template labels`)];
		const vols = new Set((pod.volumes || []).map((v) => v.name));
		const used = new Set();
		for (const c of pod.containers)
			for (const m of c.volumeMounts || []) {
				used.add(m.name);
				if (!vols.has(m.name)) out.push(`${c.name}: mount of undefined volume ${m.name}`);
			}
		for (const v of vols) if (!used.has(v)) out.push(`${w.metadata.name}: volume ${v} is never mounted`);
		for (const v of pod.volumes || []) {
			if (v.configMap && !find("ConfigMap", v.configMap.name)) out.push(`ConfigMap ${v.configMap.name} not defined`);
			if (v.persistentVolumeClaim && !find("PersistentVolumeClaim", v.persistentVolumeClaim.claimName))
				out.push(`PVC ${v.persistentVolumeClaim.claimName} not defined`);
			if (v.secret) {
				const keys = secretKeys(v.secret.secretName);
				if (!keys) out.push(`Secret ${v.secret.secretName} is not generated by kustomization.yaml`);
				else for (const i of v.secret.items || []) if (!keys.includes(i.key)) out.push(`Secret ${v.secret.secretName} has no key ${i.key}`);
			}
		}
		return out;
	}),
);

check("workloads: image leakwatch, pinned to VERSION by kustomization.yaml", () => {
	const img = (kust.images || []).find((i) => i.name === "leakwatch");
	return [
		...[agent, coll].map((c) => expect(c.image?.split(":")[0] === "leakwatch", `${c.name}: image ${c.image} is not leakwatch`)),
		expect(img, "kustomization.yaml has no images entry for leakwatch"),
		expect(!version || img?.newTag === version, `images newTag ${img?.newTag}, VERSION ${version}`),
	];
});

// ---- the agent -------------------------------------------------------------

const CAPS = ["BPF", "PERFMON", "NET_ADMIN", "SYS_ADMIN", "SYS_RESOURCE", "SYS_PTRACE", "DAC_READ_SEARCH"];

check("agent: hostPID, not hostNetwork, not privileged", () => [
	expect(agentPod.hostPID === true, "hostPID is not true"),
	expect(!agentPod.hostNetwork, "hostNetwork is set"),
	expect(!agentPod.hostIPC, "hostIPC is set"),
	expect(agent.securityContext?.privileged !== true, "privileged"),
]);

check("agent: exactly the needed capabilities, all others dropped, each with its reason", () => {
	const caps = agent.securityContext?.capabilities || {};
	const add = caps.add || [];
	const out = [
		expect((caps.drop || []).includes("ALL"), "does not drop ALL"),
		...CAPS.filter((c) => !add.includes(c)).map((c) => `missing ${c}`),
		...add.filter((c) => !CAPS.includes(c)).map((c) => `unexpected ${c}`),
	];
	// a comment above each added capability says why it is there; one comment
	// may cover the next item when it ends with "..."
	const i = agentPod.containers.indexOf(agent);
	const seq = docOf("DaemonSet", "leakwatch-agent").getIn(["spec", "template", "spec", "containers", i, "securityContext", "capabilities", "add"], true);
	seq?.items.forEach((item, k) => {
		const c = k === 0 ? seq.commentBefore || item.commentBefore : item.commentBefore;
		if (!c?.trim()) out.push(`${item.value} has no comment saying why`);
	});
	return out;
});

check("agent: read-only root, AppArmor unconfined (field and annotation), seccomp RuntimeDefault", () => {
	const sc = agent.securityContext || {};
	const ann = ds.spec.template.metadata.annotations?.[`container.apparmor.security.beta.kubernetes.io/${agent.name}`];
	const seccomp = sc.seccompProfile?.type || agentPod.securityContext?.seccompProfile?.type;
	return [
		expect(sc.readOnlyRootFilesystem === true, "readOnlyRootFilesystem is not true"),
		expect(sc.appArmorProfile?.type === "Unconfined", "appArmorProfile is not Unconfined"),
		expect(ann === "unconfined", "the AppArmor annotation (Kubernetes < 1.30) is not unconfined"),
		expect(seccomp === "RuntimeDefault" || seccomp === "Unconfined", `seccomp ${seccomp}`),
		// Kubernetes refuses allowPrivilegeEscalation: false with CAP_SYS_ADMIN
		expect(!(sc.allowPrivilegeEscalation === false && (sc.capabilities?.add || []).includes("SYS_ADMIN")),
			"allowPrivilegeEscalation false with SYS_ADMIN is invalid"),
	];
});

const HOST_RO = ["/sys/kernel/btf", "/sys/fs/cgroup", "/var/log", "/sys/kernel/tracing"];
check("agent: host mounts read-only at their own paths; only the state dir writable; no runtime socket", () => {
	const out = [];
	const byPath = {};
	for (const v of agentPod.volumes || []) {
		if (!v.hostPath) continue;
		const m = (agent.volumeMounts || []).find((x) => x.name === v.name);
		byPath[v.hostPath.path] = { v, m };
		if (/\.sock$|^\/(var\/)?run\/(containerd|crio|docker)\/?$|^\/(var\/)?run\/docker\.sock/.test(v.hostPath.path))
			out.push(`${v.hostPath.path} exposes a container runtime's control socket`);
		if (v.hostPath.path === "/var/lib/leakwatch") continue;
		if (m && m.readOnly !== true) out.push(`${v.hostPath.path} is mounted writable`);
	}
	for (const p of HOST_RO) {
		const e = byPath[p];
		if (!e) out.push(`no hostPath ${p}`);
		else if (e.m?.mountPath !== p) out.push(`${p} mounted at ${e.m?.mountPath}, not its own path`);
	}
	const st = byPath["/var/lib/leakwatch"];
	out.push(expect(st && st.m?.mountPath === "/var/lib/leakwatch" && st.m.readOnly !== true, "no writable hostPath /var/lib/leakwatch"));
	return out;
});

check("agent: tolerates every taint, system-node-critical, RollingUpdate", () => [
	expect((agentPod.tolerations || []).some((t) => t.operator === "Exists" && !t.key && !t.effect), "no toleration for every taint"),
	expect(agentPod.priorityClassName === "system-node-critical", `priorityClassName ${agentPod.priorityClassName}`),
	expect(ds.spec.updateStrategy?.type === "RollingUpdate", "updateStrategy is not RollingUpdate"),
	expect(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable !== undefined, "no maxUnavailable"),
]);

check("agent: resource requests and limits", () => resourcesOk(agent));

check("agent: liveness /livez and readiness /healthz on the metrics port", () => [
	probeOk(agent.livenessProbe, agent, "/livez", "HTTP") && `liveness: ${probeOk(agent.livenessProbe, agent, "/livez", "HTTP")}`,
	probeOk(agent.readinessProbe, agent, "/healthz", "HTTP") && `readiness: ${probeOk(agent.readinessProbe, agent, "/healthz", "HTTP")}`,
]);

check("agent: NODE_NAME from spec.nodeName", () =>
	expect((agent.env || []).some((e) => e.name === "NODE_NAME" && e.valueFrom?.fieldRef?.fieldPath === "spec.nodeName"), "no NODE_NAME from spec.nodeName"),
);

for (const [w, cmFile, cmName] of [
	[ds, "agent-configmap.yaml", "leakwatch-agent"],
	[dep, "collector-configmap.yaml", "leakwatch-collector"],
])
	check(`${w.metadata.name}: checksum/config is the sha256 of ${cmFile}`, () => {
		const got = w.spec.template.metadata.annotations?.["checksum/config"];
		const want = sha256(cmFile);
		return [
			expect(find("ConfigMap", cmName), `${cmFile} has no ConfigMap ${cmName}`),
			expect(got === want, `annotation ${got}, file ${want}: run make k8s-checksum`),
		];
	});

check("agent config: metrics on 0.0.0.0 at the probed port, with the reason", () => {
	const a = configArg(agentPod, agent);
	const { cfg, doc } = configOf(a.cm, a.key);
	const listen = cfg.metrics?.listen || "";
	const port = Number(listen.split(":").pop());
	const pair = doc.get("metrics", true)?.items.find((p) => p.key.value === "listen");
	return [
		expect(cfg.metrics?.enabled !== false, "metrics disabled"),
		expect(listen.startsWith("0.0.0.0:"), `metrics.listen ${listen}: the kubelet cannot probe loopback in the pod`),
		expect((agent.ports || []).some((p) => p.name === "metrics" && p.containerPort === port), `no container port metrics = ${port}`),
		expect(pair?.key.commentBefore?.trim(), "metrics.listen has no comment saying why"),
	];
});

check("agent config: state, key, token and CA paths are where the pod mounts them", () => {
	const a = configArg(agentPod, agent);
	const { cfg } = configOf(a.cm, a.key);
	const out = [];
	const stateMount = mountFor(agentPod, agent, cfg.state_dir || "/var/lib/leakwatch");
	out.push(expect(stateMount?.volume?.hostPath && !stateMount.mount.readOnly, `state_dir ${cfg.state_dir} is not on the writable hostPath`));
	for (const [what, path, secret, key] of [
		["leaks.fingerprint_key", cfg.leaks?.fingerprint_key, "leakwatch", "fingerprint.key"],
		["collector.token_file", cfg.collector?.token_file, "leakwatch", "token"],
		["collector.ca_file", cfg.collector?.ca_file, "leakwatch-collector-tls", "ca.crt"],
	]) {
		if (!path) { out.push(`${what} not set`); continue; }
		const s = sourceKey(agentPod, agent, path);
		if (s.problem) out.push(`${what}: ${s.problem}`);
		else out.push(expect(s.src?.secretName === secret && s.key === key, `${what} reads ${s.source} key ${s.key}, not Secret ${secret} key ${key}`));
	}
	return out;
});

check("agent: gets the collector's CA, never its private key", () =>
	(agentPod.volumes || [])
		.filter((v) => v.secret?.secretName === "leakwatch-collector-tls")
		.flatMap((v) => [
			expect(v.secret.items, "mounts the whole TLS Secret (tls.key included)"),
			...(v.secret.items || []).filter((i) => i.key !== "ca.crt").map((i) => `mounts ${i.key}`),
		]),
);

const svc = find("Service", "leakwatch-collector");
check("agent config: collector.url is the Service, over https", () => {
	const a = configArg(agentPod, agent);
	const { cfg } = configOf(a.cm, a.key);
	const u = new URL(cfg.collector?.url || "http://none");
	const port = (svc?.spec.ports || []).find((p) => p.port === Number(u.port));
	return [
		expect(u.protocol === "https:", `${u.protocol} is not https`),
		expect([`${svc?.metadata.name}.${NS}.svc`, `${svc?.metadata.name}.${NS}.svc.cluster.local`].includes(u.hostname), `host ${u.hostname} is not the Service`),
		expect(port, `port ${u.port} is not a Service port`),
	];
});

// ---- the collector ---------------------------------------------------------

check("collector: one replica, Recreate (SQLite on a ReadWriteOnce volume)", () => {
	const pvcs = (collPod.volumes || []).filter((v) => v.persistentVolumeClaim).map((v) => find("PersistentVolumeClaim", v.persistentVolumeClaim.claimName));
	return [
		expect(dep.spec.replicas === 1, `replicas ${dep.spec.replicas}`),
		expect(dep.spec.strategy?.type === "Recreate", `strategy ${dep.spec.strategy?.type}`),
		expect(pvcs.length === 1 && pvcs[0], "no PVC"),
		expect(pvcs[0]?.spec.accessModes?.includes("ReadWriteOnce"), "PVC is not ReadWriteOnce"),
	];
});

check("collector: non-root, read-only root, no capabilities, no escalation, seccomp RuntimeDefault", () => {
	const psc = collPod.securityContext || {}, sc = coll.securityContext || {};
	return [
		expect((sc.runAsNonRoot ?? psc.runAsNonRoot) === true, "runAsNonRoot is not true"),
		expect((sc.runAsUser ?? psc.runAsUser) > 0, "runs as uid 0"),
		expect(sc.readOnlyRootFilesystem === true, "readOnlyRootFilesystem is not true"),
		expect(sc.allowPrivilegeEscalation === false, "allowPrivilegeEscalation is not false"),
		expect(sc.privileged !== true, "privileged"),
		expect((sc.capabilities?.drop || []).includes("ALL"), "does not drop ALL"),
		expect(!(sc.capabilities?.add || []).length, "adds capabilities"),
		expect((sc.seccompProfile?.type || psc.seccompProfile?.type) === "RuntimeDefault", "seccomp is not RuntimeDefault"),
		expect(!collPod.hostPID && !collPod.hostNetwork && !collPod.hostIPC, "uses a host namespace"),
		expect(!(collPod.volumes || []).some((v) => v.hostPath), "mounts a hostPath"),
	];
});

check("collector: resource requests and limits", () => resourcesOk(coll));

check("collector config: listens on all pod addresses at the Service's port, TLS and credential digests from the Secrets", () => {
	const a = configArg(collPod, coll);
	const { cfg } = configOf(a.cm, a.key);
	const s = cfg.server || {};
	const port = Number((s.listen || "").split(":").pop());
	const cport = (coll.ports || []).find((p) => p.containerPort === port);
	const sp = (svc?.spec.ports || [])[0];
	const out = [
		expect((s.listen || "").startsWith("0.0.0.0:"), `server.listen ${s.listen}`),
		expect(cport, `no container port ${port}`),
		expect(sp && (sp.targetPort === port || sp.targetPort === cport?.name), "the Service does not target the listen port"),
	];
	const st = mountFor(collPod, coll, cfg.state_dir || "/var/lib/leakwatch-collector");
	out.push(expect(st?.volume?.persistentVolumeClaim, `state_dir ${cfg.state_dir} is not on the PVC`));
	const ingest = (s.auth?.ingest || [])[0], operator = (s.auth?.operator || [])[0];
	// the collector holds digests, never a token: no node's token can read or acknowledge
	out.push(expect(!s.token_file, "server.token_file is set: one token would hold both roles"));
	for (const [what, path, secret, key] of [
		["server.auth.ingest[0].digest_file", ingest?.digest_file, "leakwatch-collector-auth", "ingest.sha256"],
		["server.auth.operator[0].digest_file", operator?.digest_file, "leakwatch-collector-auth", "operator.sha256"],
		["server.tls.cert_file", s.tls?.cert_file, "leakwatch-collector-tls", "tls.crt"],
		["server.tls.key_file", s.tls?.key_file, "leakwatch-collector-tls", "tls.key"],
	]) {
		if (!path) { out.push(`${what} not set`); continue; }
		const k = sourceKey(collPod, coll, path);
		if (k.problem) out.push(`${what}: ${k.problem}`);
		else out.push(expect(k.src?.secretName === secret && k.key === key, `${what} reads ${k.source} key ${k.key}`));
	}
	// the collector opens its digest files with O_NOFOLLOW; a Secret volume's
	// files are symlinks unless mounted one by one (subPath)
	for (const c of [ingest, operator]) {
		const m = c?.digest_file && mountFor(collPod, coll, c.digest_file);
		out.push(expect(m?.mount.subPath, `${c?.digest_file} is a Secret-volume symlink (the collector refuses those): mount it with subPath`));
	}
	out.push(expect(!(collPod.volumes || []).some((v) => v.secret?.secretName === "leakwatch"),
		"the collector mounts the agents' Secret: it needs the digests only"));
	return out;
});

check("collector: liveness /livez and readiness /healthz over HTTPS on its port", () => [
	probeOk(coll.livenessProbe, coll, "/livez", "HTTPS") && `liveness: ${probeOk(coll.livenessProbe, coll, "/livez", "HTTPS")}`,
	probeOk(coll.readinessProbe, coll, "/healthz", "HTTPS") && `readiness: ${probeOk(coll.readinessProbe, coll, "/healthz", "HTTPS")}`,
]);

check("service: ClusterIP to the collector pods only", () => [
	expect(svc, "no Service leakwatch-collector"),
	expect((svc?.spec.type || "ClusterIP") === "ClusterIP", `type ${svc?.spec.type}`),
	expect(labelsMatch(svc?.spec.selector, dep.spec.template.metadata.labels), "selector does not match the collector"),
	expect(!labelsMatch(svc?.spec.selector, ds.spec.template.metadata.labels), "selector also matches the agents"),
]);

// ---- secrets ---------------------------------------------------------------

check("install: Secrets generated from git-ignored files, tls Secret complete", () => {
	const out = [];
	const gi = existsSync(join(dir, "install/secrets/.gitignore")) ? readFileSync(join(dir, "install/secrets/.gitignore"), "utf8") : "";
	out.push(expect(/^\*$/m.test(gi), "install/secrets/.gitignore does not ignore everything"));
	out.push(expect(!kust.secretGenerator, "base/ generates Secrets: it must hold none"));
	for (const g of generated) {
		for (const k of g.keys) out.push(expect(k.path.startsWith("secrets/"), `${g.secret.metadata.name}: ${k.path} is not under secrets/`));
		if (g.secret.type === "kubernetes.io/tls")
			for (const need of ["tls.crt", "tls.key"]) out.push(expect(g.keys.some((k) => k.key === need), `${g.secret.metadata.name} lacks ${need}`));
	}
	out.push(expect(secretKeys("leakwatch")?.includes("fingerprint.key") && secretKeys("leakwatch")?.includes("token"), "Secret leakwatch lacks token or fingerprint.key"));
	out.push(expect(!secretKeys("leakwatch")?.includes("operator.token"), "the operators' token would go into the cluster"));
	out.push(expect(secretKeys("leakwatch-collector-auth")?.includes("ingest.sha256") && secretKeys("leakwatch-collector-auth")?.includes("operator.sha256"), "Secret leakwatch-collector-auth lacks a digest"));
	return out;
});

check("review rendering: the same Secrets as install, placeholders too short to run", () => {
	const out = [];
	const shape = (gs) => JSON.stringify(gs.map((g) => [g.secret.metadata.name, g.secret.type, g.keys.map((k) => k.key)]));
	out.push(expect(shape(placeholders) === shape(generated), `${shape(placeholders)} is not ${shape(generated)}`));
	for (const g of placeholders) {
		const val = (k) => Buffer.from(g.secret.data[k] || "", "base64").toString().trim();
		for (const k of g.keys) out.push(expect(k.path.startsWith("example-secrets/"), `${k.path} is not under example-secrets/`));
		// the agent refuses a key under 32 bytes, the collector a token under 16
		if (g.secret.data["fingerprint.key"]) out.push(expect(val("fingerprint.key").length < 32, "fingerprint.key placeholder would be accepted"));
		if (g.secret.data.token) out.push(expect(val("token").length < 16, "token placeholder would be accepted"));
		for (const d of ["ingest.sha256", "operator.sha256"])
			if (g.secret.data[d]) out.push(expect(!/^[0-9a-f]{64}$/i.test(val(d)), `${d} placeholder would be accepted`));
		if (g.secret.data["tls.key"]) out.push(expect(!val("tls.key").includes("PRIVATE KEY"), "tls.key placeholder is a real key"));
	}
	return out;
});

check("cert-manager.yaml: issues the Secret the pods mount, for the Service's names", () => {
	const docs = (files[CERT_MANAGER] || []).map((d) => d.obj);
	const cert = docs.find((o) => o.kind === "Certificate" && o.spec?.secretName === "leakwatch-collector-tls");
	const issuers = new Set(docs.filter((o) => o.kind === "Issuer").map((o) => o.metadata.name));
	const names = [`${svc?.metadata.name}.${NS}.svc`, `${svc?.metadata.name}.${NS}.svc.cluster.local`];
	return [
		expect(cert, "no Certificate with secretName leakwatch-collector-tls"),
		...names.map((n) => expect(cert?.spec.dnsNames?.includes(n), `dnsNames lack ${n}`)),
		...docs.filter((o) => o.kind === "Certificate").map((c) => expect(issuers.has(c.spec.issuerRef?.name), `${c.metadata.name}: issuer ${c.spec.issuerRef?.name} not defined`)),
		...docs.map((o) => expect(o.apiVersion === "cert-manager.io/v1" && o.metadata?.namespace === NS, `${o.kind}/${o.metadata?.name}: apiVersion or namespace`)),
	];
});

console.log(failures() ? `${failures()} checks failed` : "all checks passed");
process.exit(failures() ? 1 : 0);
