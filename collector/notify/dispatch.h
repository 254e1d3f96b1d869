/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Delivery: one thread per sink works that sink's outbox rows in order.
 * It reads the rows and the alerts they name under the store's lock, POSTs
 * without it, and records the outcome under it again: delivered rows are
 * deleted, failed ones retried by lib/net/retry's policy (exponential backoff
 * with jitter, never sooner than the sink's Retry-After), and rows a sink
 * refuses, or that stay undelivered past
 * give_up_after, are kept as dead and counted.
 *
 * A thread knows its sink by name and looks it up, each round, in the
 * configuration snapshot it takes a reference to for that round: a reload
 * that changes a sink's URL, type, key or the timings applies from the next
 * round, and a round under way finishes with what it started with.
 */
#ifndef COLLECTOR_DISPATCH_H
#define COLLECTOR_DISPATCH_H

#include "alertdb/alertdb.h"
#include "routing/cfgref.h"
#include "server/metrics.h"
#include "storage/store.h"

struct dispatch;

/* db: the engine's statements on the store's connection, used under its
 * lock. Takes its own reference to cfg. */
int dispatch__start(struct cfgref *cfg, struct store *store, struct alertdb *db,
		    struct metrics *metrics, struct dispatch **out);
/*
 * A new configuration: the threads of sinks it no longer has are stopped
 * (a request in flight is abandoned; its row stays in the outbox) and
 * joined, the snapshot is swapped, and sinks new to it get a thread. Takes
 * its own reference to cfg. Returns -EAGAIN if a thread could not start (the
 * others run; that sink's rows wait in the outbox).
 */
int dispatch__reload(struct dispatch *d, struct cfgref *cfg);
void dispatch__kick(struct dispatch *d);
void dispatch__stop(struct dispatch *d);

#endif
