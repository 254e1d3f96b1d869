// Lays out, under ROOT, the files a workload's container would see, the way
// the kubelet mounts them: ConfigMap keys, the Secrets install/kustomization.yaml
// generates (from make-secrets.sh's files), subPath mounts, and empty
// directories for emptyDir, PVC and hostPath volumes. Paths inside the
// mounted configuration files are moved under ROOT too, so that the real
// binary can run on them outside a cluster. Prints the container's command,
// moved likewise, as a JSON array.
//
//   node podfs.mjs DIR SECRETS KIND/NAME ROOT
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseAllDocuments, parseDocument } from "yaml";

const [dir, secretsDir, ref, root] = process.argv.slice(2);
if (!root) {
	console.error("usage: node podfs.mjs DIR SECRETS KIND/NAME ROOT");
	process.exit(2);
}
const [kind, name] = ref.split("/");
const kust = parseDocument(readFileSync(join(dir, "base/kustomization.yaml"), "utf8")).toJS();
const install = parseDocument(readFileSync(join(dir, "install/kustomization.yaml"), "utf8")).toJS();
const objs = kust.resources.flatMap((f) =>
	parseAllDocuments(readFileSync(join(dir, "base", f), "utf8")).map((d) => d.toJS()).filter(Boolean),
);
const w = objs.find((o) => o.kind === kind && o.metadata.name === name);
if (!w) throw new Error(`no ${ref}`);
const pod = w.spec.template.spec;
const c = pod.containers[0];

// Secret name -> key -> file, from install's secretGenerator entries
const secrets = {};
for (const g of install.secretGenerator || []) {
	secrets[g.name] = {};
	for (const s of g.files || []) {
		const [k, p] = s.includes("=") ? s.split("=", 2) : [s.split("/").pop(), s];
		secrets[g.name][k] = join(secretsDir, p.replace(/^secrets\//, ""));
	}
}
const keysOf = (v) => {
	if (v.configMap) {
		const cm = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === v.configMap.name);
		return Object.fromEntries(Object.entries(cm.data).map(([k, text]) => [k, { text }]));
	}
	const s = secrets[v.secret.secretName];
	return Object.fromEntries(Object.entries(s).map(([k, file]) => [k, { file }]));
};

// every mount path, longest first, as a whole path or a path's start
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const paths = (c.volumeMounts || []).map((m) => m.mountPath).sort((a, b) => b.length - a.length);
const re = new RegExp(`(?<![\\w/.-])(?:${paths.map(esc).join("|")})(?=/|$|[^\\w.-])`, "gm");
const move = (text) => text.replace(re, (p) => root + p);
const configs = [];
for (const m of c.volumeMounts || []) {
	const v = pod.volumes.find((x) => x.name === m.name);
	const at = join(root, m.mountPath);
	if (v.hostPath?.type === "File") {
		mkdirSync(dirname(at), { recursive: true });
		writeFileSync(at, "");
		continue;
	}
	if (!v.configMap && !v.secret) {
		mkdirSync(at, { recursive: true });
		continue;
	}
	const keys = keysOf(v);
	const items = (v.configMap || v.secret).items || Object.keys(keys).map((k) => ({ key: k, path: k }));
	for (const it of items) {
		if (m.subPath && it.path !== m.subPath) continue;
		const dest = m.subPath ? at : join(at, it.path);
		mkdirSync(dirname(dest), { recursive: true });
		const src = keys[it.key];
		if (src.file) writeFileSync(dest, readFileSync(src.file), { mode: 0o600 });
		else {
			writeFileSync(dest, src.text);
			configs.push(dest);
		}
	}
}
for (const f of configs) writeFileSync(f, move(readFileSync(f, "utf8")));
console.log(JSON.stringify([...(c.command || []), ...(c.args || [])].map(move)));
