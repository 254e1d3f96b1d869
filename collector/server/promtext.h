/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The collector's counters as Prometheus text exposition (format 0.0.4),
 * for GET /metrics. Served without the bearer token, like /healthz: it holds
 * totals over all agents and nothing else. Labels are a rejection's reason,
 * the build's version, and for the gauges of open problems a severity and a
 * built-in service or rule name; never a host, an agent, a sink or a
 * fingerprint, so the series stay few and say nothing sensitive.
 */
#ifndef COLLECTOR_PROMTEXT_H
#define COLLECTOR_PROMTEXT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "server/metrics.h"
#include "storage/store.h"

#define PROMTEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* m: a snapshot (metrics__snapshot). A malloc'd document, or NULL. */
char *promtext__render(const struct metrics *m, const char *version);

/*
 * The gauges of open problems, from the database at scrape time:
 *   leakwatch_listeners_exposed{severity,service}
 *   leakwatch_leaks_open{severity,rule}
 * Services and rules come from fixed built-in lists; no host or
 * fingerprint is a label. Every severity appears (0 where none), so that
 * alert rules see a value rather than nothing.
 */
struct promtext_gauges {
	FILE *listeners, *leaks;
	char *lbuf, *kbuf;
	size_t llen, klen;
	bool seen[2][6]; /* [listener, leak][wire severity]: a series was written */
};
int promtext__gauges_begin(struct promtext_gauges *g);
void promtext__gauge(void *ctx, enum store_kind k, int severity, const char *label, uint64_t n);
/* The text (malloc'd), or NULL; g is done with either way. */
char *promtext__gauges_end(struct promtext_gauges *g);

#endif
