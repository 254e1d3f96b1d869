// SPDX-License-Identifier: Apache-2.0
#include "alerting/compose.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/addr.h"
#include "os/clock.h"
#include "alerting/alerttext.h"
#include "wire/names.h"

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

/* the facts routes match on, copied field by field */
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

/* Common to every kind: the identity and the strings routes look at. */
int alert__begin(struct alert *a, enum store_kind kind, int severity, const Leakwatch__V1__Event *ev)
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
		a->namespace = alerttext__dup(c->pod_namespace);
		a->pod = alerttext__dup(c->pod_name);
		if ((alerttext__set(c->pod_namespace) && !a->namespace) || (alerttext__set(c->pod_name) && !a->pod))
			return -ENOMEM;
	}
	return a->host ? 0 : -ENOMEM;
}

int alert__text_begin(struct alert *a, const char *kind, struct alert_text *labels,
		      struct alert_text *details, struct alert_text *summary,
		      struct alert_text *description)
{
	if (alerttext__open4(labels, details, summary, description)) {
		alert__free(a);
		return -ENOMEM;
	}
	alerttext__kv(labels->f, "alertname", a->alertname);
	alerttext__kv(labels->f, "severity", severity__wire_name(a->severity));
	alerttext__kv(labels->f, "host", a->host);
	alerttext__kv(labels->f, "kind", kind);
	return 0;
}

int alert__end(struct alert *a, struct alert_text *labels, struct alert_text *details, struct alert_text *summary,
		  struct alert_text *description)
{
	a->labels = alerttext__close(labels);
	a->details = alerttext__close(details);
	a->summary = alerttext__close(summary);
	a->description = alerttext__close(description);
	if (!a->labels || !a->details || !a->summary || !a->description) {
		alert__free(a);
		return -ENOMEM;
	}
	return 0;
}

/* An event's address as text, "?" when it carries none. */
static const char *format_ip(const ProtobufCBinaryData *b, char buf[LW_ADDR_STRLEN])
{
	return addr__format_bytes(b->data, b->len, buf) ?: "?";
}

/* --- listeners --- */

static const char *exposure_words(const Leakwatch__V1__ListenerEvent *l)
{
	switch (l->exposure) {
	case LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PUBLIC:
		return l->published ? "a public address, through DNAT" : "a public address";
	case LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PRIVATE:
		return l->wildcard ? "every interface (private addresses)" : "a private address";
	case LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_LINK_LOCAL: return "a link-local address";
	case LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_LOOPBACK: return "loopback only";
	default: return "addresses it could not judge";
	}
}

static const char *auth_of(const Leakwatch__V1__ListenerEvent *l)
{
	return l->auth ? auth_state__wire_name(l->auth->state) : NULL;
}

/* "Access: ..." from the agent's probe: what it sent and what came back */
static void access_line(FILE *f, const Leakwatch__V1__Auth *a)
{
	const char *state = a ? auth_state__wire_name(a->state) : NULL;

	if (!state)
		return;
	if (!strcmp(state, "none"))
		fputs("Access: it answered the agent's probe without any credentials", f);
	else if (!strcmp(state, "required"))
		fputs("Access: it asked the agent's probe for credentials, or refused it", f);
	else if (!strcmp(state, "tls"))
		fputs("Access: it wants a TLS handshake first", f);
	else
		fputs("Access: the agent's probe could not tell", f);
	if (alerttext__set(a->evidence))
		fprintf(f, " (%s)", a->evidence);
	fputs(".\n", f);
}

/* A DNAT rule reaches it from a more reachable address than its own. */
static void published_line(FILE *ds, FILE *dt, const Leakwatch__V1__ListenerEvent *l)
{
	const Leakwatch__V1__Published *p = l->published;
	char ip[LW_ADDR_STRLEN], port[16] = "any port";

	if (!p)
		return;
	format_ip(&p->address, ip);
	if (p->port)
		snprintf(port, sizeof(port), "port %u", p->port);
	fprintf(ds, "Published: traffic to %s (%s), %s, reaches it through a DNAT rule (table %s, chain %s, "
		"network namespace %u); on its own addresses it is %s.\n",
		ip, addr_class__wire_name(p->exposure), port, alerttext__set(p->table) ? p->table : "?",
		alerttext__set(p->chain) ? p->chain : "?", p->netns, addr_class__wire_name(p->own_exposure));
	alerttext__kv(dt, "published_address", ip);
	alerttext__kv_u64(dt, "published_port", p->port);
	alerttext__kv(dt, "published_rule", alerttext__set(p->chain) ? p->chain : "?");
	alerttext__kv(dt, "own_exposure", addr_class__wire_name(p->own_exposure));
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
	if (svc && alerttext__set(svc->name))
		fprintf(f, "; %s is a %s service, identified by %s", svc->name,
			alerttext__set(svc->category) ? svc->category : "known",
			svc->identified_by == LEAKWATCH__V1__SERVICE__IDENTIFIED_BY__IDENTIFIED_BY_PORT ? "its well-known port only"
			: svc->identified_by == LEAKWATCH__V1__SERVICE__IDENTIFIED_BY__IDENTIFIED_BY_PROTOCOL
				? "its reply to the agent's probe"
				: "its process");
	else
		fputs("; the service is not one leakwatch recognises", f);
	fprintf(f, "; severity %s.\n", severity__wire_name(l->severity));
	access_line(f, l->auth);
}

void alert__listener_key(const Leakwatch__V1__Event *ev, char key[ALERTKEY_LEN])
{
	const Leakwatch__V1__ListenerEvent *l = ev->listener;
	char ip[LW_ADDR_STRLEN];

	format_ip(&l->address, ip);
	alertkey__listener(key, ev->host->hostname, l->netns,
			   l->protocol == LEAKWATCH__V1__PROTOCOL__PROTOCOL_UDP ? "udp" : "tcp", ip, l->port);
}

/* The labels routing and Alertmanager see, after those of every alert:
 * stable across updates of the text. */
static void listener_labels(FILE *f, const Leakwatch__V1__Event *ev, const char *what, const char *proto,
			    const char *ip)
{
	const Leakwatch__V1__ListenerEvent *l = ev->listener;
	char num[24];

	alerttext__kv(f, "service", what);
	alerttext__kv(f, "protocol", proto);
	alerttext__kv(f, "address", ip);
	snprintf(num, sizeof(num), "%u", l->port);
	alerttext__kv(f, "port", num);
	snprintf(num, sizeof(num), "%u", l->netns);
	alerttext__kv(f, "netns", num);
	if (alerttext__set(l->netns_name))
		alerttext__kv(f, "netns_name", l->netns_name);
	alerttext__labels_pod(f, ev->container);
}

static void listener_details(FILE *f, const struct alert *a, const Leakwatch__V1__Event *ev, const char *proto,
			     const char *ip)
{
	const Leakwatch__V1__ListenerEvent *l = ev->listener;

	alerttext__kv(f, "host", a->host);
	alerttext__kv_u64(f, "netns", l->netns);
	if (l->netns_cookie)
		alerttext__kv_u64(f, "netns_cookie", l->netns_cookie);
	if (alerttext__set(l->netns_name))
		alerttext__kv(f, "netns_name", l->netns_name);
	alerttext__kv(f, "protocol", proto);
	alerttext__kv(f, "address", ip);
	alerttext__kv_u64(f, "port", l->port);
	alerttext__kv(f, "exposure", addr_class__wire_name(l->exposure));
	alerttext__kv(f, "wildcard", l->wildcard ? "true" : "false");
	alerttext__kv(f, "expected", l->expected ? "true" : "false");
	alerttext__kv(f, "unexpected", l->unexpected ? "true" : "false");
	alerttext__kv(f, "source", listener_source__wire_name(l->source));
	if (l->service) {
		alerttext__kv(f, "service", l->service->name);
		alerttext__kv(f, "service_category", l->service->category);
	}
	alerttext__details_process(f, ev->process, ev->container);
	if (auth_of(l)) {
		alerttext__kv(f, "auth", auth_of(l));
		alerttext__kv(f, "auth_protocol", l->auth->protocol);
		alerttext__kv(f, "auth_evidence", l->auth->evidence);
	}
}

/* "Reachable on: ..." in the description, and the addresses in the details. */
static void reachable_lines(FILE *ds, FILE *dt, const Leakwatch__V1__ListenerEvent *l)
{
	size_t shown = l->n_reachable < MAX_REACHABLE_SHOWN ? l->n_reachable : MAX_REACHABLE_SHOWN;
	size_t total = l->reachable_total > l->n_reachable ? l->reachable_total : l->n_reachable;

	if (!shown)
		return;
	fputs("Reachable on: ", ds);
	fprintf(dt, "reachable=");
	for (size_t i = 0; i < shown; i++) {
		const Leakwatch__V1__Reachable *r = l->reachable[i];
		char rip[LW_ADDR_STRLEN];

		format_ip(&r->address, rip);
		fprintf(ds, "%s%s (%s%s%s)", i ? ", " : "", rip, addr_class__wire_name(r->class_),
			alerttext__set(r->interface) ? ", " : "", alerttext__set(r->interface) ? r->interface : "");
		fprintf(dt, "%s%s", i ? " " : "", rip);
	}
	fputc('\n', dt);
	if (total > shown)
		fprintf(ds, ", and %zu more", total - shown);
	fputs(".\n", ds);
}

/* What, where, reachable on, published, why, what to do. */
static void listener_description(FILE *ds, FILE *dt, const struct alert *a, const Leakwatch__V1__Event *ev,
				 const char *what, const char *endpoint, const char *proto)
{
	const Leakwatch__V1__ListenerEvent *l = ev->listener;
	const Leakwatch__V1__Service *svc = l->service;

	fprintf(ds, "What: %s%s%s%s is listening on %s/%s, answering on %s.\n",
		what ? what : "an unrecognised service", what ? " (" : "",
		what ? (alerttext__set(svc->category) ? svc->category : "service") : "", what ? ")" : "", endpoint,
		proto, exposure_words(l));
	fprintf(ds, "Where: host %s, network namespace %u", a->host, l->netns);
	if (alerttext__set(l->netns_name))
		fprintf(ds, " (%s)", l->netns_name);
	alerttext__where_process(ds, ev->process);
	alerttext__where_container(ds, ev->container);
	fputs(".\n", ds);
	reachable_lines(ds, dt, l);
	published_line(ds, dt, l);
	why_listener(ds, l);
	if (auth_of(l) && !strcmp(auth_of(l), "none"))
		fputs("What to do now: anyone who reaches it can read its data. Firewall the port or bind it "
		      "to loopback, and require authentication; then find out who has connected. ",
		      ds);
	fputs("What to do: if it should not be reachable, bind it to loopback or a private address, "
	      "or firewall the port; if it must be, require authentication and add it to "
	      "exposure.expected in the agent's configuration.",
	      ds);
}

int alert__listener(const Leakwatch__V1__Event *ev, struct alert *a)
{
	const Leakwatch__V1__ListenerEvent *l = ev->listener;
	const Leakwatch__V1__Service *svc = l->service;
	const char *proto = l->protocol == LEAKWATCH__V1__PROTOCOL__PROTOCOL_UDP ? "udp" : "tcp";
	const char *what = svc && alerttext__set(svc->name) ? svc->name : NULL;
	struct alert_text lb, dt, sm, ds;
	char ip[LW_ADDR_STRLEN], endpoint[LW_ADDR_STRLEN + 16];

	if (alert__begin(a, STORE_LISTENER, (int)l->severity, ev) ||
	    (what && !(a->service = strdup(what)))) {
		alert__free(a);
		return -ENOMEM;
	}
	format_ip(&l->address, ip);
	snprintf(endpoint, sizeof(endpoint), l->address.len == 16 ? "[%s]:%u" : "%s:%u", ip, l->port);
	alertkey__listener(a->key, a->host, l->netns, proto, ip, l->port);
	if (alert__text_begin(a, "listener", &lb, &dt, &sm, &ds))
		return -ENOMEM;
	listener_labels(lb.f, ev, what, proto, ip);
	listener_details(dt.f, a, ev, proto, ip);
	if (auth_of(l) && !strcmp(auth_of(l), "none"))
		fprintf(sm.f, "%s on %s answers without credentials on %s: %s/%s", what ? what : "A listener",
			a->host, exposure_words(l), endpoint, proto);
	else
		fprintf(sm.f, "%s on %s listens on %s: %s/%s%s", what ? what : "A listener", a->host,
			exposure_words(l), endpoint, proto,
			auth_of(l) && !strcmp(auth_of(l), "required") ? " (credentials required)" : "");
	listener_description(ds.f, dt.f, a, ev, what, endpoint, proto);
	return alert__end(a, &lb, &dt, &sm, &ds);
}

/* --- agent health --- */

static const int agent_severity[AGENT_PROBLEM_COUNT] = {
	[AGENT_SILENT] = LEAKWATCH__V1__SEVERITY__SEVERITY_HIGH,
	[AGENT_DROPS] = LEAKWATCH__V1__SEVERITY__SEVERITY_MEDIUM,
	[AGENT_SPOOL] = LEAKWATCH__V1__SEVERITY__SEVERITY_MEDIUM,
};

/* the description's Where line, the same for every agent problem */
static void agent_where(FILE *ds, const struct agent_status *st)
{
	fprintf(ds, "Where: host %s, agent %s, version %s.\n", st->host, st->agent_id,
		alerttext__set(st->version) ? st->version : "unknown");
}

static void agent_text(enum agent_problem p, const struct agent_status *st, FILE *sm, FILE *ds, FILE *dt)
{
	char when[LW_RFC3339_LEN];

	switch (p) {
	case AGENT_SILENT:
		fprintf(sm, "leakwatch agent on %s stopped reporting", st->host);
		fprintf(ds, "What: no heartbeat from agent %s for more than %" PRIu64 " s; the last arrived "
			    "at %s.\n",
			st->agent_id, st->silent_ms / 1000, clock__rfc3339(st->last_heartbeat_ns, when));
		agent_where(ds, st);
		fputs("Why: while it is silent, listeners opened and credentials logged on this host go "
		      "unseen.\n", ds);
		fputs("What to do: check the leakwatch service or pod on the host (systemctl status "
		      "leakwatch, kubectl logs), the host itself, and its route to the collector.", ds);
		alerttext__kv(dt, "last_heartbeat", clock__rfc3339(st->last_heartbeat_ns, when));
		alerttext__kv_u64(dt, "silent_for_seconds", st->silent_ms / 1000);
		break;
	case AGENT_DROPS:
		fprintf(sm, "leakwatch agent on %s is losing events", st->host);
		fprintf(ds, "What: %" PRIu64 " record(s) lost over the last %" PRIu64 " heartbeats, each "
			    "reporting new losses (totals: %s).\n",
			st->drops_new, st->drop_reports, alerttext__set(st->drop_reasons) ? st->drop_reasons : "none");
		agent_where(ds, st);
		fputs("Why: a lost record is a listener or a leaked credential that may never be "
		      "reported.\n", ds);
		fputs("What to do: ringbuf_full: raise agent.ringbuf_size or watch fewer paths; "
		      "spool_full or spool_write_error: free disk or raise spool.max_size; "
		      "export_rejected: check the collector's log for refused batches.", ds);
		alerttext__kv_u64(dt, "drops_new", st->drops_new);
		alerttext__kv(dt, "drops", st->drop_reasons);
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
		agent_where(ds, st);
		fputs("Why: events wait on the host instead of reaching the collector, and a full "
		      "spool drops the oldest.\n", ds);
		fputs("What to do: check the agent's route and credentials to the collector "
		      "(collector.url, token) and the collector's own health and disk.", ds);
		alerttext__kv_u64(dt, "spool_bytes", st->spool_bytes);
		alerttext__kv_u64(dt, "spool_records", st->spool_records);
		alerttext__kv_u64(dt, "spool_oldest_age_seconds", st->spool_age_s);
		alerttext__kv_u64(dt, "spool_dropped_full", st->spool_dropped_full);
		break;
	}
}

int alert__agent(enum agent_problem p, const struct agent_status *st, int64_t at_ns, struct alert *a)
{
	struct alert_text lb, dt, sm, ds;

	memset(a, 0, sizeof(*a));
	if (p < 0 || p >= AGENT_PROBLEM_COUNT)
		return -EINVAL;
	a->kind = STORE_HEALTH;
	a->severity = agent_severity[p];
	a->alertname = agent_alertnames[p];
	a->count = 1;
	a->at_ns = at_ns;
	a->host = strdup(alerttext__set(st->host) ? st->host : "unknown");
	a->agent_id = strdup(st->agent_id ? st->agent_id : "");
	if (!a->host || !a->agent_id) {
		alert__free(a);
		return -ENOMEM;
	}
	alertkey__agent(a->key, a->agent_id, problem_names[p]);
	if (alert__text_begin(a, "health", &lb, &dt, &sm, &ds))
		return -ENOMEM;
	alerttext__kv(lb.f, "agent_id", a->agent_id);
	alerttext__kv(dt.f, "host", a->host);
	alerttext__kv(dt.f, "agent_id", a->agent_id);
	alerttext__kv(dt.f, "agent_version", st->version);
	alerttext__kv(dt.f, "problem", problem_names[p]);
	agent_text(p, st, sm.f, ds.f, dt.f);
	return alert__end(a, &lb, &dt, &sm, &ds);
}
