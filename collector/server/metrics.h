/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The collector's counters, in one place so that GET /metrics (promtext.h)
 * reads them all. Updated from the HTTP and alerting threads without a lock.
 */
#ifndef COLLECTOR_METRICS_H
#define COLLECTOR_METRICS_H

#include <stdint.h>

/* Why a request or an event was refused; the names are metric labels. */
enum metrics_reject {
	REJECT_AUTH,            /* 401: no or wrong token */
	REJECT_FORBIDDEN,       /* 403: a credential of another role */
	REJECT_HOST_MISMATCH,   /* 403: events for a host the credential may not report for */
	REJECT_TOO_LARGE,       /* 413: body or decoded batch over its limit */
	REJECT_BOMB,            /* 413: inflates past max_inflated or max_ratio */
	REJECT_BAD_ENCODING,    /* 415: Content-Encoding or Content-Type */
	REJECT_BAD_GZIP,        /* 400 */
	REJECT_BAD_PROTOBUF,    /* 400 */
	REJECT_BAD_BATCH,       /* 400: parses, but the batch itself is not sane */
	REJECT_TOO_MANY_EVENTS, /* 413 */
	REJECT_INVALID_EVENT,   /* counted per event, in BatchAck.rejected */
	REJECT_BAD_REQUEST,     /* 404, 405, 400 on a query */
	REJECT_OVERLOADED,      /* 503: too many bytes in flight */
	REJECT_STORAGE,         /* 503: the database failed */
	REJECT_UNREDACTED,      /* a leak's redacted form showed too much: redacted again, stored */
	REJECT_SLOW,            /* a connection closed: headers too late, or a body too slow */
	REJECT__COUNT,
};

struct metrics {
	uint64_t requests;
	uint64_t batches_accepted;
	uint64_t events_stored;
	uint64_t duplicates;
	uint64_t bytes_received; /* compressed bodies of accepted batches */
	uint64_t queries;
	uint64_t retention_deleted;
	uint64_t rejected[REJECT__COUNT];
	/* alerting */
	uint64_t alerts_fired;          /* problems announced (a group counts each) */
	uint64_t alerts_resolved;
	uint64_t alerts_deduplicated;   /* events about a problem already announced */
	uint64_t notifications_sent;    /* outbox rows a sink accepted */
	uint64_t notifications_dropped; /* rejected by a sink, or undelivered past give_up_after */
	uint64_t sink_failures;         /* failed delivery attempts, each retry counted */
	uint64_t outbox_depth;          /* gauge: notifications waiting (pending and held) */
	/* operations */
	uint64_t config_reloads;        /* SIGHUP reloads applied */
	uint64_t config_reload_failures; /* rejected: the configuration in force stayed */
	uint64_t config_last_reload_ok; /* gauge: 1 unless the last reload was rejected */
	uint64_t start_time_s;          /* gauge: Unix seconds */
};

/* Thread-safe increments of one field of *m. */
#define metrics__add(m, field, n) __atomic_fetch_add(&(m)->field, (uint64_t)(n), __ATOMIC_RELAXED)
#define metrics__reject(m, reason, n) metrics__add(m, rejected[reason], n)
#define metrics__set(m, field, v) __atomic_store_n(&(m)->field, (uint64_t)(v), __ATOMIC_RELAXED)

/* A consistent-enough copy for reporting (each field read atomically). */
void metrics__snapshot(const struct metrics *m, struct metrics *out);
const char *metrics__reject_name(enum metrics_reject r);

#endif
