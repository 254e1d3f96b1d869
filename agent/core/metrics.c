// SPDX-License-Identifier: Apache-2.0
#include "core/metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/names.h"
#include "os/version.h"

struct out {
	char *buf;
	size_t len, cap;
	bool failed;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->buf ? o->buf + o->len : NULL, o->buf ? o->cap - o->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->failed = true;
			return;
		}
		if (o->buf && o->len + (size_t)n < o->cap) {
			o->len += (size_t)n;
			return;
		}
		o->cap = (o->cap ? o->cap * 2 : 4096) + (size_t)n;
		o->buf = realloc(o->buf, o->cap);
		if (!o->buf) {
			o->failed = true;
			return;
		}
	}
}

static void header(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metric(struct out *o, const char *name, const char *type, const char *help, uint64_t v)
{
	header(o, name, type, help);
	put(o, "%s %" PRIu64 "\n", name, v);
}

char *metrics__render(const struct lw_metrics *m)
{
	static const char *const kinds[LW_MK_COUNT] = { "listener", "leak" };
	struct out o = { 0 };

	header(&o, "leakwatch_build_info", "gauge", "Version of the running agent.");
	put(&o, "leakwatch_build_info{version=\"%s\"} 1\n", LW_VERSION);
	metric(&o, "leakwatch_start_time_seconds", "gauge", "When the agent started, in Unix seconds.",
	       m->start_time_s);

	header(&o, "leakwatch_events_total", "counter", "Findings reported, by kind and severity.");
	for (int k = 0; k < LW_MK_COUNT; k++)
		for (int s = 0; s < LW_SEVERITY_COUNT; s++)
			put(&o, "leakwatch_events_total{kind=\"%s\",severity=\"%s\"} %" PRIu64 "\n", kinds[k],
			    severity__name((enum lw_severity)s), m->events[k][s]);

	header(&o, "leakwatch_dropped_total", "counter",
	       "Records or events lost, by reason: never silent.");
	for (size_t i = 0; i < m->health.n_drops; i++)
		put(&o, "leakwatch_dropped_total{reason=\"%s\"} %" PRIu64 "\n", m->health.drop_names[i],
		    m->health.drop_counts[i]);

	metric(&o, "leakwatch_scanned_bytes_total", "counter", "Bytes written to watched files and scanned.",
	       m->health.bytes_scanned);
	metric(&o, "leakwatch_listeners_open", "gauge", "Listening endpoints currently known.",
	       m->health.listeners_open);
	header(&o, "leakwatch_listeners", "gauge",
	       "Listening endpoints open now, by exposure and severity (0 where none).");
	for (int c = 0; c < LW_CLASS_COUNT; c++)
		for (int s = 0; s < LW_SEVERITY_COUNT; s++)
			put(&o, "leakwatch_listeners{exposure=\"%s\",severity=\"%s\"} %" PRIu64 "\n",
			    addr_class__name((enum lw_addr_class)c), severity__name((enum lw_severity)s),
			    m->listeners[c][s]);
	metric(&o, "leakwatch_watched_files", "gauge", "Files judged watched since start.", m->files_watched);
	metric(&o, "leakwatch_open_streams", "gauge", "Watched files with a reassembly stream open.",
	       m->open_streams);

	header(&o, "leakwatch_programs_attached", "gauge", "Kernel programs attached, by name.");
	for (size_t i = 0; i < m->health.n_programs; i++)
		put(&o, "leakwatch_programs_attached{program=\"%s\"} 1\n", m->health.programs[i]);

	metric(&o, "leakwatch_export_enabled", "gauge", "1 when events are shipped to a collector.",
	       m->export_enabled);
	metric(&o, "leakwatch_export_batches_total", "counter", "Batches the collector acknowledged.",
	       m->health.export_batches);
	metric(&o, "leakwatch_export_events_total", "counter", "Events the collector acknowledged.",
	       m->export_events);
	metric(&o, "leakwatch_export_failures_total", "counter", "Sends that failed at the network level.",
	       m->export_failures);
	metric(&o, "leakwatch_export_retries_total", "counter", "Sends retried (network, 429, 5xx).",
	       m->health.export_retries);
	header(&o, "leakwatch_export_blocked", "gauge",
	       "1 while the collector refuses the agent's credentials or URL (401, 403, 404, 405, "
	       "421); the spool is kept until it accepts again.");
	put(&o, "leakwatch_export_blocked{reason=\"auth\"} %d\n", m->export_blocked_status ? 1 : 0);
	metric(&o, "leakwatch_export_blocked_attempts_total", "counter",
	       "Sends refused for credentials or routing; nothing was dropped.", m->export_blocked_attempts);
	metric(&o, "leakwatch_spool_bytes", "gauge", "Bytes in the on-disk spool.", m->health.spool.bytes);
	metric(&o, "leakwatch_spool_records", "gauge", "Records in the on-disk spool.", m->health.spool.records);
	metric(&o, "leakwatch_spool_oldest_age_seconds", "gauge",
	       "Age of the oldest unacknowledged record in the spool.", m->spool_oldest_age_s);
	metric(&o, "leakwatch_config_reloads_total", "counter", "Configuration reloads applied (SIGHUP).",
	       m->config_reloads);
	metric(&o, "leakwatch_config_reload_failures_total", "counter",
	       "Configuration reloads rejected; the previous configuration stayed.", m->config_reload_failures);
	if (o.failed) {
		free(o.buf);
		return NULL;
	}
	return o.buf;
}
