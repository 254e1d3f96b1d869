// SPDX-License-Identifier: Apache-2.0
#include "server/promtext.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/names.h"

struct family {
	const char *name;
	const char *type;
	const char *help;
	size_t off; /* of the uint64_t in struct metrics */
};

#define F(name, type, field, help) { "leakwatch_collector_" name, type, help, offsetof(struct metrics, field) }

/* Names follow Prometheus' conventions: the prefix, a unit where there is
 * one, _total on counters. Each is always present, zero or not, so a rate()
 * never starts from a missing series. */
static const struct family ingest[] = {
	F("requests_total", "counter", requests,
	  "HTTP requests received on any endpoint, answered or refused."),
	F("batches_accepted_total", "counter", batches_accepted,
	  "Event batches stored (POST /v1/events answered 200)."),
	F("events_stored_total", "counter", events_stored, "Events stored for the first time."),
	F("events_duplicate_total", "counter", duplicates,
	  "Events received again under an id already stored (agent retries); not stored twice."),
	F("received_bytes_total", "counter", bytes_received,
	  "Bytes of accepted batch bodies, as received (compressed)."),
	F("queries_total", "counter", queries, "GET /v1/findings requests."),
};

/* a table as ingest[] is, apart so the labelled rejected_total stands between them */
static const struct family rest[] = {
	F("retention_deleted_rows_total", "counter", retention_deleted,
	  "Rows deleted by retention: events and the findings derived from them."),
	F("alerts_fired_total", "counter", alerts_fired, "Alerts that began firing."),
	F("alerts_resolved_total", "counter", alerts_resolved, "Alerts resolved."),
	F("alerts_deduplicated_total", "counter", alerts_deduplicated,
	  "Events about a problem already alerted on; counted on its alert, no new page."),
	F("notifications_sent_total", "counter", notifications_sent,
	  "Notifications a sink accepted."),
	F("notifications_dropped_total", "counter", notifications_dropped,
	  "Notifications given up: refused by a sink, undelivered past give_up_after, or for a "
	  "sink no longer configured. Kept in the outbox as dead."),
	F("sink_failures_total", "counter", sink_failures,
	  "Failed delivery attempts to sinks, each retry counted."),
	F("outbox_notifications", "gauge", outbox_depth,
	  "Notifications waiting in the outbox (pending or held for grouping): its depth."),
	F("config_reloads_total", "counter", config_reloads, "Configuration reloads applied (SIGHUP)."),
	F("config_reload_failures_total", "counter", config_reload_failures,
	  "Configuration reloads rejected; the configuration in force stayed."),
	F("config_last_reload_successful", "gauge", config_last_reload_ok,
	  "1 unless the last reload was rejected."),
};

static void header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void families(FILE *f, const struct metrics *m, const struct family *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t x = *(const uint64_t *)((const char *)m + v[i].off);

		header(f, v[i].name, v[i].type, v[i].help);
		fprintf(f, "%s %" PRIu64 "\n", v[i].name, x);
	}
}

/* A label value: backslash, double quote and newline escaped, as 0.0.4 says. */
static void label_value(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '\\': fputs("\\\\", f); break;
		case '"': fputs("\\\"", f); break;
		case '\n': fputs("\\n", f); break;
		default: fputc(*s, f);
		}
	}
}

char *promtext__render(const struct metrics *m, const char *version)
{
	char *doc = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&doc, &len);

	if (!f)
		return NULL;
	header(f, "leakwatch_collector_build_info", "gauge", "The running collector's version.");
	fputs("leakwatch_collector_build_info{version=\"", f);
	label_value(f, version);
	fputs("\"} 1\n", f);
	header(f, "leakwatch_collector_start_time_seconds", "gauge",
	       "When the collector started, in Unix seconds.");
	fprintf(f, "leakwatch_collector_start_time_seconds %" PRIu64 "\n", m->start_time_s);

	families(f, m, ingest, sizeof(ingest) / sizeof(ingest[0]));
	header(f, "leakwatch_collector_rejected_total", "counter",
	       "Requests refused, and invalid events not stored (invalid_event), by reason.");
	for (int r = 0; r < REJECT__COUNT; r++)
		fprintf(f, "leakwatch_collector_rejected_total{reason=\"%s\"} %" PRIu64 "\n",
			metrics__reject_name((enum metrics_reject)r), m->rejected[r]);
	families(f, m, rest, sizeof(rest) / sizeof(rest[0]));

	if (ferror(f)) {
		fclose(f);
		free(doc);
		return NULL;
	}
	if (fclose(f)) {
		free(doc);
		return NULL;
	}
	return doc;
}

int promtext__gauges_begin(struct promtext_gauges *g)
{
	memset(g, 0, sizeof(*g));
	g->listeners = open_memstream(&g->lbuf, &g->llen);
	g->leaks = open_memstream(&g->kbuf, &g->klen);
	if (!g->listeners || !g->leaks) {
		if (g->listeners)
			fclose(g->listeners);
		if (g->leaks)
			fclose(g->leaks);
		free(g->lbuf);
		free(g->kbuf);
		return -ENOMEM;
	}
	return 0;
}

void promtext__gauge(void *ctx, enum store_kind k, int severity, const char *label, uint64_t n)
{
	struct promtext_gauges *g = ctx;
	bool leak = k == STORE_LEAK;
	FILE *f = leak ? g->leaks : g->listeners;

	if (severity < 0 || severity > 5)
		return;
	g->seen[leak][severity] = true;
	fprintf(f, "%s{severity=\"%s\",%s=\"", leak ? "leakwatch_leaks_open" : "leakwatch_listeners_exposed",
		severity__wire_name(severity), leak ? "rule" : "service");
	label_value(f, label);
	fprintf(f, "\"} %" PRIu64 "\n", n);
}

char *promtext__gauges_end(struct promtext_gauges *g)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	/* a severity with nothing open is 0, under label "none" */
	for (int sev = 1; sev <= 5; sev++) {
		if (!g->seen[0][sev])
			fprintf(g->listeners, "leakwatch_listeners_exposed{severity=\"%s\",service=\"none\"} 0\n",
				severity__wire_name(sev));
		if (!g->seen[1][sev])
			fprintf(g->leaks, "leakwatch_leaks_open{severity=\"%s\",rule=\"none\"} 0\n",
				severity__wire_name(sev));
	}
	fclose(g->listeners);
	fclose(g->leaks);
	f = open_memstream(&out, &len);
	if (f) {
		fputs("# HELP leakwatch_listeners_exposed Open listeners on a public or private address, "
		      "by severity and service.\n# TYPE leakwatch_listeners_exposed gauge\n", f);
		fputs(g->lbuf ? g->lbuf : "", f);
		fputs("# HELP leakwatch_leaks_open Unacknowledged leaks, by severity and rule.\n"
		      "# TYPE leakwatch_leaks_open gauge\n", f);
		fputs(g->kbuf ? g->kbuf : "", f);
		if (fclose(f)) {
			free(out);
			out = NULL;
		}
	}
	free(g->lbuf);
	free(g->kbuf);
	return out;
}
