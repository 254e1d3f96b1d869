// Checks of what `kubectl kustomize deploy/kubernetes/overlays/postgres`
// renders: the collector as several replicas on one PostgreSQL database,
// against the install rendering it changes. Prints one PASS or FAIL line per
// check; exits 1 if any failed.
//
//   node postgres.mjs OVERLAY.yaml INSTALL.yaml
//     OVERLAY.yaml  the overlay, rendered
//     INSTALL.yaml  deploy/kubernetes/install, rendered: the base it patches
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { parse, parseAllDocuments } from "yaml";
import { check, expect, failures, labelsMatch } from "./lib.mjs";

const [file, baseFile] = process.argv.slice(2);
if (!file || !baseFile) {
	console.error("usage: node postgres.mjs OVERLAY.yaml INSTALL.yaml");
	process.exit(2);
}
const load = (f) => parseAllDocuments(readFileSync(f, "utf8")).map((d) => d.toJS()).filter(Boolean);
const objs = load(file), baseObjs = load(baseFile);
const one = (list, kind, name) => list.find((o) => o.kind === kind && o.metadata?.name === name);
const dep = one(objs, "Deployment", "leakwatch-collector");
const baseDep = one(baseObjs, "Deployment", "leakwatch-collector");
if (!dep || !baseDep) {
	console.log("FAIL postgres: a Deployment leakwatch-collector in both renderings");
	process.exit(1);
}
const pod = dep.spec.template.spec, labels = dep.spec.template.metadata.labels;
const c = pod.containers.find((x) => x.name === "collector");
const basePod = baseDep.spec.template.spec;
const baseC = basePod.containers.find((x) => x.name === "collector");
const configOf = (list) => parse(one(list, "ConfigMap", "leakwatch-collector")?.data?.["collector.yaml"] || "") || {};
const cfg = configOf(objs), baseCfg = configOf(baseObjs);
// the volume behind a path in the container, and the mount that puts it there
function mountFor(path) {
	const m = (c.volumeMounts || [])
		.filter((vm) => path === vm.mountPath || path.startsWith(vm.mountPath.replace(/\/$/, "") + "/"))
		.sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
	return m && { mount: m, volume: (pod.volumes || []).find((v) => v.name === m.name) };
}
// a file mounted from a Secret: the Secret's (generated) name and key
function secretFile(path) {
	const at = mountFor(path);
	if (!at?.volume?.secret) return { problem: `${path} is not from a Secret` };
	const file = at.mount.subPath || path.slice(at.mount.mountPath.length + 1);
	const item = (at.volume.secret.items || []).find((i) => i.path === file);
	const secret = objs.find((o) => o.kind === "Secret" && o.metadata.name === at.volume.secret.secretName);
	return { ...at, key: item?.key, secret };
}
const isCollector = (sel) => sel && labelsMatch(sel.matchLabels, labels) && !(sel.matchExpressions || []).length;

check("postgres: the collector Deployment has 2 replicas", () => expect(dep.spec.replicas === 2, `replicas ${dep.spec.replicas}`));
check("postgres: RollingUpdate with maxUnavailable 0 (one collector always up), a surge to roll with", () => {
	const ru = dep.spec.strategy?.rollingUpdate || {};
	return [
		expect(dep.spec.strategy?.type === "RollingUpdate", `strategy ${dep.spec.strategy?.type}`),
		expect(ru.maxUnavailable === 0 || ru.maxUnavailable === "0%", `maxUnavailable ${ru.maxUnavailable}`),
		expect(ru.maxSurge === undefined || (ru.maxSurge !== 0 && ru.maxSurge !== "0%"), "maxSurge 0: with maxUnavailable 0 nothing could roll"),
	];
});
check("postgres: no PersistentVolumeClaim, and no pod volume names one", () => [
	...objs.filter((o) => o.kind === "PersistentVolumeClaim").map((o) => `PersistentVolumeClaim/${o.metadata.name} rendered`),
	...(pod.volumes || []).filter((v) => v.persistentVolumeClaim).map((v) => `volume ${v.name} is a claim`),
]);
check("postgres: a PodDisruptionBudget keeps one collector (minAvailable 1)", () => {
	const pdbs = objs.filter((o) => o.kind === "PodDisruptionBudget" && isCollector(o.spec.selector));
	return [
		expect(pdbs.length === 1, `${pdbs.length} PodDisruptionBudgets select the collector`),
		expect(pdbs[0]?.spec.minAvailable === 1, `minAvailable ${pdbs[0]?.spec.minAvailable}`),
		expect(dep.spec.replicas > pdbs[0]?.spec.minAvailable, "the budget leaves no collector to evict: drains would block"),
	];
});
check("postgres: the two collectors are kept on different nodes", () => {
	const spread = (pod.topologySpreadConstraints || []).some((t) => t.topologyKey === "kubernetes.io/hostname" &&
		t.whenUnsatisfiable === "DoNotSchedule" && t.maxSkew === 1 && isCollector(t.labelSelector));
	const anti = (pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution || [])
		.some((t) => t.topologyKey === "kubernetes.io/hostname" && isCollector(t.labelSelector));
	return expect(spread || anti, "no hostname spread (maxSkew 1, DoNotSchedule) or required anti-affinity for the collector pods");
});
check("postgres: readiness is /healthz over HTTPS (a collector without its database leaves the Service)", () => {
	const g = c.readinessProbe?.httpGet;
	return expect(g?.path === "/healthz" && g.scheme === "HTTPS" && g.port === "https", `readiness ${JSON.stringify(c.readinessProbe)}`);
});
check("postgres: liveness and startup do not depend on the database (not /healthz, not /metrics)", () =>
	["livenessProbe", "startupProbe"].flatMap((p) => {
		const probe = c[p];
		if (!probe) return p === "livenessProbe" ? ["no liveness probe"] : [];
		const path = probe.httpGet?.path;
		return [expect(!["/healthz", "/metrics"].includes(path), `${p} on ${path}, which fails while PostgreSQL is down`)];
	}),
);
check("postgres: config says storage.driver postgres", () => expect(cfg.storage?.driver === "postgres", `storage.driver ${cfg.storage?.driver}`));
check("postgres: storage.dsn_file is the dsn of the leakwatch-collector-postgres Secret, mounted read-only", () => {
	const path = cfg.storage?.dsn_file;
	if (!path) return "storage.dsn_file not set";
	const f = secretFile(path);
	return [
		f.problem,
		expect(f.volume?.secret?.secretName?.startsWith("leakwatch-collector-postgres"), `${path} is from Secret ${f.volume?.secret?.secretName}`),
		expect(f.key === "dsn", `${path} is key ${f.key}`),
		expect(f.secret?.data?.dsn, "the Secret is not rendered with a dsn"),
		expect(f.mount?.readOnly === true, `${path} is mounted writable`),
		// the collector opens credential files with O_NOFOLLOW
		expect(f.mount?.subPath, `${path} is a Secret-volume symlink: mount it with subPath`),
		expect(!/[0-7][0-7][1-7]$/.test((f.volume?.secret?.defaultMode ?? 0o644).toString(8)), "the DSN is readable by every user"),
		expect(!cfg.storage?.dsn, "storage.dsn is set too: the password would be in the ConfigMap"),
	];
});
check("postgres: the DSN verifies the server (sslmode=verify-full) against the CA the pod mounts", () => {
	const f = secretFile(cfg.storage?.dsn_file || "/");
	const dsn = f.secret?.data?.dsn ? Buffer.from(f.secret.data.dsn.replace(/\s/g, ""), "base64").toString() : "";
	const kv = Object.fromEntries([...dsn.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
	const ca = kv.sslrootcert && secretFile(kv.sslrootcert);
	return [
		expect(dsn, "no DSN"),
		expect(kv.sslmode === "verify-full", `sslmode ${kv.sslmode}`),
		expect(kv.sslrootcert, "no sslrootcert"),
		expect(ca && !ca.problem && ca.volume === f.volume && ca.key === "ca.crt" && ca.secret?.data?.["ca.crt"],
			`sslrootcert ${kv.sslrootcert} is not the Secret's ca.crt in the pod`),
	];
});
check("postgres: state_dir is on a writable emptyDir", () => {
	const at = mountFor(cfg.state_dir || "/var/lib/leakwatch-collector");
	return expect(at?.volume?.emptyDir && !at.mount.readOnly, `state_dir ${cfg.state_dir} is on ${JSON.stringify(at?.volume)}`);
});
check("postgres: the configuration is the base's but for storage", () => {
	const strip = (o) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== "storage"));
	return expect(isDeepStrictEqual(strip(cfg), strip(baseCfg)),
		"collector.yaml differs from base/collector-configmap.yaml outside storage: bring overlays/postgres/collector-configmap.yaml in step");
});
check("postgres: the collector container is the base's but for probes and mounts", () => {
	const strip = (x) => ({ ...x, livenessProbe: 0, readinessProbe: 0, startupProbe: 0, volumeMounts: 0 });
	const stripPod = (p) => ({ ...p, containers: 0, volumes: 0, topologySpreadConstraints: 0, affinity: 0 });
	return [
		expect(isDeepStrictEqual(strip(c), strip(baseC)), "image, command, resources or securityContext differ from the base"),
		expect(isDeepStrictEqual(stripPod(pod), stripPod(basePod)), "the pod's securityContext, account or other settings differ from the base"),
	];
});
check("postgres: the collector's egress is left open (PostgreSQL on 5432, DNS, alert sinks)", () =>
	objs.filter((o) => o.kind === "NetworkPolicy" && (o.spec.policyTypes || []).includes("Egress") &&
		labelsMatch(o.spec.podSelector?.matchLabels, labels)).map((o) =>
		(o.spec.egress || []).some((r) => (!r.ports?.length || r.ports.some((p) => p.port === 5432)))
			? undefined : `NetworkPolicy/${o.metadata.name} isolates the collector's egress without 5432`),
);
check("postgres: the Service keeps a client on one collector (each signs its own web sessions)", () =>
	expect(one(objs, "Service", "leakwatch-collector")?.spec.sessionAffinity === "ClientIP", "sessionAffinity is not ClientIP"));

console.log(failures() ? `${failures()} checks failed` : "all checks passed");
process.exit(failures() ? 1 : 0);
