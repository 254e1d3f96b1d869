/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Delivery: one thread per sink works that sink's outbox rows in order.
 * It reads the rows and the alerts they name under the store's lock, POSTs
 * without it, and records the outcome under it again: delivered rows are
 * deleted, failed ones retried with exponential backoff (or the sink's
 * Retry-After), and rows a sink refuses, or that stay undelivered past
 * give_up_after, are kept as dead and counted.
 */
#ifndef LWC_DISPATCH_H
#define LWC_DISPATCH_H

#include "alertcfg.h"
#include "alertdb.h"
#include "metrics.h"
#include "store.h"

struct dispatch;

/* db: the engine's statements on the store's connection, used under its lock. */
int dispatch__start(const struct alertcfg *cfg, struct store *store, struct alertdb *db,
		    struct metrics *metrics, struct dispatch **out);
void dispatch__kick(struct dispatch *d);
void dispatch__stop(struct dispatch *d);

#endif
