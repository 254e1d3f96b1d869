/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The collector's counters as Prometheus text exposition (format 0.0.4),
 * for GET /metrics. Served without the bearer token, like /healthz: it holds
 * totals over all agents and nothing else. The only labels are a rejection's
 * reason and the build's version, never a host, an agent, a sink, a rule or
 * a fingerprint, so the series stay few and say nothing sensitive.
 */
#ifndef COLLECTOR_PROMTEXT_H
#define COLLECTOR_PROMTEXT_H

#include "server/metrics.h"

#define PROMTEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* m: a snapshot (metrics__snapshot). A malloc'd document, or NULL. */
char *promtext__render(const struct metrics *m, const char *version);

#endif
