// SPDX-License-Identifier: Apache-2.0
#include "payload/payload.h"
#include "payload/payloadint.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerting/compose.h"
#include "os/clock.h"
#include "wire/jsonw.h"
#include "wire/names.h"

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

const char *payload_runbook(const struct alertcfg *cfg, enum store_kind k)
{
	return k >= 0 && k < STORE_KIND_COUNT ? cfg->runbook[k] : NULL;
}

char *payload_take(struct jsonw *w)
{
	const char *s = jsonw__str(w);
	char *out = s ? strdup(s) : NULL;

	jsonw__free(w);
	return out;
}

void payload_kv_time(struct jsonw *w, const char *key, int64_t ns)
{
	char ts[LW_RFC3339_LEN];

	jsonw__kv_str(w, key, clock__rfc3339(ns > 0 ? (uint64_t)ns : 0, ts));
}

/* "name=value" lines as a JSON object of strings */
void payload_kv_object(struct jsonw *w, const char *key, const char *kvtext)
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
char *payload_description(const struct alert_view *v)
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

bool payload_resolving(enum outbox_action a)
{
	return a == OUTBOX_RESOLVE || a == OUTBOX_GROUP_RESOLVE || a == OUTBOX_LATE_RESOLVE;
}

bool payload_grouped(enum outbox_action a)
{
	return a == OUTBOX_GROUP || a == OUTBOX_GROUP_RESOLVE;
}

int payload_max_severity(const struct notification *n)
{
	int s = 0;

	for (size_t i = 0; i < n->n; i++)
		if (n->alerts[i].severity > s)
			s = n->alerts[i].severity;
	return s;
}

/* Announced after it had already ended (it opened and closed inside a group window). */
bool payload_closed_on_notice(const struct notification *n, const struct alert_view *v)
{
	return !payload_resolving(n->action) && !v->firing;
}

size_t payload_closed_count(const struct notification *n)
{
	size_t k = 0;

	for (size_t i = 0; i < n->n; i++)
		k += payload_closed_on_notice(n, &n->alerts[i]);
	return k;
}

/* How long it was open: "20 s", "3 min 5 s", "2 h 7 min". */
const char *payload_open_for(const struct alert_view *v, char buf[32])
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
void payload_closed_note(FILE *f, const struct notification *n, const struct alert_view *v)
{
	char d[32];

	if (payload_closed_on_notice(n, v))
		fprintf(f, " (already closed: open for %s)", payload_open_for(v, d));
}

/* A group's host: its members share it. */
const char *payload_group_host(const struct notification *n)
{
	return n->n ? n->alerts[0].host : "?";
}

char *payload_group_summary(const struct notification *n)
{
	char *s = NULL;

	if (n->action == OUTBOX_GROUP_RESOLVE) {
		if (asprintf(&s, "The %zu listener%s grouped on %s are all closed or no longer exposed",
			     n->total, n->total == 1 ? "" : "s", payload_group_host(n)) < 0)
			return NULL;
	} else {
		size_t closed = payload_closed_count(n);
		char tail[64] = "";

		if (closed == n->total)
			snprintf(tail, sizeof(tail), ", all already closed");
		else if (closed)
			snprintf(tail, sizeof(tail), ", %zu already closed", closed);
		if (asprintf(&s, "%zu new exposed listener%s on %s%s", n->total, n->total == 1 ? "" : "s",
			     payload_group_host(n), tail) < 0)
			return NULL;
	}
	return s;
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
