// SPDX-License-Identifier: Apache-2.0
#include "alerting/compose.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "clock.h"
#include "names.h"

#define MAX_REACHABLE_SHOWN 8

static const char *const alertnames[] = {
	[STORE_LISTENER] = "LeakwatchExposedListener",
	[STORE_LEAK] = "LeakwatchCredentialLeak",
};

static const char *const agent_alertnames[AGENT_PROBLEM_COUNT] = {
	[AGENT_SILENT] = "LeakwatchAgentSilent",
	[AGENT_DROPS] = "LeakwatchAgentDroppingEvents",
	[AGENT_SPOOL] = "LeakwatchAgentSpoolFilling",
};

static const char *const problem_names[AGENT_PROBLEM_COUNT] = {
	[AGENT_SILENT] = "silent",
	[AGENT_DROPS] = "drops",
	[AGENT_SPOOL] = "spool",
};

const char *agent_problem__name(enum agent_problem p)
{
	return p >= 0 && p < AGENT_PROBLEM_COUNT ? problem_names[p] : "unknown";
}

void alert__free(struct alert *a)
{
	free(a->host);
	free(a->namespace);
	free(a->pod);
	free(a->service);
	free(a->rule);
	free(a->fingerprint);
	free(a->agent_id);
	free(a->labels);
	free(a->details);
	free(a->summary);
	free(a->description);
	memset(a, 0, sizeof(*a));
}

void alert__facts(const struct alert *a, struct alert_facts *f)
{
	f->kind = a->kind;
	f->severity = a->severity;
	f->host = a->host;
	f->namespace = a->namespace;
	f->rule = a->rule;
	f->service = a->service;
}

bool alert__kv_next(const char **cursor, const char **name, size_t *name_len, const char **value,
		    size_t *value_len)
{
	const char *s = *cursor, *eq, *nl;

	while (s && *s) {
		nl = strchr(s, '\n');
		if (!nl)
			nl = s + strlen(s);
		eq = memchr(s, '=', (size_t)(nl - s));
		*cursor = *nl ? nl + 1 : nl;
		if (eq && eq > s) {
			*name = s;
			*name_len = (size_t)(eq - s);
			*value = eq + 1;
			*value_len = (size_t)(nl - eq - 1);
			return true;
		}
		s = *cursor;
	}
	return false;
}

/* --- text building: a memstream per string --- */

struct text {
	FILE *f;
	char *buf;
	size_t len;
};

static int text_open(struct text *t)
{
	t->buf = NULL;
	t->f = open_memstream(&t->buf, &t->len);
	return t->f ? 0 : -ENOMEM;
}

/* The string, or NULL when a write ran out of memory. */
static char *text_close(struct text *t)
{
	bool bad = ferror(t->f);

	if (fclose(t->f) || bad) {
		free(t->buf);
		return NULL;
	}
	return t->buf;
}

static bool set(const char *s)
{
	return s && *s;
}

static char *dup_opt(const char *s)
{
	return set(s) ? strdup(s) : NULL;
}

/* "name=value\n"; a value's line breaks become spaces so lines stay records */
static void kv(FILE *f, const char *name, const char *value)
{
	if (!set(value))
		return;
	fprintf(f, "%s=", name);
	for (const char *p = value; *p; p++)
		fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
	fputc('\n', f);
}

static void kv_u64(FILE *f, const char *name, uint64_t v)
{
	fprintf(f, "%s=%" PRIu64 "\n", name, v);
}

/* An event's address as text, "?" when it carries none. */
static const char *format_ip(const ProtobufCBinaryData *b, char buf[LW_ADDR_STRLEN])
{
	return addr__format_bytes(b->data, b->len, buf) ?: "?";
}

/* "; process redis-server (pid 7012, /usr/bin/redis-server, user root)" */
static void where_process(FILE *f, const Leakwatch__V1__Process *p)
{
	if (!p || (!p->pid && !set(p->comm)))
		return;
	fprintf(f, "; process %s (pid %u", set(p->comm) ? p->comm : "?", p->pid);
	if (set(p->exe))
		fprintf(f, ", %s", p->exe);
	if (set(p->user))
		fprintf(f, ", user %s", p->user);
	fputc(')', f);
}

/* "; pod prod/api-7, container redis" or "; container 3f2a9c1b0d4e (docker)" */
static void where_container(FILE *f, const Leakwatch__V1__Container *c)
{
	if (!c)
		return;
	if (set(c->pod_name))
		fprintf(f, "; pod %s%s%s", set(c->pod_namespace) ? c->pod_namespace : "",
			set(c->pod_namespace) ? "/" : "", c->pod_name);
	else if (set(c->pod_uid))
		fprintf(f, "; pod uid %s", c->pod_uid);
	if (set(c->container_name))
		fprintf(f, "%s container %s", set(c->pod_name) || set(c->pod_uid) ? "," : ";",
			c->container_name);
	else if (set(c->id))
		fprintf(f, "%s container %.12s%s%s%s", set(c->pod_name) || set(c->pod_uid) ? "," : ";",
			c->id, set(c->runtime) ? " (" : "", set(c->runtime) ? c->runtime : "",
			set(c->runtime) ? ")" : "");
}

static void details_process(FILE *f, const Leakwatch__V1__Process *p, const Leakwatch__V1__Container *c)
{
	if (p && (p->pid || set(p->comm))) {
		kv(f, "process", p->comm);
		kv_u64(f, "pid", p->pid);
		kv(f, "exe", p->exe);
		kv(f, "user", p->user);
	}
	if (c) {
		kv(f, "namespace", c->pod_namespace);
		kv(f, "pod", c->pod_name);
		kv(f, "pod_uid", c->pod_uid);
		kv(f, "container", c->container_name);
		kv(f, "container_id", c->id);
		kv(f, "container_runtime", c->runtime);
	}
}

static void labels_pod(FILE *f, const Leakwatch__V1__Container *c)
{
	if (c) {
		kv(f, "namespace", c->pod_namespace);
		kv(f, "pod", c->pod_name);
	}
}

/* Common to every kind: the identity and the strings routes look at. */
static int base(struct alert *a, enum store_kind kind, int severity, const Leakwatch__V1__Event *ev)
{
	const Leakwatch__V1__Container *c = ev->container;

	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->severity = severity;
	a->alertname = alertnames[kind];
	a->count = 1;
	a->at_ns = ev->time_unix_nano;
	a->host = strdup(ev->host->hostname);
	if (c) {
		a->namespace = dup_opt(c->pod_namespace);
		a->pod = dup_opt(c->pod_name);
		if ((set(c->pod_namespace) && !a->namespace) || (set(c->pod_name) && !a->pod))
			return -ENOMEM;
	}
	return a->host ? 0 : -ENOMEM;
}

static int finish(struct alert *a, struct text *labels, struct text *details, struct text *summary,
		  struct text *description)
{
	a->labels = text_close(labels);
	a->details = text_close(details);
	a->summary = text_close(summary);
	a->description = text_close(description);
	if (!a->labels || !a->details || !a->summary || !a->description) {
		alert__free(a);
		return -ENOMEM;
	}
	return 0;
}

static int open4(struct text *a, struct text *b, struct text *c, struct text *d)
{
	int err = text_open(a);

	err = err ?: text_open(b);
	err = err ?: text_open(c);
	err = err ?: text_open(d);
	if (err) {
		/* close what opened; the buffers are empty */
		struct text *all[] = { a, b, c, d };

		for (int i = 0; i < 4; i++)
			if (all[i]->f)
				free(text_close(all[i]));
	}
	return err;
}

/* --- listeners --- */

/* by number: sources are only ever added to the wire contract */
static const char *source_name(int source)
{
	switch (source) {
	case 1: return "kernel";
	case 2: return "inventory";
	case 3: return "reload";
	case 4: return "restart";
	default: return "unknown";
	}
}

static const char *exposure_words(const Leakwatch__V1__ListenerEvent *l)
{
	switch (l->exposure) {
	case LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PUBLIC: return "a public address";
	case LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PRIVATE:
		return l->wildcard ? "every interface (private addresses)" : "a private address";
	case LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_LINK_LOCAL: return "a link-local address";
	case LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_LOOPBACK: return "loopback only";
	default: return "addresses it could not judge";
	}
}

static void why_listener(FILE *f, const Leakwatch__V1__ListenerEvent *l)
{
	const Leakwatch__V1__Service *svc = l->service;

	fputs("Why: ", f);
	switch (l->exposure) {
	case LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PUBLIC:
		fputs("it answers on a public interface, reachable from outside", f);
		break;
	case LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PRIVATE:
		fputs(l->wildcard ? "it answers on every interface of its namespace (\"only on the VPN\" is no control)"
				  : "it answers on a private address",
		      f);
		break;
	default:
		fprintf(f, "it answers on %s", exposure_words(l));
		break;
	}
	if (l->expected)
		fputs(", and is on the expected list", f);
	else if (l->unexpected)
		fputs(", and is not on the expected list (exposure.expected)", f);
	if (svc && set(svc->name))
		fprintf(f, "; %s is a %s service, identified by %s", svc->name,
			set(svc->category) ? svc->category : "known",
			svc->identified_by == LEAKWATCH__V1__SERVICE__IDENTIFIED_BY__IDENTIFIED_BY_PORT
				? "its well-known port only"
				: "its process");
	else
		fputs("; the service is not one leakwatch recognises", f);
	fprintf(f, "; severity %s.\n", severity__wire_name(l->severity));
}

void alert__listener_key(const Leakwatch__V1__Event *ev, char key[ALERTKEY_LEN])
{
	const Leakwatch__V1__ListenerEvent *l = ev->listener;
	char ip[LW_ADDR_STRLEN];

	format_ip(&l->address, ip);
	alertkey__listener(key, ev->host->hostname, l->netns,
			   l->protocol == LEAKWATCH__V1__PROTOCOL__PROTOCOL_UDP ? "udp" : "tcp", ip, l->port);
}

int alert__listener(const Leakwatch__V1__Event *ev, struct alert *a)
{
	const Leakwatch__V1__ListenerEvent *l = ev->listener;
	const Leakwatch__V1__Service *svc = l->service;
	const char *proto = l->protocol == LEAKWATCH__V1__PROTOCOL__PROTOCOL_UDP ? "udp" : "tcp";
	const char *what = svc && set(svc->name) ? svc->name : NULL;
	struct text lb, dt, sm, ds;
	char ip[LW_ADDR_STRLEN], endpoint[LW_ADDR_STRLEN + 16], num[24];
	size_t shown;

	if (base(a, STORE_LISTENER, (int)l->severity, ev) ||
	    (what && !(a->service = strdup(what)))) {
		alert__free(a);
		return -ENOMEM;
	}
	format_ip(&l->address, ip);
	snprintf(endpoint, sizeof(endpoint), l->address.len == 16 ? "[%s]:%u" : "%s:%u", ip, l->port);
	alertkey__listener(a->key, a->host, l->netns, proto, ip, l->port);
	if (open4(&lb, &dt, &sm, &ds)) {
		alert__free(a);
		return -ENOMEM;
	}

	kv(lb.f, "alertname", a->alertname);
	kv(lb.f, "severity", severity__wire_name(a->severity));
	kv(lb.f, "host", a->host);
	kv(lb.f, "kind", "listener");
	kv(lb.f, "service", what);
	kv(lb.f, "protocol", proto);
	kv(lb.f, "address", ip);
	snprintf(num, sizeof(num), "%u", l->port);
	kv(lb.f, "port", num);
	snprintf(num, sizeof(num), "%u", l->netns);
	kv(lb.f, "netns", num);
	labels_pod(lb.f, ev->container);

	kv(dt.f, "host", a->host);
	kv_u64(dt.f, "netns", l->netns);
	kv(dt.f, "protocol", proto);
	kv(dt.f, "address", ip);
	kv_u64(dt.f, "port", l->port);
	kv(dt.f, "exposure", addr_class__wire_name(l->exposure));
	kv(dt.f, "wildcard", l->wildcard ? "true" : "false");
	kv(dt.f, "expected", l->expected ? "true" : "false");
	kv(dt.f, "unexpected", l->unexpected ? "true" : "false");
	kv(dt.f, "source", source_name(l->source));
	if (svc) {
		kv(dt.f, "service", svc->name);
		kv(dt.f, "service_category", svc->category);
	}
	details_process(dt.f, ev->process, ev->container);

	fprintf(sm.f, "%s on %s listens on %s: %s/%s", what ? what : "A listener", a->host,
		exposure_words(l), endpoint, proto);

	fprintf(ds.f, "What: %s%s%s%s is listening on %s/%s, answering on %s.\n",
		what ? what : "an unrecognised service", what ? " (" : "",
		what ? (set(svc->category) ? svc->category : "service") : "", what ? ")" : "", endpoint,
		proto, exposure_words(l));
	fprintf(ds.f, "Where: host %s, network namespace %u", a->host, l->netns);
	where_process(ds.f, ev->process);
	where_container(ds.f, ev->container);
	fputs(".\n", ds.f);
	shown = l->n_reachable < MAX_REACHABLE_SHOWN ? l->n_reachable : MAX_REACHABLE_SHOWN;
	if (shown) {
		size_t total = l->reachable_total > l->n_reachable ? l->reachable_total : l->n_reachable;

		fputs("Reachable on: ", ds.f);
		fprintf(dt.f, "reachable=");
		for (size_t i = 0; i < shown; i++) {
			const Leakwatch__V1__Reachable *r = l->reachable[i];
			char rip[LW_ADDR_STRLEN];

			format_ip(&r->address, rip);
			fprintf(ds.f, "%s%s (%s%s%s)", i ? ", " : "", rip, addr_class__wire_name(r->class_),
				set(r->interface) ? ", " : "", set(r->interface) ? r->interface : "");
			fprintf(dt.f, "%s%s", i ? " " : "", rip);
		}
		fputc('\n', dt.f);
		if (total > shown)
			fprintf(ds.f, ", and %zu more", total - shown);
		fputs(".\n", ds.f);
	}
	why_listener(ds.f, l);
	fputs("What to do: if it should not be reachable, bind it to loopback or a private address, "
	      "or firewall the port; if it must be, require authentication and add it to "
	      "exposure.expected in the agent's configuration.",
	      ds.f);
	return finish(a, &lb, &dt, &sm, &ds);
}

/* --- leaks --- */

int alert__leak(const Leakwatch__V1__Event *ev, struct alert *a)
{
	const Leakwatch__V1__LeakEvent *l = ev->leak;
	const char *redacted = set(l->redacted) ? l->redacted : "(not shown)";
	struct text lb, dt, sm, ds;

	if (base(a, STORE_LEAK, (int)l->severity, ev) || !(a->rule = strdup(l->rule)) ||
	    !(a->fingerprint = strdup(l->fingerprint))) {
		alert__free(a);
		return -ENOMEM;
	}
	a->count = l->count ? l->count : 1;
	if (l->first_seen_unix_nano > 0)
		a->at_ns = l->first_seen_unix_nano;
	alertkey__leak(a->key, a->fingerprint, a->host);
	if (open4(&lb, &dt, &sm, &ds)) {
		alert__free(a);
		return -ENOMEM;
	}

	kv(lb.f, "alertname", a->alertname);
	kv(lb.f, "severity", severity__wire_name(a->severity));
	kv(lb.f, "host", a->host);
	kv(lb.f, "kind", "leak");
	kv(lb.f, "rule", a->rule);
	kv(lb.f, "fingerprint", a->fingerprint);
	labels_pod(lb.f, ev->container);

	kv(dt.f, "host", a->host);
	kv(dt.f, "rule", a->rule);
	kv(dt.f, "family", l->family);
	kv(dt.f, "redacted", l->redacted);
	kv(dt.f, "fingerprint", a->fingerprint);
	kv(dt.f, "path", l->path);
	kv_u64(dt.f, "offset", l->offset);
	kv_u64(dt.f, "last_offset", l->last_offset ? l->last_offset : l->offset);
	kv(dt.f, "device", l->device);
	if (l->inode)
		kv_u64(dt.f, "inode", l->inode);
	kv(dt.f, "syscall", l->syscall);
	details_process(dt.f, ev->process, ev->container);

	fprintf(sm.f, "Credential written to a log on %s: %s %s in %s:%" PRIu64, a->host, a->rule,
		redacted, set(l->path) ? l->path : "?", l->offset);

	fprintf(ds.f, "What: a credential matching rule %s%s%s%s was written to a log file; redacted %s, "
		      "fingerprint %s.\n",
		a->rule, set(l->family) ? " (" : "", set(l->family) ? l->family : "",
		set(l->family) ? ")" : "", redacted, a->fingerprint);
	fprintf(ds.f, "Where: host %s, file %s:%" PRIu64 " (byte offset of its first occurrence",
		a->host, set(l->path) ? l->path : "?", l->offset);
	if (l->last_offset && l->last_offset != l->offset)
		fprintf(ds.f, "; latest at %" PRIu64, l->last_offset);
	fputc(')', ds.f);
	where_process(ds.f, ev->process);
	where_container(ds.f, ev->container);
	fputs(".\n", ds.f);
	fprintf(ds.f, "Why: anyone who can read this log, or wherever it is shipped, can use the "
		      "credential; severity %s.\n",
		severity__wire_name(a->severity));
	fprintf(ds.f, "What to do: revoke and rotate the credential, remove it from the log and its "
		      "copies, and stop the code from logging it; then acknowledge the finding "
		      "(POST /v1/findings/%s/ack, or leakwatch-collector ack %s) to resolve this alert.",
		a->fingerprint, a->fingerprint);
	return finish(a, &lb, &dt, &sm, &ds);
}

/* --- agent health --- */

static const int agent_severity[AGENT_PROBLEM_COUNT] = {
	[AGENT_SILENT] = LEAKWATCH__V1__SEVERITY__SEVERITY_HIGH,
	[AGENT_DROPS] = LEAKWATCH__V1__SEVERITY__SEVERITY_MEDIUM,
	[AGENT_SPOOL] = LEAKWATCH__V1__SEVERITY__SEVERITY_MEDIUM,
};

static void agent_text(enum agent_problem p, const struct agent_status *st, FILE *sm, FILE *ds, FILE *dt)
{
	char when[LW_RFC3339_LEN];

	switch (p) {
	case AGENT_SILENT:
		fprintf(sm, "leakwatch agent on %s stopped reporting", st->host);
		fprintf(ds, "What: no heartbeat from agent %s for more than %" PRIu64 " s; the last arrived "
			    "at %s.\n",
			st->agent_id, st->silent_ms / 1000, clock__rfc3339(st->last_heartbeat_ns, when));
		fprintf(ds, "Where: host %s, agent %s, version %s.\n", st->host, st->agent_id,
			set(st->version) ? st->version : "unknown");
		fputs("Why: while it is silent, listeners opened and credentials logged on this host go "
		      "unseen.\n", ds);
		fputs("What to do: check the leakwatch service or pod on the host (systemctl status "
		      "leakwatch, kubectl logs), the host itself, and its route to the collector.", ds);
		kv(dt, "last_heartbeat", clock__rfc3339(st->last_heartbeat_ns, when));
		kv_u64(dt, "silent_for_seconds", st->silent_ms / 1000);
		break;
	case AGENT_DROPS:
		fprintf(sm, "leakwatch agent on %s is losing events", st->host);
		fprintf(ds, "What: %" PRIu64 " record(s) lost over the last %" PRIu64 " heartbeats, each "
			    "reporting new losses (totals: %s).\n",
			st->drops_new, st->drop_reports, set(st->drop_reasons) ? st->drop_reasons : "none");
		fprintf(ds, "Where: host %s, agent %s, version %s.\n", st->host, st->agent_id,
			set(st->version) ? st->version : "unknown");
		fputs("Why: a lost record is a listener or a leaked credential that may never be "
		      "reported.\n", ds);
		fputs("What to do: ringbuf_full: raise agent.ringbuf_size or watch fewer paths; "
		      "spool_full or spool_write_error: free disk or raise spool.max_size; "
		      "export_rejected: check the collector's log for refused batches.", ds);
		kv_u64(dt, "drops_new", st->drops_new);
		kv(dt, "drops", st->drop_reasons);
		break;
	case AGENT_SPOOL:
	default:
		fprintf(sm, "leakwatch agent spool on %s is filling", st->host);
		fprintf(ds, "What: the agent's spool holds %" PRIu64 " bytes in %" PRIu64 " record(s); the "
			    "oldest is %" PRIu64 " s old",
			st->spool_bytes, st->spool_records, st->spool_age_s);
		if (st->spool_dropped_full)
			fprintf(ds, "; %" PRIu64 " record(s) already dropped because it was full",
				st->spool_dropped_full);
		fputs(".\n", ds);
		fprintf(ds, "Where: host %s, agent %s, version %s.\n", st->host, st->agent_id,
			set(st->version) ? st->version : "unknown");
		fputs("Why: events wait on the host instead of reaching the collector, and a full "
		      "spool drops the oldest.\n", ds);
		fputs("What to do: check the agent's route and credentials to the collector "
		      "(collector.url, token) and the collector's own health and disk.", ds);
		kv_u64(dt, "spool_bytes", st->spool_bytes);
		kv_u64(dt, "spool_records", st->spool_records);
		kv_u64(dt, "spool_oldest_age_seconds", st->spool_age_s);
		kv_u64(dt, "spool_dropped_full", st->spool_dropped_full);
		break;
	}
}

int alert__agent(enum agent_problem p, const struct agent_status *st, int64_t at_ns, struct alert *a)
{
	struct text lb, dt, sm, ds;

	memset(a, 0, sizeof(*a));
	if (p < 0 || p >= AGENT_PROBLEM_COUNT)
		return -EINVAL;
	a->kind = STORE_HEALTH;
	a->severity = agent_severity[p];
	a->alertname = agent_alertnames[p];
	a->count = 1;
	a->at_ns = at_ns;
	a->host = strdup(set(st->host) ? st->host : "unknown");
	a->agent_id = strdup(st->agent_id ? st->agent_id : "");
	if (!a->host || !a->agent_id) {
		alert__free(a);
		return -ENOMEM;
	}
	alertkey__agent(a->key, a->agent_id, problem_names[p]);
	if (open4(&lb, &dt, &sm, &ds)) {
		alert__free(a);
		return -ENOMEM;
	}
	kv(lb.f, "alertname", a->alertname);
	kv(lb.f, "severity", severity__wire_name(a->severity));
	kv(lb.f, "host", a->host);
	kv(lb.f, "kind", "health");
	kv(lb.f, "agent_id", a->agent_id);
	kv(dt.f, "host", a->host);
	kv(dt.f, "agent_id", a->agent_id);
	kv(dt.f, "agent_version", st->version);
	kv(dt.f, "problem", problem_names[p]);
	agent_text(p, st, sm.f, ds.f, dt.f);
	return finish(a, &lb, &dt, &sm, &ds);
}
