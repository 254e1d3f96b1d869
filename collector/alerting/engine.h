/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The alert engine. For each event the store keeps, inside the same
 * transaction, it decides: a new problem fires (an outbox row per routed
 * sink), a known one is counted (no page), or one ends (listener closed,
 * agent heard from, drops stopped). A ticker thread finds agents that went
 * silent, flushes grouped listener storms, and re-sends firing alerts to
 * Alertmanager; dispatch threads deliver the outbox.
 *
 * One alert per problem until it resolves:
 *   listener  opens fire, its close resolves; a listener that stops matching
 *             a route (say, now on the expected list) resolves too
 *   leak      per fingerprint and host; more sightings only raise the count;
 *             resolved by acknowledging the fingerprint (ack.h), after which
 *             that fingerprint stays quiet
 *   health    silent (no heartbeat for heartbeat_timeout), drops (new drops
 *             in drop_reports consecutive heartbeats), spool (past
 *             spool_bytes or spool_age, or dropping because full)
 */
#ifndef COLLECTOR_ENGINE_H
#define COLLECTOR_ENGINE_H

#include <stdint.h>

#include "routing/cfgref.h"
#include "server/metrics.h"
#include "storage/store.h"

struct alerts;

/* store must outlive the engine; it takes its own reference to cfg.
 * Registers the store hook, starts the ticker and one dispatch thread per
 * sink. err: a one-line reason. */
int alerts__start(struct cfgref *cfg, struct store *store, struct metrics *metrics,
		  struct alerts **out, char *err, size_t errlen);
/*
 * SIGHUP: cfg replaces the configuration in force (the engine takes its own
 * reference). Events are judged by the new routes from the next one on; an
 * alert already firing keeps the sinks it was sent to, which hear of its
 * end. Queued notifications of sinks that stay keep going; those of sinks
 * cfg no longer has are kept in the outbox as dead ("sink no longer
 * configured"), logged and counted as dropped: removing a sink is how one
 * stops its pages, and putting it back does not resend them. Only one
 * thread may start, reload and stop an engine. -EAGAIN: a new sink's thread
 * did not start (logged; the rest is in force).
 */
int alerts__reload(struct alerts *a, struct cfgref *cfg);
/* New outbox rows may be waiting (after an ack from another path). NULL-safe. */
void alerts__kick(struct alerts *a);
/* Unregisters the hook and joins the threads; what is undelivered stays in
 * the outbox for the next start. NULL-safe. */
void alerts__stop(struct alerts *a);

#endif
