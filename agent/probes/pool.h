/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Probes at bounded concurrency: a fixed number of threads take jobs in the
 * order they came, run each with the runner, and leave the verdicts for the
 * caller to collect on its own thread. A job names candidate probes (a
 * ClickHouse port may speak HTTP or the native protocol): they are tried in
 * order until one recognises its protocol.
 */
#ifndef LW_PROBE_POOL_H
#define LW_PROBE_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"
#include "probes/probe.h"

#define LW_POOL_KEY 32
#define LW_POOL_CANDIDATES 4

struct probe_job {
	uint8_t key[LW_POOL_KEY];    /* the caller's, handed back with the result */
	uint32_t netns_ino;          /* the listener's namespace; 0: the agent's own */
	uint32_t pid_hint;           /* a process in it, to find it fast */
	struct lw_addr addr;
	uint16_t port;
	uint8_t protocol;            /* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t timeout_ms;
	const struct lw_probe *probes[LW_POOL_CANDIDATES];
	size_t n_probes;
};

struct probe_result {
	uint8_t key[LW_POOL_KEY];
	struct lw_auth auth;
};

struct pool;

/* NULL when out of memory or no thread could start. */
struct pool *pool__new(unsigned threads);
/* Stops the threads: queued jobs are dropped, running ones end first. NULL-safe. */
void pool__free(struct pool *p);
/* Queues a copy of j; -ENOMEM. */
int pool__submit(struct pool *p, const struct probe_job *j);
/* Hands each finished result to fn, on the caller's thread; returns how many. */
size_t pool__drain(struct pool *p, void (*fn)(void *ctx, const struct probe_result *r), void *ctx);
/* Jobs queued or running. */
size_t pool__busy(struct pool *p);
/* Blocks until no job is queued or running. */
void pool__wait(struct pool *p);

#endif
