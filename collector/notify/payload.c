// SPDX-License-Identifier: Apache-2.0
#include "notify/payload.h"
#include "notify/pagelink.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerting/compose.h"
#include "clock.h"
#include "jsonw.h"
#include "names.h"

#define MIN_AM_LIFETIME_NS (60ULL * 1000000000)

size_t payload__utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--; /* s[n] continues a character: cut before that character */
	return n;
}

const char *payload__pd_severity(int severity)
{
	switch (severity) {
	case LEAKWATCH__V1__SEVERITY__SEVERITY_CRITICAL: return "critical";
	case LEAKWATCH__V1__SEVERITY__SEVERITY_HIGH: return "error";
	case LEAKWATCH__V1__SEVERITY__SEVERITY_MEDIUM: return "warning";
	default: return "info";
	}
}

static const char *runbook(const struct alertcfg *cfg, enum store_kind k)
{
	return k >= 0 && k < STORE_KIND_COUNT ? cfg->runbook[k] : NULL;
}

static char *take(struct jsonw *w)
{
	const char *s = jsonw__str(w);
	char *out = s ? strdup(s) : NULL;

	jsonw__free(w);
	return out;
}

static void kv_time(struct jsonw *w, const char *key, int64_t ns)
{
	char ts[LW_RFC3339_LEN];

	jsonw__kv_str(w, key, clock__rfc3339(ns > 0 ? (uint64_t)ns : 0, ts));
}

/* "name=value" lines as a JSON object of strings */
static void kv_object(struct jsonw *w, const char *key, const char *kvtext)
{
	const char *cur = kvtext, *name, *value;
	size_t nlen, vlen;

	if (key)
		jsonw__key(w, key);
	jsonw__begin_object(w);
	while (alert__kv_next(&cur, &name, &nlen, &value, &vlen)) {
		char k[64];

		snprintf(k, sizeof(k), "%.*s", (int)nlen, name);
		jsonw__key(w, k);
		jsonw__string_len(w, value, vlen);
	}
	jsonw__end_object(w);
}

/* The stored description, and for a leak how often it was seen. */
static char *description(const struct alert_view *v)
{
	char first[LW_RFC3339_LEN], *out = NULL;

	char where[48] = "on this host";

	if (v->kind != STORE_LEAK)
		return strdup(v->description);
	/* one alert for every host the credential was seen on */
	if (alertkey__leak_fleet(v->key))
		snprintf(where, sizeof(where), "on %" PRIu64 " host%s", v->hosts ? v->hosts : 1,
			 v->hosts > 1 ? "s" : "");
	if (asprintf(&out, "%s\nSeen %" PRIu64 " time%s %s since %s.", v->description, v->count,
		     v->count == 1 ? "" : "s", where,
		     clock__rfc3339(v->starts_ns > 0 ? (uint64_t)v->starts_ns : 0, first)) < 0)
		return NULL;
	return out;
}

static bool resolving(enum outbox_action a)
{
	return a == OUTBOX_RESOLVE || a == OUTBOX_GROUP_RESOLVE || a == OUTBOX_LATE_RESOLVE;
}

static bool grouped(enum outbox_action a)
{
	return a == OUTBOX_GROUP || a == OUTBOX_GROUP_RESOLVE;
}

static int max_severity(const struct notification *n)
{
	int s = 0;

	for (size_t i = 0; i < n->n; i++)
		if (n->alerts[i].severity > s)
			s = n->alerts[i].severity;
	return s;
}

/* Announced after it had already ended (it opened and closed inside a group window). */
static bool closed_on_notice(const struct notification *n, const struct alert_view *v)
{
	return !resolving(n->action) && !v->firing;
}

static size_t closed_count(const struct notification *n)
{
	size_t k = 0;

	for (size_t i = 0; i < n->n; i++)
		k += closed_on_notice(n, &n->alerts[i]);
	return k;
}

/* How long it was open: "20 s", "3 min 5 s", "2 h 7 min". */
static const char *open_for(const struct alert_view *v, char buf[32])
{
	uint64_t s = v->ends_ns > v->starts_ns ? (uint64_t)(v->ends_ns - v->starts_ns) / 1000000000ULL : 0;

	if (s < 60)
		snprintf(buf, 32, "%" PRIu64 " s", s);
	else if (s < 3600)
		snprintf(buf, 32, "%" PRIu64 " min %" PRIu64 " s", s / 60, s % 60);
	else
		snprintf(buf, 32, "%" PRIu64 " h %" PRIu64 " min", s / 3600, s % 3600 / 60);
	return buf;
}

/* "(already closed: open for 20 s)" on a notice of something that has ended */
static void closed_note(FILE *f, const struct notification *n, const struct alert_view *v)
{
	char d[32];

	if (closed_on_notice(n, v))
		fprintf(f, " (already closed: open for %s)", open_for(v, d));
}

/* A group's host: its members share it. */
static const char *group_host(const struct notification *n)
{
	return n->n ? n->alerts[0].host : "?";
}

static char *group_summary(const struct notification *n)
{
	char *s = NULL;

	if (n->action == OUTBOX_GROUP_RESOLVE) {
		if (asprintf(&s, "The %zu listener%s grouped on %s are all closed or no longer exposed",
			     n->total, n->total == 1 ? "" : "s", group_host(n)) < 0)
			return NULL;
	} else {
		size_t closed = closed_count(n);
		char tail[64] = "";

		if (closed == n->total)
			snprintf(tail, sizeof(tail), ", all already closed");
		else if (closed)
			snprintf(tail, sizeof(tail), ", %zu already closed", closed);
		if (asprintf(&s, "%zu new exposed listener%s on %s%s", n->total, n->total == 1 ? "" : "s",
			     group_host(n), tail) < 0)
			return NULL;
	}
	return s;
}

/* --- Alertmanager --- */

static bool am_alert(struct jsonw *w, const struct alertcfg *cfg, const struct alert_view *v,
		     const char *labels, bool resolved, int64_t ends_ns, uint64_t now_ns)
{
	uint64_t life = 4 * cfg->resend_ms * 1000000ULL;
	char link[PAGELINK_MAX];
	int64_t starts = v->starts_ns > 0 && (uint64_t)v->starts_ns < now_ns ? v->starts_ns : (int64_t)now_ns;
	char *desc = description(v);

	if (!desc)
		return false;
	if (life < MIN_AM_LIFETIME_NS)
		life = MIN_AM_LIFETIME_NS;
	jsonw__begin_object(w);
	kv_object(w, "labels", labels);
	jsonw__key(w, "annotations");
	jsonw__begin_object(w);
	jsonw__kv_str(w, "summary", v->summary);
	jsonw__kv_str(w, "description", desc);
	if (runbook(cfg, v->kind))
		jsonw__kv_str(w, "runbook_url", runbook(cfg, v->kind));
	jsonw__kv_str(w, "dedup_key", v->key);
	if (pagelink__alert(cfg->public_url, v, link))
		jsonw__kv_str(w, "finding_url", link);
	jsonw__end_object(w);
	/* Alertmanager links an alert to where it came from by this field */
	if (link[0])
		jsonw__kv_str(w, "generatorURL", link);
	kv_time(w, "startsAt", starts);
	/* firing: a lifetime that the next resend extends, as Prometheus does,
	 * so an alert the collector stops sending expires rather than sticks */
	if (resolved)
		kv_time(w, "endsAt", ends_ns > starts ? ends_ns : starts);
	else
		kv_time(w, "endsAt", (int64_t)(now_ns + life));
	jsonw__end_object(w);
	free(desc);
	return true;
}

/*
 * An update changed the alert's labels (its severity): Alertmanager knows
 * an alert by its labels, so the old set is ended as the new one is sent,
 * and the problem stays one alert there too.
 */
static bool am_previous(struct jsonw *w, const struct alertcfg *cfg, const struct notification *x,
			const struct alert_view *v, uint64_t now_ns)
{
	int64_t ends = v->updated_ns > v->starts_ns ? v->updated_ns : (int64_t)now_ns;

	if (x->action != OUTBOX_TRIGGER && x->action != OUTBOX_RESOLVE)
		return true;
	if (!v->prev_labels || !strcmp(v->prev_labels, v->labels))
		return true;
	return am_alert(w, cfg, v, v->prev_labels, true, ends, now_ns);
}

char *payload__alertmanager(const struct alertcfg *cfg, const struct notification *ns, size_t n,
			    uint64_t now_ns)
{
	struct jsonw w;

	jsonw__init(&w);
	jsonw__begin_array(&w);
	for (size_t i = 0; i < n; i++) {
		const struct notification *x = &ns[i];

		for (size_t j = 0; j < x->n; j++) {
			bool resolved = x->action == OUTBOX_RESOLVE;
			int64_t ends = x->at_ns ? x->at_ns : x->alerts[j].ends_ns;

			if (grouped(x->action))
				continue; /* Alertmanager groups by itself */
			if (!am_alert(&w, cfg, &x->alerts[j], x->alerts[j].labels, resolved, ends, now_ns) ||
			    !am_previous(&w, cfg, x, &x->alerts[j], now_ns)) {
				jsonw__free(&w);
				return NULL;
			}
		}
	}
	jsonw__end_array(&w);
	return take(&w);
}

/* --- PagerDuty --- */

static void pd_summary(struct jsonw *w, const char *s)
{
	jsonw__key(w, "summary");
	jsonw__string_len(w, s, payload__utf8_cut(s, PAYLOAD_PD_SUMMARY_MAX));
}

static const char *component(const struct alert_view *v)
{
	const char *cur = v->labels, *name, *value;
	size_t nlen, vlen;
	static __thread char buf[256];

	while (alert__kv_next(&cur, &name, &nlen, &value, &vlen)) {
		if ((nlen == 7 && !strncmp(name, "service", 7)) || (nlen == 4 && !strncmp(name, "rule", 4))) {
			snprintf(buf, sizeof(buf), "%.*s", (int)vlen, value);
			return buf;
		}
	}
	return v->kind == STORE_HEALTH ? "leakwatch-agent" : NULL;
}

/* A group's payload: its summary, worst severity, and its members. */
static bool pd_group(struct jsonw *w, const struct notification *n)
{
	char *text = group_summary(n);

	if (!text)
		return false;
	pd_summary(w, text);
	free(text);
	jsonw__kv_str(w, "source", group_host(n));
	jsonw__kv_str(w, "severity", payload__pd_severity(max_severity(n)));
	kv_time(w, "timestamp", n->at_ns);
	jsonw__kv_str(w, "group", "listener");
	jsonw__kv_str(w, "class", "LeakwatchExposedListeners");
	jsonw__key(w, "custom_details");
	jsonw__begin_object(w);
	jsonw__kv_str(w, "host", group_host(n));
	jsonw__kv_u64(w, "listeners_total", n->total);
	jsonw__key(w, "listeners");
	jsonw__begin_array(w);
	for (size_t i = 0; i < n->n; i++) {
		jsonw__begin_object(w);
		jsonw__kv_str(w, "summary", n->alerts[i].summary);
		jsonw__kv_str(w, "severity", severity__wire_name(n->alerts[i].severity));
		jsonw__kv_str(w, "dedup_key", n->alerts[i].key);
		jsonw__end_object(w);
	}
	jsonw__end_array(w);
	jsonw__end_object(w);
	return true;
}

/* One alert's payload; an alert already closed when announced says so. */
static bool pd_single(struct jsonw *w, const struct notification *n, const struct alert_view *v)
{
	char *text = description(v);

	if (!text)
		return false;
	if (closed_on_notice(n, v)) {
		char d[32], *closed = NULL;

		if (asprintf(&closed, "%s (already closed: open for %s)", v->summary, open_for(v, d)) < 0) {
			free(text);
			return false;
		}
		pd_summary(w, closed);
		free(closed);
	} else {
		pd_summary(w, v->summary);
	}
	jsonw__kv_str(w, "source", v->host);
	jsonw__kv_str(w, "severity", payload__pd_severity(v->severity));
	kv_time(w, "timestamp", v->starts_ns);
	if (component(v))
		jsonw__kv_str(w, "component", component(v));
	jsonw__kv_str(w, "group", store_kind__name(v->kind));
	jsonw__kv_str(w, "class", v->alertname);
	jsonw__key(w, "custom_details");
	jsonw__begin_object(w);
	jsonw__kv_str(w, "description", text);
	jsonw__kv_u64(w, "count", v->count);
	if (v->kind == STORE_LEAK)
		jsonw__kv_u64(w, "hosts", v->hosts);
	kv_object(w, "labels", v->labels);
	kv_object(w, "details", v->details);
	jsonw__end_object(w);
	free(text);
	return true;
}

char *payload__pagerduty(const struct alertcfg *cfg, const struct alert_sink *s,
			 const struct notification *n, uint64_t now_ns)
{
	const struct alert_view *v = n->n ? &n->alerts[0] : NULL;
	char link[PAGELINK_MAX];
	const char *rb;
	struct jsonw w;
	bool ok;

	(void)now_ns;
	if (n->action == OUTBOX_RESEND || (!v && !resolving(n->action)))
		return NULL;
	jsonw__init(&w);
	jsonw__begin_object(&w);
	jsonw__kv_str(&w, "routing_key", s->routing_key);
	jsonw__kv_str(&w, "event_action", resolving(n->action) ? "resolve" : "trigger");
	jsonw__kv_str(&w, "dedup_key", n->dedup_key);
	if (resolving(n->action)) {
		jsonw__end_object(&w);
		return take(&w);
	}
	jsonw__kv_str(&w, "client", "leakwatch-collector");
	jsonw__key(&w, "payload");
	jsonw__begin_object(&w);
	ok = n->action == OUTBOX_GROUP ? pd_group(&w, n) : pd_single(&w, n, v);
	if (!ok) {
		jsonw__free(&w);
		return NULL;
	}
	jsonw__end_object(&w);
	rb = runbook(cfg, n->action == OUTBOX_GROUP ? STORE_LISTENER : v->kind);
	if (n->action == OUTBOX_GROUP)
		pagelink__host(cfg->public_url, group_host(n), link);
	else
		pagelink__alert(cfg->public_url, v, link);
	if (rb || link[0]) {
		jsonw__key(&w, "links");
		jsonw__begin_array(&w);
		if (link[0]) {
			jsonw__begin_object(&w);
			jsonw__kv_str(&w, "href", link);
			jsonw__kv_str(&w, "text", "Finding in leakwatch");
			jsonw__end_object(&w);
		}
		if (rb) {
			jsonw__begin_object(&w);
			jsonw__kv_str(&w, "href", rb);
			jsonw__kv_str(&w, "text", "Runbook");
			jsonw__end_object(&w);
		}
		jsonw__end_array(&w);
	}
	jsonw__end_object(&w);
	return take(&w);
}

/* --- Slack --- */

/* Slack's mrkdwn treats &, < and > as markup */
static void slack_escape(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		switch (s[i]) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		default: fputc(s[i], f); break;
		}
	}
}

static void slack_str(FILE *f, const char *s)
{
	slack_escape(f, s, strlen(s));
}

static char *slack_text(const struct alertcfg *cfg, const struct notification *n, uint64_t now_ns,
			char **fallback)
{
	const struct alert_view *v = n->n ? &n->alerts[0] : NULL;
	bool res = resolving(n->action);
	char when[LW_RFC3339_LEN], *buf = NULL, *summary = NULL, *desc = NULL, link[PAGELINK_MAX];
	const char *rb;
	size_t len = 0;
	int sev;
	FILE *f;

	summary = grouped(n->action) ? group_summary(n) : strdup(v->summary);
	if (!summary)
		return NULL;
	sev = grouped(n->action) ? max_severity(n) : v->severity;
	rb = runbook(cfg, grouped(n->action) ? STORE_LISTENER : v->kind);
	f = open_memstream(&buf, &len);
	if (!f) {
		free(summary);
		return NULL;
	}
	fprintf(f, "%s *[%s%s%s] ", res ? ":white_check_mark:" : ":rotating_light:",
		res ? "RESOLVED" : "FIRING", res ? "" : ":", res ? "" : severity__wire_name(sev));
	slack_str(f, summary);
	fputs("*\n", f);
	if (res) {
		fprintf(f, "Ended at %s.\n", clock__rfc3339(n->at_ns > 0 ? (uint64_t)n->at_ns : now_ns, when));
	}
	if (grouped(n->action)) {
		for (size_t i = 0; i < n->n; i++) {
			fputs("• ", f);
			slack_str(f, n->alerts[i].summary);
			closed_note(f, n, &n->alerts[i]);
			fputc('\n', f);
		}
		if (n->total > n->n)
			fprintf(f, "• and %zu more\n", n->total - n->n);
	} else if (!res) {
		if (closed_on_notice(n, v)) {
			char d[32];

			fprintf(f, "Already closed: it was open for %s, until %s.\n", open_for(v, d),
				clock__rfc3339((uint64_t)v->ends_ns, when));
		}
		desc = description(v);
		if (desc)
			slack_str(f, desc);
		fputc('\n', f);
	}
	if (grouped(n->action) ? pagelink__host(cfg->public_url, group_host(n), link)
			       : pagelink__alert(cfg->public_url, v, link))
		fprintf(f, "<%s|Open in leakwatch>\n", link);
	if (rb && !res)
		fprintf(f, "<%s|Runbook>\n", rb);
	fprintf(f, "`%s`", n->dedup_key);
	free(desc);
	if (fclose(f) || !buf) {
		free(buf);
		free(summary);
		return NULL;
	}
	if (asprintf(fallback, "[%s] %s", res ? "RESOLVED" : "FIRING", summary) < 0)
		*fallback = NULL;
	free(summary);
	if (!*fallback) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *payload__slack(const struct alertcfg *cfg, const struct notification *n, uint64_t now_ns)
{
	char *text, *fallback = NULL;
	struct jsonw w;

	if (n->action == OUTBOX_RESEND || !n->n)
		return NULL;
	text = slack_text(cfg, n, now_ns, &fallback);
	if (!text)
		return NULL;
	jsonw__init(&w);
	jsonw__begin_object(&w);
	jsonw__kv_str(&w, "text", fallback);
	jsonw__key(&w, "blocks");
	jsonw__begin_array(&w);
	jsonw__begin_object(&w);
	jsonw__kv_str(&w, "type", "section");
	jsonw__key(&w, "text");
	jsonw__begin_object(&w);
	jsonw__kv_str(&w, "type", "mrkdwn");
	jsonw__key(&w, "text");
	jsonw__string_len(&w, text, payload__utf8_cut(text, PAYLOAD_SLACK_TEXT_MAX));
	jsonw__end_object(&w);
	jsonw__end_object(&w);
	jsonw__end_array(&w);
	jsonw__end_object(&w);
	free(text);
	free(fallback);
	return take(&w);
}

/* --- generic webhook --- */

static bool webhook_alert(struct jsonw *w, const struct alertcfg *cfg, const struct alert_view *v)
{
	char *desc = description(v), link[PAGELINK_MAX];

	if (!desc)
		return false;
	jsonw__begin_object(w);
	jsonw__kv_str(w, "status", v->firing ? "firing" : "resolved");
	jsonw__kv_str(w, "dedup_key", v->key);
	jsonw__kv_str(w, "kind", store_kind__name(v->kind));
	jsonw__kv_str(w, "alertname", v->alertname);
	jsonw__kv_str(w, "severity", severity__wire_name(v->severity));
	jsonw__kv_str(w, "host", v->host);
	kv_object(w, "labels", v->labels);
	jsonw__kv_str(w, "summary", v->summary);
	jsonw__kv_str(w, "description", desc);
	jsonw__kv_str(w, "runbook_url", runbook(cfg, v->kind));
	jsonw__kv_str(w, "url", pagelink__alert(cfg->public_url, v, link) ? link : NULL);
	kv_object(w, "details", v->details);
	jsonw__kv_u64(w, "count", v->count);
	if (v->kind == STORE_LEAK)
		jsonw__kv_u64(w, "hosts", v->hosts);
	kv_time(w, "starts_at", v->starts_ns);
	if (v->ends_ns)
		kv_time(w, "ends_at", v->ends_ns);
	else
		jsonw__kv_str(w, "ends_at", NULL);
	jsonw__end_object(w);
	free(desc);
	return true;
}

char *payload__webhook(const struct alertcfg *cfg, const struct notification *n, uint64_t now_ns)
{
	char *summary = NULL;
	struct jsonw w;

	(void)now_ns;
	if (n->action == OUTBOX_RESEND || !n->n)
		return NULL;
	if (grouped(n->action) && !(summary = group_summary(n)))
		return NULL;
	jsonw__init(&w);
	jsonw__begin_object(&w);
	jsonw__kv_str(&w, "version", PAYLOAD_VERSION);
	jsonw__key(&w, "id");
	jsonw__i64(&w, n->id);
	jsonw__kv_str(&w, "status", resolving(n->action) ? "resolved" : "firing");
	/* a notice of what opened and closed before it could be sent */
	jsonw__kv_bool(&w, "already_closed", !resolving(n->action) && closed_count(n) == n->n);
	jsonw__kv_str(&w, "dedup_key", n->dedup_key);
	jsonw__kv_str(&w, "kind", store_kind__name(n->alerts[0].kind));
	kv_time(&w, resolving(n->action) ? "ended_at" : "started_at", n->at_ns);
	jsonw__key(&w, "group");
	if (grouped(n->action)) {
		jsonw__begin_object(&w);
		jsonw__kv_str(&w, "host", group_host(n));
		jsonw__kv_u64(&w, "size", n->total);
		jsonw__kv_str(&w, "summary", summary);
		jsonw__end_object(&w);
	} else {
		jsonw__null(&w);
	}
	jsonw__key(&w, "alerts");
	jsonw__begin_array(&w);
	for (size_t i = 0; i < n->n; i++) {
		if (!webhook_alert(&w, cfg, &n->alerts[i])) {
			free(summary);
			jsonw__free(&w);
			return NULL;
		}
	}
	jsonw__end_array(&w);
	jsonw__end_object(&w);
	free(summary);
	return take(&w);
}

char *payload__build(const struct alertcfg *cfg, const struct alert_sink *s,
		     const struct notification *ns, size_t n, uint64_t now_ns)
{
	if (!n)
		return NULL;
	switch (s->type) {
	case SINK_ALERTMANAGER: return payload__alertmanager(cfg, ns, n, now_ns);
	case SINK_PAGERDUTY: return payload__pagerduty(cfg, s, &ns[0], now_ns);
	case SINK_SLACK: return payload__slack(cfg, &ns[0], now_ns);
	case SINK_WEBHOOK: return payload__webhook(cfg, &ns[0], now_ns);
	default: return NULL;
	}
}
