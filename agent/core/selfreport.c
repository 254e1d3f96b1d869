// SPDX-License-Identifier: Apache-2.0
/*
 * The agent's word on itself: the health event it sends every
 * agent.health_interval (drops, capture, spool, journal, probes), the log
 * line that goes with it, and the metrics and readiness the status
 * endpoint serves.
 */
#include "core/runtime.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/clock.h"
#include "delivery/encode.h"
#include "wire/jsonw.h"
#include "os/log.h"

static void gather_health(struct agent *a, struct lw_health *h, struct leaks_stats *ls,
			  struct exporter_stats *ex, struct journal_stats *js)
{
	uint64_t drops[LW_DROP_MAX];

	memset(h, 0, sizeof(*h));
	memset(ls, 0, sizeof(*ls));
	memset(js, 0, sizeof(*js));
	loader__drops(a->loader, drops);
	if (a->leaks)
		leaks__stats(a->leaks, ls);
	if (a->journal)
		journal__stats(a->journal, js);
	delivery__stats(a->delivery, &h->spool, ex);
	for (int r = 0; r < LW_DROP_MAX; r++) {
		h->drop_names[h->n_drops] = loader__drop_name((enum lw_drop_reason)r);
		h->drop_counts[h->n_drops++] = drops[r];
	}
	h->drop_names[h->n_drops] = "spool_full";
	h->drop_counts[h->n_drops++] = h->spool.dropped_full;
	h->drop_names[h->n_drops] = "spool_write_error";
	h->drop_counts[h->n_drops++] = h->spool.write_errors;
	h->drop_names[h->n_drops] = "corrupt";
	h->drop_counts[h->n_drops++] = h->spool.dropped_corrupt;
	h->drop_names[h->n_drops] = "export_rejected";
	h->drop_counts[h->n_drops++] = ex->rejected;
	h->drop_names[h->n_drops] = "journal_gap";
	h->drop_counts[h->n_drops++] = js->gaps;
	h->drop_names[h->n_drops] = "uncaptured_path";
	h->drop_counts[h->n_drops++] = ls->uncaptured;
	if (a->leaks)
		h->n_uncaptured = leaks__uncaptured(a->leaks, h->uncaptured, LW_HEALTH_MAX_UNCAPTURED);
	h->n_programs = loader__programs(a->loader, h->programs, LW_HEALTH_MAX_PROGRAMS);
	if (h->n_programs > LW_HEALTH_MAX_PROGRAMS)
		h->n_programs = LW_HEALTH_MAX_PROGRAMS;
	h->listeners_open = socktab__count(a->socks);
	h->bytes_scanned = ls->bytes_scanned + js->bytes;
	h->events_listener = a->opened + a->closed;
	h->events_leak = ls->reports;
	h->uptime_s = (clock__monotonic_ms() - a->started_ms) / 1000;
	h->export_batches = ex->batches;
	h->export_retries = ex->retries;
}

/* ,"journal":{...}: what the follower read, for the health line */
static int journal_fields(char *out, size_t len, const struct agent *a, const struct journal_stats *js)
{
	return snprintf(out, len,
			",\"journal\":{\"enabled\":%s,\"entries\":%" PRIu64 ",\"bytes_scanned\":%" PRIu64
			",\"findings\":%" PRIu64 ",\"catchup\":%" PRIu64 ",\"filtered\":%" PRIu64 ",\"gaps\":%" PRIu64
			",\"findings_dropped\":%" PRIu64 ",\"fields_skipped\":%" PRIu64 ",\"unreadable\":%" PRIu64 "}",
			a->journal ? "true" : "false", js->entries, js->bytes, js->findings, js->catchup, js->filtered,
			js->gaps, js->findings_dropped, js->fields_skipped, js->unreadable);
}

/* ,"uncaptured":[{"pid":..,"comm":..,"path":..,"via":..,"count":..}]: who writes unseen */
static void append_uncaptured(char *out, size_t len, const struct lw_health *h)
{
	struct jsonw w;
	const char *s;

	if (!h->n_uncaptured)
		return;
	jsonw__init(&w);
	jsonw__begin_array(&w);
	for (size_t i = 0; i < h->n_uncaptured; i++) {
		jsonw__begin_object(&w);
		jsonw__kv_u64(&w, "pid", h->uncaptured[i].pid);
		jsonw__kv_str(&w, "comm", h->uncaptured[i].comm);
		jsonw__kv_str(&w, "path", h->uncaptured[i].path);
		jsonw__kv_str(&w, "via", h->uncaptured[i].via);
		jsonw__kv_u64(&w, "count", h->uncaptured[i].count);
		jsonw__end_object(&w);
	}
	jsonw__end_array(&w);
	s = jsonw__str(&w);
	if (s && strlen(s) + 16 < len)
		snprintf(out, len, ",\"uncaptured\":%s", s);
	jsonw__free(&w);
}

void runtime__report_health(struct agent *a, const char *msg)
{
	struct exporter_stats ex;
	struct journal_stats js;
	struct leaks_stats ls;
	struct lw_health h;
	char fields[8192];
	int n;

	gather_health(a, &h, &ls, &ex, &js);
	if (a->delivery) {
		struct lw_encoded enc;

		runtime__publish(a, encode__health(&a->host, &h, LW_ENCODE_BYTES, &enc), &enc, false);
	}
	n = snprintf(fields, sizeof(fields),
		     "\"listeners\":%zu,\"events\":{\"listener_open\":%" PRIu64 ",\"listener_close\":%" PRIu64
		     ",\"leak\":%" PRIu64 "},\"capture\":{\"enabled\":%s,\"files_watched\":%" PRIu64
		     ",\"files_ignored\":%" PRIu64 ",\"open_streams\":%zu,\"chunks\":%" PRIu64
		     ",\"bytes_scanned\":%" PRIu64 ",\"matches\":%" PRIu64 ",\"truncated_writes\":%" PRIu64
		     ",\"gaps\":%" PRIu64 ",\"spans\":%" PRIu64 ",\"spans_read\":%" PRIu64
		     "},\"export\":{\"enabled\":%s,\"batches\":%" PRIu64
		     ",\"events\":%" PRIu64 ",\"retries\":%" PRIu64 ",\"last_status\":%d"
		     ",\"blocked\":%s,\"blocked_status\":%d,\"blocked_attempts\":%" PRIu64 "}"
		     ",\"spool\":{\"bytes\":%" PRIu64 ",\"records\":%" PRIu64 ",\"dropped_corrupt\":%" PRIu64
		     "},\"probes\":{\"done\":%" PRIu64 ",\"verified_events\":%" PRIu64 ",\"busy\":%zu"
		     ",\"held_opens\":%zu},\"malformed_records\":%" PRIu64 ",\"output_errors\":%" PRIu64,
		     socktab__count(a->socks), a->opened, a->closed, ls.reports,
		     loader__capturing(a->loader) ? "true" : "false", ls.files_watched, ls.files_ignored,
		     ls.open_streams, ls.chunks, ls.bytes_scanned, ls.matches, ls.truncated, ls.gaps, ls.spans,
		     ls.spans_read,
		     a->delivery ? "true" : "false", ex.batches, ex.events, ex.retries, ex.last_status,
		     ex.blocked_status ? "\"auth\"" : "null", ex.blocked_status, ex.blocked_attempts,
		     h.spool.bytes, h.spool.records, h.spool.dropped_corrupt, a->probes_done, a->verified,
		     a->verify ? verify__busy(a->verify) : 0, a->n_held,
		     a->malformed + ls.malformed, a->output_errors + a->encode_errors);
	if (n > 0 && (size_t)n < sizeof(fields))
		n += journal_fields(fields + n, sizeof(fields) - (size_t)n, a, &js);
	if (n > 0 && (size_t)n < sizeof(fields))
		n += snprintf(fields + n, sizeof(fields) - (size_t)n,
			      ",\"catchup\":{\"files\":%" PRIu64 ",\"rotated\":%" PRIu64 ",\"bytes\":%" PRIu64
			      ",\"capped\":%" PRIu64 ",\"truncated\":%" PRIu64 ",\"lost\":%" PRIu64 "}",
			      a->catchup.files, a->catchup.rotated, a->catchup.bytes, a->catchup.capped,
			      a->catchup.truncated, a->catchup.lost);
	if (n > 0 && (size_t)n < sizeof(fields))
		n += snprintf(fields + n, sizeof(fields) - (size_t)n, ",\"drops\":{");
	for (size_t i = 0; i < h.n_drops && n > 0 && (size_t)n < sizeof(fields); i++)
		n += snprintf(fields + n, sizeof(fields) - (size_t)n, "%s\"%s\":%" PRIu64, i ? "," : "",
			      h.drop_names[i], h.drop_counts[i]);
	if (n > 0 && (size_t)n < sizeof(fields) - 1)
		n += snprintf(fields + n, sizeof(fields) - (size_t)n, "}");
	if (n > 0 && (size_t)n < sizeof(fields) - 1)
		append_uncaptured(fields + n, sizeof(fields) - (size_t)n, &h);
	log__fields(LW_LOG_INFO, msg, fields);
}


static void count_listener(void *ctx, struct lw_listener *l)
{
	struct lw_metrics *m = ctx;

	if ((unsigned)l->exposure.level < LW_CLASS_COUNT && (unsigned)l->severity < LW_SEVERITY_COUNT)
		m->listeners[l->exposure.level][l->severity]++;
}

void runtime__publish_status(struct agent *a)
{
	struct exporter_stats ex;
	struct journal_stats js;
	struct leaks_stats ls;
	struct lw_health h;
	struct lw_metrics m;

	if (!a->status)
		return;
	gather_health(a, &h, &ls, &ex, &js);
	memset(&m, 0, sizeof(m));
	memcpy(m.events, a->events, sizeof(m.events));
	m.health = h;
	m.files_watched = ls.files_watched;
	m.open_streams = ls.open_streams;
	m.export_enabled = a->delivery != NULL;
	m.export_events = ex.events;
	m.export_failures = ex.failures;
	m.export_blocked_status = ex.blocked_status;
	m.export_blocked_attempts = ex.blocked_attempts;
	if (h.spool.oldest_ms) {
		uint64_t now_ms = clock__realtime_ns() / 1000000ULL;

		m.spool_oldest_age_s = now_ms > h.spool.oldest_ms ? (now_ms - h.spool.oldest_ms) / 1000 : 0;
	}
	m.config_reloads = a->reloads;
	m.config_reload_failures = a->reload_failures;
	m.start_time_s = a->started_s;
	socktab__each(a->socks, count_listener, &m);
	statusd__publish(a->status, &m, a->ready);
}

/* Settings the running parts took at start; a reload cannot change them. */
