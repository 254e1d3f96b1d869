// SPDX-License-Identifier: Apache-2.0
/* A Slack incoming-webhook message, in mrkdwn. */
#include "payload/payloadint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/clock.h"
#include "wire/jsonw.h"
#include "wire/names.h"
#include "payload/pagelink.h"

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
	bool res = payload_resolving(n->action);
	char when[LW_RFC3339_LEN], *buf = NULL, *summary = NULL, *desc = NULL, link[PAGELINK_MAX];
	const char *rb;
	size_t len = 0;
	int sev;
	FILE *f;

	summary = payload_grouped(n->action) ? payload_group_summary(n) : strdup(v->summary);
	if (!summary)
		return NULL;
	sev = payload_grouped(n->action) ? payload_max_severity(n) : v->severity;
	rb = payload_runbook(cfg, payload_grouped(n->action) ? STORE_LISTENER : v->kind);
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
	if (payload_grouped(n->action)) {
		for (size_t i = 0; i < n->n; i++) {
			fputs("• ", f);
			slack_str(f, n->alerts[i].summary);
			payload_closed_note(f, n, &n->alerts[i]);
			fputc('\n', f);
		}
		if (n->total > n->n)
			fprintf(f, "• and %zu more\n", n->total - n->n);
	} else if (!res) {
		if (payload_closed_on_notice(n, v)) {
			char d[32];

			fprintf(f, "Already closed: it was open for %s, until %s.\n", payload_open_for(v, d),
				clock__rfc3339((uint64_t)v->ends_ns, when));
		}
		desc = payload_description(v);
		if (desc)
			slack_str(f, desc);
		fputc('\n', f);
	}
	if (payload_grouped(n->action) ? pagelink__host(cfg->public_url, payload_group_host(n), link)
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
	return payload_take(&w);
}
