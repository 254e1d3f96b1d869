/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The alert engine's insides, shared by engine.c (announcing, the ticker,
 * lifecycle), engineevents.c (what each event does) and agenthealth.c (an
 * agent's own problems). Private to
 * alerting/.
 */
#ifndef COLLECTOR_ENGINEINT_H
#define COLLECTOR_ENGINEINT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "routing/alertcfg.h"
#include "routing/cfgref.h"
#include "alerting/compose.h"
#include "leakwatch/v1/leakwatch.pb-c.h"
#include "notify/dispatch.h"
#include "server/metrics.h"
#include "alertdb/alertdb.h"
#include "storage/store.h"

struct alerts {
	/* read and swapped under the store's lock only (the hook and the
	 * ticker's transactions); delivery threads have their own references */
	struct cfgref *ref;
	const struct alertcfg *cfg; /* ref's */
	struct store *store;
	struct metrics *metrics;
	struct alertdb *db;
	struct dispatch *dispatch;
	uint64_t start_ns;
	uint64_t next_resend_ns[ALERT_MAX_SINKS];
	uint64_t next_expire_ns;
	uint64_t next_slow_ns;
	bool enqueued; /* this transaction queued a notification */
	/* what this transaction did, reported to metrics when it commits
	 * (store_end_fn): a batch rolled back and run again counts, and logs, once */
	struct {
		uint64_t fired, resolved, deduplicated, dropped;
		char *log;        /* "alert firing: KEY" lines, each ending in its NUL */
		size_t log_len, log_cap;
	} pending;
	pthread_t ticker;
	bool ticker_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stopping;
};

/* Fires al (or updates it, or bumps its count) and routes it to its sinks. */
int engine__raise(struct alerts *a, const struct alert *al, uint64_t now, bool bump, bool update);
/* Resolves the alert under key, as of at_ns. */
int engine__resolve(struct alerts *a, const char *key, int64_t at_ns, uint64_t now);

/* The store hook: what a newly stored event does to the alerts (engineevents.c). */
int engine__on_event(void *ctx, struct db *db, const struct ingest_batch *b, const struct ingest_event *e,
		     uint64_t now);
/* A health event: the agent is back, drops, a filling spool (agenthealth.c). */
int agenthealth__event(struct alerts *a, const char *agent_id, const Leakwatch__V1__Event *ev, uint64_t now);

#endif
