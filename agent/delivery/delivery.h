/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Getting encoded events to the collector: append each to the durable
 * spool, and let the exporter ship it. Without a collector URL this is off
 * and findings go to stdout only.
 */
#ifndef LW_DELIVERY_H
#define LW_DELIVERY_H

#include <stdbool.h>

#include "delivery/exporter.h"
#include "delivery/spool.h"

struct delivery;

struct delivery_opts {
	struct spool_opts spool;
	struct exporter_opts exporter; /* its spool is the one opened here */
	uint64_t sync_ms;              /* the spool is fsynced at least this often */
};

/* NULL in *out (and 0) when no collector URL is given. */
int delivery__open(const struct delivery_opts *o, struct delivery **out);
/* Flushes, gives pending batches one last attempt, syncs and closes. */
void delivery__close(struct delivery *d);

/* Appends one encoded Event to the spool and wakes the exporter. A failed
 * append (disk full) is counted by the spool. finding: a first sighting or
 * a listener's change, sent without waiting out the flush interval. */
void delivery__append(struct delivery *d, const uint8_t *event, size_t len, bool finding);
/* Periodic: fsync the spool at least every spool.sync_interval. */
void delivery__tick(struct delivery *d, uint64_t now_ms);

void delivery__stats(struct delivery *d, struct spool_stats *spool, struct exporter_stats *exp);

#endif
