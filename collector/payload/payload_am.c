// SPDX-License-Identifier: Apache-2.0
/* Alertmanager: POST /api/v2/alerts, an array of alerts with their lifetimes. */
#include "payload/payloadint.h"

#include <stdlib.h>
#include <string.h>

#include "wire/jsonw.h"
#include "payload/pagelink.h"

#define MIN_AM_LIFETIME_NS (60ULL * 1000000000)

static bool am_alert(struct jsonw *w, const struct alertcfg *cfg, const struct alert_view *v,
		     const char *labels, bool resolved, int64_t ends_ns, uint64_t now_ns)
{
	uint64_t life = 4 * cfg->resend_ms * 1000000ULL;
	char link[PAGELINK_MAX];
	int64_t starts = v->starts_ns > 0 && (uint64_t)v->starts_ns < now_ns ? v->starts_ns : (int64_t)now_ns;
	char *desc = payload_description(v);

	if (!desc)
		return false;
	if (life < MIN_AM_LIFETIME_NS)
		life = MIN_AM_LIFETIME_NS;
	jsonw__begin_object(w);
	payload_kv_object(w, "labels", labels);
	jsonw__key(w, "annotations");
	jsonw__begin_object(w);
	jsonw__kv_str(w, "summary", v->summary);
	jsonw__kv_str(w, "description", desc);
	if (payload_runbook(cfg, v->kind))
		jsonw__kv_str(w, "runbook_url", payload_runbook(cfg, v->kind));
	jsonw__kv_str(w, "dedup_key", v->key);
	if (pagelink__alert(cfg->public_url, v, link))
		jsonw__kv_str(w, "finding_url", link);
	jsonw__end_object(w);
	/* Alertmanager links an alert to where it came from by this field */
	if (link[0])
		jsonw__kv_str(w, "generatorURL", link);
	payload_kv_time(w, "startsAt", starts);
	/* firing: a lifetime that the next resend extends, as Prometheus does,
	 * so an alert the collector stops sending expires rather than sticks */
	if (resolved)
		payload_kv_time(w, "endsAt", ends_ns > starts ? ends_ns : starts);
	else
		payload_kv_time(w, "endsAt", (int64_t)(now_ns + life));
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

			if (payload_grouped(x->action))
				continue; /* Alertmanager groups by itself */
			if (!am_alert(&w, cfg, &x->alerts[j], x->alerts[j].labels, resolved, ends, now_ns) ||
			    !am_previous(&w, cfg, x, &x->alerts[j], now_ns)) {
				jsonw__free(&w);
				return NULL;
			}
		}
	}
	jsonw__end_array(&w);
	return payload_take(&w);
}
