// SPDX-License-Identifier: Apache-2.0
/* The generic JSON webhook (leakwatch.alert.v1). */
#include "payload/payloadint.h"

#include <stdlib.h>
#include <string.h>

#include "wire/jsonw.h"
#include "wire/names.h"
#include "payload/pagelink.h"

static bool webhook_alert(struct jsonw *w, const struct alertcfg *cfg, const struct alert_view *v)
{
	char *desc = payload_description(v), link[PAGELINK_MAX];

	if (!desc)
		return false;
	jsonw__begin_object(w);
	jsonw__kv_str(w, "status", v->firing ? "firing" : "resolved");
	jsonw__kv_str(w, "dedup_key", v->key);
	jsonw__kv_str(w, "kind", store_kind__name(v->kind));
	jsonw__kv_str(w, "alertname", v->alertname);
	jsonw__kv_str(w, "severity", severity__wire_name(v->severity));
	jsonw__kv_str(w, "host", v->host);
	payload_kv_object(w, "labels", v->labels);
	jsonw__kv_str(w, "summary", v->summary);
	jsonw__kv_str(w, "description", desc);
	jsonw__kv_str(w, "runbook_url", payload_runbook(cfg, v->kind));
	jsonw__kv_str(w, "url", pagelink__alert(cfg->public_url, v, link) ? link : NULL);
	payload_kv_object(w, "details", v->details);
	jsonw__kv_u64(w, "count", v->count);
	if (v->kind == STORE_LEAK)
		jsonw__kv_u64(w, "hosts", v->hosts);
	payload_kv_time(w, "starts_at", v->starts_ns);
	if (v->ends_ns)
		payload_kv_time(w, "ends_at", v->ends_ns);
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
	if (payload_grouped(n->action) && !(summary = payload_group_summary(n)))
		return NULL;
	jsonw__init(&w);
	jsonw__begin_object(&w);
	jsonw__kv_str(&w, "version", PAYLOAD_VERSION);
	jsonw__key(&w, "id");
	jsonw__i64(&w, n->id);
	jsonw__kv_str(&w, "status", payload_resolving(n->action) ? "resolved" : "firing");
	/* a notice of what opened and closed before it could be sent */
	jsonw__kv_bool(&w, "already_closed", !payload_resolving(n->action) && payload_closed_count(n) == n->n);
	jsonw__kv_str(&w, "dedup_key", n->dedup_key);
	jsonw__kv_str(&w, "kind", store_kind__name(n->alerts[0].kind));
	payload_kv_time(&w, payload_resolving(n->action) ? "ended_at" : "started_at", n->at_ns);
	jsonw__key(&w, "group");
	if (payload_grouped(n->action)) {
		jsonw__begin_object(&w);
		jsonw__kv_str(&w, "host", payload_group_host(n));
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
	return payload_take(&w);
}
