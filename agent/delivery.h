/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Getting findings to the collector: encode each as an Event, append it to
 * the durable spool, and let the exporter ship it. Without a collector URL
 * this is off and findings go to stdout only.
 */
#ifndef LW_DELIVERY_H
#define LW_DELIVERY_H

#include <stdbool.h>

#include "config.h"
#include "encode.h"
#include "exporter.h"
#include "host.h"

struct delivery;

/* NULL in *out (and 0) when no collector is configured. */
int delivery__open(const struct lw_config *cfg, const struct lw_host *host, struct delivery **out);
/* Flushes, gives pending batches one last attempt, syncs and closes. */
void delivery__close(struct delivery *d);

void delivery__listener(struct delivery *d, const struct lw_listener *l);
void delivery__leak(struct delivery *d, const struct lw_leak *leak);
void delivery__health(struct delivery *d, const struct lw_health *h);
/* Periodic: fsync the spool at least every spool.sync_interval. */
void delivery__tick(struct delivery *d, uint64_t now_ms);

void delivery__stats(struct delivery *d, struct spool_stats *spool, struct exporter_stats *exp);

#endif
