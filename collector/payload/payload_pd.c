// SPDX-License-Identifier: Apache-2.0
/* PagerDuty Events API v2: trigger and resolve by dedup_key. */
#include "payload/payloadint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerting/compose.h"
#include "wire/jsonw.h"
#include "wire/names.h"
#include "payload/pagelink.h"

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
	char *text = payload_group_summary(n);

	if (!text)
		return false;
	pd_summary(w, text);
	free(text);
	jsonw__kv_str(w, "source", payload_group_host(n));
	jsonw__kv_str(w, "severity", payload__pd_severity(payload_max_severity(n)));
	payload_kv_time(w, "timestamp", n->at_ns);
	jsonw__kv_str(w, "group", "listener");
	jsonw__kv_str(w, "class", "LeakwatchExposedListeners");
	jsonw__key(w, "custom_details");
	jsonw__begin_object(w);
	jsonw__kv_str(w, "host", payload_group_host(n));
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
	char *text = payload_description(v);

	if (!text)
		return false;
	if (payload_closed_on_notice(n, v)) {
		char d[32], *closed = NULL;

		if (asprintf(&closed, "%s (already closed: open for %s)", v->summary, payload_open_for(v, d)) < 0) {
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
	payload_kv_time(w, "timestamp", v->starts_ns);
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
	payload_kv_object(w, "labels", v->labels);
	payload_kv_object(w, "details", v->details);
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
	if (n->action == OUTBOX_RESEND || (!v && !payload_resolving(n->action)))
		return NULL;
	jsonw__init(&w);
	jsonw__begin_object(&w);
	jsonw__kv_str(&w, "routing_key", s->routing_key);
	jsonw__kv_str(&w, "event_action", payload_resolving(n->action) ? "resolve" : "trigger");
	jsonw__kv_str(&w, "dedup_key", n->dedup_key);
	if (payload_resolving(n->action)) {
		jsonw__end_object(&w);
		return payload_take(&w);
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
	rb = payload_runbook(cfg, n->action == OUTBOX_GROUP ? STORE_LISTENER : v->kind);
	if (n->action == OUTBOX_GROUP)
		pagelink__host(cfg->public_url, payload_group_host(n), link);
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
	return payload_take(&w);
}
