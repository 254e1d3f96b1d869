// SPDX-License-Identifier: Apache-2.0
/*
 * What each endpoint does once its request is in, authorized and read:
 * POST /v1/events, GET /v1/findings, POST /v1/findings/{fp}/ack and
 * GET /metrics. The HTTP plumbing (routing, limits, credentials, bodies)
 * is server.c's.
 */
#include "server/request.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "os/clock.h"
#include "wire/jsonw.h"
#include "os/log.h"
#include "wire/names.h"
#include "wire/render.h"
#include "server/promtext.h"
#include "alertdb/ack.h"
#include "query/query.h"

#ifndef LW_VERSION
#define LW_VERSION "0.0.0-dev"
#endif

/* An ingest credential limited to some hosts reports for those alone. */
static const char *foreign_host(const struct request *r, const struct ingest_batch *b)
{
	for (size_t i = 0; i < b->n_events; i++) {
		const Leakwatch__V1__Event *ev = b->events[i].ev;
		const char *host = ev && ev->host ? ev->host->hostname : NULL;

		if (ev && !auth__host_allowed(r->cred, host))
			return host ? host : "(none)";
	}
	return NULL;
}

/* `serve --print`: what arrives, one JSON line per new event, as the agent
 * printed it (the same renderer). Lines from parallel requests stay whole. */
static void print_stored(const struct ingest_batch *b, bool text)
{
	static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

	pthread_mutex_lock(&out_lock);
	for (size_t i = 0; i < b->n_events; i++) {
		char *json;

		if (!b->events[i].stored || !b->events[i].ev)
			continue;
		json = text ? render__event_text(b->events[i].ev) : render__event_string(b->events[i].ev);
		if (json)
			printf("%s\n", json);
		free(json);
	}
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

/* A body that did not decode into a batch: its 4xx, or 503 when memory was short. */
static enum MHD_Result refuse_batch(struct server *s, struct MHD_Connection *c, struct request *r,
				    enum ingest_status st)
{
	static const enum metrics_reject reasons[] = {
		[INGEST_TOO_LARGE] = REJECT_TOO_LARGE,
		[INGEST_BOMB] = REJECT_BOMB,
		[INGEST_BAD_GZIP] = REJECT_BAD_GZIP,
		[INGEST_BAD_PROTOBUF] = REJECT_BAD_PROTOBUF,
		[INGEST_BAD_BATCH] = REJECT_BAD_BATCH,
		[INGEST_TOO_MANY_EVENTS] = REJECT_TOO_MANY_EVENTS,
		[INGEST_NOMEM] = REJECT_OVERLOADED,
	};

	metrics__reject(s->o.metrics, reasons[st], 1);
	log_debug("refused a batch of %zu bytes: %s", r->len, ingest__status_text(st));
	if (st == INGEST_NOMEM)
		r->retry_after = RETRY_AFTER_BUSY;
	return respond_text(c, (unsigned)ingest__http_status(st), ingest__status_text(st), r);
}

/* Events of a stored batch that were not stored, or stored redacted again: counted and said. */
static void note_refused_events(struct metrics *m, const struct ingest_batch *b)
{
	if (b->n_invalid) {
		const char *why = "";

		for (size_t i = 0; i < b->n_events && !*why; i++)
			why = b->events[i].invalid ?: "";
		metrics__reject(m, REJECT_INVALID_EVENT, b->n_invalid);
		log_info("agent %s batch %llu: %zu invalid event(s) not stored, e.g. %s", b->agent_id,
			 (unsigned long long)b->sequence, b->n_invalid, why);
	}
	if (b->n_unredacted) {
		metrics__reject(m, REJECT_UNREDACTED, b->n_unredacted);
		log_warn("agent %s batch %llu: %zu leak(s) showed more of the secret than the redacted "
			 "form allows; redacted again before storing",
			 b->agent_id, (unsigned long long)b->sequence, b->n_unredacted);
	}
}

enum MHD_Result routes__events(struct server *s, struct MHD_Connection *c, struct request *r)
{
	struct metrics *m = s->o.metrics;
	Leakwatch__V1__BatchAck ack = LEAKWATCH__V1__BATCH_ACK__INIT;
	struct ingest_limits lim;
	struct ingest_batch *b = NULL;
	struct store_result res;
	enum ingest_status st;
	const char *host;
	uint64_t now = clock__realtime_ns();
	uint8_t *out;
	size_t len;
	int err;

	/* decoding holds its memory against max_inflight too, with the bodies */
	lim = s->o.limits;
	lim.inflight = &s->inflight;
	lim.max_inflight = s->o.max_inflight;
	lim.cache = &s->chunks;
	st = ingest__decode(r->body, r->len, r->enc, &lim, now, &b);
	if (st != INGEST_OK)
		return refuse_batch(s, c, r, st);
	if ((host = foreign_host(r, b))) {
		snprintf(r->forbidden, sizeof(r->forbidden),
			 "forbidden: credential %s may not report for host %.128s", r->cred->name, host);
		log_warn("agent %s batch %llu refused: credential %s may not report for host %.128s",
			 b->agent_id, (unsigned long long)b->sequence, r->cred->name, host);
		ingest__free(b);
		metrics__reject(m, REJECT_HOST_MISMATCH, 1);
		return respond_text(c, MHD_HTTP_FORBIDDEN, r->forbidden, r);
	}
	/* its host names rest on the credential only where that names the hosts */
	b->host_verified = r->cred->n_hosts > 0;
	err = store__write_batch(s->o.store, b, now, &res);
	if (err) {
		ingest__free(b);
		metrics__reject(m, REJECT_STORAGE, 1);
		r->retry_after = RETRY_AFTER_STORAGE;
		return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "storage unavailable, retry later", r);
	}
	note_refused_events(m, b);
	if (s->o.print_events)
		print_stored(b, s->o.print_text);
	if (res.accepted)
		alerts__kick(__atomic_load_n(&s->o.alerts, __ATOMIC_ACQUIRE));
	metrics__add(m, batches_accepted, 1);
	metrics__add(m, events_stored, res.accepted);
	metrics__add(m, duplicates, res.duplicates);
	metrics__add(m, bytes_received, r->len);
	ack.sequence = b->sequence;
	ack.accepted = res.accepted;
	ack.duplicates = res.duplicates;
	ack.rejected = res.rejected;
	log_debug("agent %s batch %llu: %u stored, %u duplicates, %u rejected", b->agent_id,
		  (unsigned long long)b->sequence, res.accepted, res.duplicates, res.rejected);
	ingest__free(b);
	len = leakwatch__v1__batch_ack__get_packed_size(&ack);
	out = malloc(len ? len : 1);
	if (!out)
		return MHD_NO;
	leakwatch__v1__batch_ack__pack(&ack, out);
	return respond(c, MHD_HTTP_OK, "application/x-protobuf", out, len, MHD_RESPMEM_MUST_FREE, r);
}

/* The findings as the query command prints them: a table, or JSON lines. Frees fs. */
static enum MHD_Result findings_text(struct MHD_Connection *c, struct request *r, struct findings *fs, bool table)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f) {
		if (table)
			query__print_table(f, fs);
		else
			query__print_json_lines(f, fs);
		fclose(f);
	}
	query__free(fs);
	if (!f || !text) {
		free(text);
		return MHD_NO;
	}
	return respond(c, MHD_HTTP_OK, table ? "text/plain; charset=utf-8" : "application/x-ndjson", text, len,
		       MHD_RESPMEM_MUST_FREE, r);
}

enum MHD_Result routes__findings(struct server *s, struct MHD_Connection *c, struct request *r)
{
	const char *kind = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "kind");
	const char *since = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
	const char *host = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "host");
	const char *limit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	const char *severity = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "severity");
	const char *open = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "open");
	const char *hide_closed = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "hide_closed");
	const char *format = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
	struct query_filter f = { .limit = QUERY_DEFAULT_LIMIT };
	struct store_opts so = s->o.db_where;
	struct findings fs;
	struct store *ro;
	const char *bad;
	size_t bad_len;
	char err[256];
	char *doc;

	metrics__add(s->o.metrics, queries, 1);
	/* a comma-separated list, e.g. kind=listener,leak */
	if (kind && query__parse_kinds(kind, &f, &bad, &bad_len)) {
		metrics__reject(s->o.metrics, REJECT_BAD_REQUEST, 1);
		return respond_text(c, MHD_HTTP_BAD_REQUEST, "kind: expected listener, leak or health", r);
	}
	if (since && *since && query__parse_since(since, clock__realtime_ns(), &f.since_ns)) {
		metrics__reject(s->o.metrics, REJECT_BAD_REQUEST, 1);
		return respond_text(c, MHD_HTTP_BAD_REQUEST,
				    "since: expected RFC 3339, Unix seconds, or a duration such as 24h", r);
	}
	if (host && *host)
		f.host = host;
	if (severity && *severity) {
		enum lw_severity sev;

		if (severity__parse(severity, &sev)) {
			metrics__reject(s->o.metrics, REJECT_BAD_REQUEST, 1);
			return respond_text(c, MHD_HTTP_BAD_REQUEST, "severity: expected info, low, medium, high or critical", r);
		}
		f.min_severity = severity__wire(sev);
	}
	/* open=true: only what is still a problem (open listeners, unacknowledged leaks) */
	f.open_only = open && (!strcmp(open, "true") || !strcmp(open, "1"));
	f.hide_closed = hide_closed && (!strcmp(hide_closed, "true") || !strcmp(hide_closed, "1"));
	/* table and lines: what `leakwatch-collector query --url` prints as it is */
	if (format && *format && strcmp(format, "json") && strcmp(format, "table") && strcmp(format, "lines")) {
		metrics__reject(s->o.metrics, REJECT_BAD_REQUEST, 1);
		return respond_text(c, MHD_HTTP_BAD_REQUEST, "format: expected json, table or lines", r);
	}
	if (limit && *limit && query__parse_limit(limit, &f.limit)) {
		metrics__reject(s->o.metrics, REJECT_BAD_REQUEST, 1);
		return respond_text(c, MHD_HTTP_BAD_REQUEST, "limit: expected 1..10000", r);
	}

	so.busy_timeout_ms = 5000;
	if (store__reader_get(s->o.store, &so, &ro, err, sizeof(err))) {
		log_error("findings: %s", err);
		r->retry_after = RETRY_AFTER_STORAGE;
		return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "storage unavailable", r);
	}
	if (query__findings(store__db(ro), &f, &fs)) {
		store__close(ro);
		r->retry_after = RETRY_AFTER_STORAGE;
		return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "query failed", r);
	}
	store__reader_put(s->o.store, ro);
	if (format && (!strcmp(format, "table") || !strcmp(format, "lines")))
		return findings_text(c, r, &fs, !strcmp(format, "table"));
	doc = query__json_document(&fs);
	query__free(&fs);
	if (!doc)
		return MHD_NO;
	return respond(c, MHD_HTTP_OK, "application/json", doc, strlen(doc), MHD_RESPMEM_MUST_FREE, r);
}

/* POST /v1/findings/{fingerprint}/ack[?by=NAME]: the leak is handled. */
enum MHD_Result routes__ack(struct server *s, struct MHD_Connection *c, struct request *r)
{
	const char *by = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "by");
	struct ack_result res;

	/* who acknowledged it: the operator's credential, unless it says */
	if (!by || !*by)
		by = r->cred->name;
	struct jsonw w;
	const char *doc;
	enum MHD_Result ret;
	int err;

	if (!ack__valid_fingerprint(r->finding)) {
		metrics__reject(s->o.metrics, REJECT_BAD_REQUEST, 1);
		return respond_text(c, MHD_HTTP_BAD_REQUEST,
				    "finding id: expected a leak fingerprint (16 to 64 hex digits)", r);
	}
	err = ack__leak(s->o.store, r->finding, by, clock__realtime_ns(), &res);
	if (err == -EINVAL) {
		metrics__reject(s->o.metrics, REJECT_BAD_REQUEST, 1);
		return respond_text(c, MHD_HTTP_BAD_REQUEST, "by: at most 128 printable UTF-8 bytes", r);
	}
	if (err) {
		r->retry_after = RETRY_AFTER_STORAGE;
		return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "storage unavailable, retry later", r);
	}
	if (!res.found) {
		metrics__reject(s->o.metrics, REJECT_BAD_REQUEST, 1);
		return respond_text(c, MHD_HTTP_NOT_FOUND, "no leak with this fingerprint", r);
	}
	if (res.resolved)
		alerts__kick(__atomic_load_n(&s->o.alerts, __ATOMIC_ACQUIRE));
	jsonw__init(&w);
	jsonw__begin_object(&w);
	jsonw__kv_str(&w, "fingerprint", r->finding);
	jsonw__kv_bool(&w, "acknowledged", true);
	jsonw__kv_bool(&w, "already_acknowledged", res.already);
	jsonw__kv_u64(&w, "alerts_resolved", res.resolved);
	jsonw__end_object(&w);
	doc = jsonw__str(&w);
	ret = doc ? respond(c, MHD_HTTP_OK, "application/json", (void *)doc, strlen(doc),
			    MHD_RESPMEM_MUST_COPY, r)
		  : MHD_NO;
	jsonw__free(&w);
	return ret;
}

/* The gauges of what is open now, from the database; "" when it cannot be read. */
static char *open_gauges(struct server *s)
{
	struct store_opts so = s->o.db_where;
	struct promtext_gauges g;
	struct store *ro;
	char err[256];
	char *text;

	if (promtext__gauges_begin(&g))
		return NULL;
	so.busy_timeout_ms = 2000;
	if (!store__reader_get(s->o.store, &so, &ro, err, sizeof(err))) {
		if (query__open_counts(store__db(ro), promtext__gauge, &g))
			log_warn("metrics: the open findings could not be counted: %s", db__errmsg(store__db(ro)));
		store__reader_put(s->o.store, ro);
	}
	text = promtext__gauges_end(&g);
	return text;
}

enum MHD_Result routes__metrics(struct server *s, struct MHD_Connection *c, struct request *r)
{
	struct metrics m;
	char *doc, *gauges, *both = NULL;

	metrics__snapshot(s->o.metrics, &m);
	doc = promtext__render(&m, LW_VERSION);
	gauges = doc ? open_gauges(s) : NULL;
	if (gauges && asprintf(&both, "%s%s", doc, gauges) < 0)
		both = NULL;
	free(doc);
	free(gauges);
	if (!both)
		return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory", r);
	return respond(c, MHD_HTTP_OK, PROMTEXT_CONTENT_TYPE, both, strlen(both), MHD_RESPMEM_MUST_FREE, r);
}
