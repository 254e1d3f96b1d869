/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ships spooled events to the collector: batches cut by count and time,
 * gzip-compressed EventBatch POSTs to <url>/v1/events, retried with
 * exponential backoff and jitter on 429, 5xx and network errors (honouring
 * Retry-After). The spool is acknowledged only with the collector's
 * BatchAck, so delivery is at least once. Runs in its own thread.
 *
 * Only an answer that calls the batch itself invalid (400, 413) drops it.
 * An answer about the agent's credentials or the URL (401, 403, 404, 405,
 * 421) is a configuration fault that would be the same for every batch:
 * the spool is kept, the exporter backs off, says so once per interval and
 * reports itself blocked until the collector accepts again. Before each
 * new attempt it reads collector.token_file again, so a rotated token is
 * picked up without a restart.
 */
#ifndef LW_EXPORTER_H
#define LW_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "delivery/spool.h"

struct exporter_opts {
	const char *url;          /* collector base URL */
	const char *token_file;   /* bearer token; NULL for none */
	const char *ca_file;      /* TLS trust; NULL for the system store */
	const char *client_cert;  /* mTLS, optional */
	const char *client_key;
	const char *agent_id;
	size_t batch_max;         /* events per batch */
	uint64_t flush_ms;        /* a partial batch waits at most this long */
	uint64_t timeout_ms;      /* per request */
	uint64_t max_backoff_ms;
	struct spool *spool;
};

struct exporter_stats {
	uint64_t batches;         /* acknowledged */
	uint64_t events;          /* acknowledged, stored or duplicate */
	uint64_t duplicates;
	uint64_t retries;         /* failed attempts that will be retried */
	uint64_t failures;        /* of those, network errors */
	uint64_t rejected;        /* events dropped on a 4xx or refused as invalid */
	int last_status;          /* last HTTP status, 0 for a network error */
	uint64_t last_success_ms;
	int blocked_status;       /* 401/403/404/405/421 while blocked, else 0 */
	uint64_t blocked_since_ms;/* wall clock of the first refusal of this spell */
	uint64_t blocked_attempts;/* sends refused as a configuration fault, ever */
};

struct exporter;

/* Reads the token and starts the thread; err names what is wrong. */
int exporter__start(const struct exporter_opts *opts, struct exporter **out, char *err, size_t errlen);
/* Events were appended: a batch may be due. finding: one of them is news
 * on-call waits for, and goes after the short linger even if a batch went
 * out less than a flush interval ago. */
void exporter__notify(struct exporter *e, bool finding);
/* Stops after at most one more attempt; the rest waits in the spool. */
void exporter__stop(struct exporter *e);
void exporter__stats(struct exporter *e, struct exporter_stats *out);

#endif
