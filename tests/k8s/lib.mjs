// What check.mjs and rendered.mjs share: PASS/FAIL lines, the schemas, and
// small judgements of quantities, selectors and resources.

let failed = 0;
export function check(name, fn) {
	let problems;
	try {
		problems = fn();
	} catch (e) {
		problems = [e.message];
	}
	problems = (Array.isArray(problems) ? problems : [problems]).filter(Boolean);
	if (problems.length) {
		failed++;
		console.log(`FAIL ${name}: ${problems.join("; ")}`);
	} else {
		console.log(`PASS ${name}`);
	}
}
export const expect = (cond, msg) => (cond ? undefined : msg);
export const failures = () => failed;

export function quantity(q) {
	const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(q));
	if (!m) throw new Error(`bad quantity ${q}`);
	const mult = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
	return Number(m[1]) * (m[2] ? mult[m[2]] : 1);
}
export const labelsMatch = (sel, labels) => Object.entries(sel || {}).every(([k, v]) => labels?.[k] === v);

export function resourcesOk(c) {
	const r = c.resources || {};
	const out = [];
	for (const res of ["cpu", "memory"]) {
		const req = r.requests?.[res], lim = r.limits?.[res];
		if (req === undefined) out.push(`no ${res} request`);
		if (lim === undefined) out.push(`no ${res} limit`);
		if (req !== undefined && lim !== undefined && quantity(req) > quantity(lim)) out.push(`${res} request above limit`);
	}
	return out;
}

// ---- schemas ---------------------------------------------------------------

// The model of an object: Kubernetes' own, Prometheus Operator's (both
// compiled from their OpenAPI schemas), or OpenShift's SCC below.
export async function modelFor(apiVersion, kind) {
	if (apiVersion === "monitoring.coreos.com/v1")
		return (await import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1"))[kind];
	if (apiVersion === "security.openshift.io/v1" && kind === "SecurityContextConstraints") return SCC;
	const mod = await import(`kubernetes-models/${apiVersion.includes("/") ? apiVersion : "v1"}`);
	return mod[kind];
}

// OpenShift's SecurityContextConstraints (security.openshift.io/v1), which
// has no published model: its fields and their types, as the API documents
// them, checked the way the compiled validators check (and read, so that
// strictValidate finds unknown fields).
const SCC_FIELDS = {
	apiVersion: "string", kind: "string", metadata: "object", priority: "integer",
	allowHostDirVolumePlugin: "boolean", allowHostIPC: "boolean", allowHostNetwork: "boolean",
	allowHostPID: "boolean", allowHostPorts: "boolean", allowPrivilegeEscalation: "boolean",
	allowPrivilegedContainer: "boolean", defaultAllowPrivilegeEscalation: "boolean", readOnlyRootFilesystem: "boolean",
	allowedCapabilities: "strings", defaultAddCapabilities: "strings", requiredDropCapabilities: "strings",
	allowedUnsafeSysctls: "strings", forbiddenSysctls: "strings", seccompProfiles: "strings", volumes: "strings",
	users: "strings", groups: "strings", allowedFlexVolumes: "array",
	runAsUser: { type: "string", uid: "integer", uidRangeMin: "integer", uidRangeMax: "integer" },
	seLinuxContext: { type: "string", seLinuxOptions: { user: "string", role: "string", type: "string", level: "string" } },
	fsGroup: { type: "string", ranges: "array" },
	supplementalGroups: { type: "string", ranges: "array" },
};
const STRATEGIES = { runAsUser: ["MustRunAs", "MustRunAsNonRoot", "MustRunAsRange", "RunAsAny"],
	seLinuxContext: ["MustRunAs", "RunAsAny"], fsGroup: ["MustRunAs", "RunAsAny"], supplementalGroups: ["MustRunAs", "RunAsAny"] };
function checkFields(obj, fields, path, errors) {
	for (const [k, want] of Object.entries(fields)) {
		if (!(k in obj) || obj[k] === null) continue;
		const v = obj[k], at = `${path}/${k}`;
		if (typeof want === "object") {
			if (typeof v !== "object" || Array.isArray(v)) errors.push({ instancePath: at, message: "must be object" });
			else checkFields(v, want, at, errors);
		} else if (want === "strings") {
			if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) errors.push({ instancePath: at, message: "must be array of strings" });
		} else if (want === "array" ? !Array.isArray(v) : want === "integer" ? !Number.isInteger(v) : typeof v !== want) {
			errors.push({ instancePath: at, message: `must be ${want}` });
		}
	}
}
class SCC {}
SCC.prototype.validate = function () {
	const errors = [];
	checkFields(this, SCC_FIELDS, "", errors);
	for (const [k, types] of Object.entries(STRATEGIES))
		if (this[k] && !types.includes(this[k].type)) errors.push({ instancePath: `/${k}/type`, message: `must be one of ${types}` });
	Object.keys(this.metadata || {}); // a map: its keys are the caller's
	if (!this.metadata?.name) errors.push({ instancePath: "/metadata", message: "must have required property 'name'" });
	if (errors.length) throw Object.assign(new Error("invalid"), { errors });
};

// Validates obj with the model's validator through a Proxy recording what
// the validator reads. A map type (labels, data, resources.limits) is
// enumerated by the validator, so its keys count as known.
export function strictValidate(Model, obj) {
	const seen = [];
	const wrap = (o, path) => {
		if (o === null || typeof o !== "object") return o;
		const rec = { obj: o, path, read: new Set(), enumerated: false, kids: new Map() };
		seen.push(rec);
		return new Proxy(o, {
			get(t, k, r) {
				if (typeof k !== "string" || !Object.hasOwn(t, k)) return Reflect.get(t, k, r);
				rec.read.add(k);
				if (!rec.kids.has(k)) rec.kids.set(k, wrap(t[k], `${path}.${k}`));
				return rec.kids.get(k);
			},
			has(t, k) {
				if (typeof k === "string") rec.read.add(k);
				return Reflect.has(t, k);
			},
			ownKeys(t) {
				rec.enumerated = true;
				return Reflect.ownKeys(t);
			},
		});
	};
	const problems = [];
	try {
		Model.prototype.validate.call(wrap(obj, ""));
	} catch (e) {
		const errs = e.errors || [{ instancePath: "", message: e.message }];
		problems.push(...errs.map((x) => `${x.instancePath || "/"} ${x.message}`));
		return problems; // a failed validation stops reading: unknown-field results would be noise
	}
	for (const r of seen) {
		if (Array.isArray(r.obj) || r.enumerated) continue;
		for (const k of Object.keys(r.obj)) if (!r.read.has(k)) problems.push(`unknown field ${r.path}.${k}`);
	}
	return problems;
}

