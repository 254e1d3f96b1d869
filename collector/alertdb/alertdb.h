/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Alert state in SQLite: one row per problem (by dedup key), the sinks each
 * was routed to, the windows that group new listeners per sink and host,
 * acknowledged leaks, and each agent's previous heartbeat. Resolving an
 * alert queues its end to every sink that heard of it; nothing here needs
 * the configuration, so `leakwatch-collector ack` can resolve alerts too.
 *
 * Every call runs under the store's lock (store__tx or the store hook).
 */
#ifndef COLLECTOR_ALERTDB_H
#define COLLECTOR_ALERTDB_H

#include <stdbool.h>
#include <stdint.h>

#include "alerting/compose.h"
#include "notify/outbox.h"

struct db;
struct alertdb;

enum alert_state { ALERT_ABSENT, ALERT_FIRING, ALERT_RESOLVED };

int alertdb__open(struct db *db, struct alertdb **out);
void alertdb__close(struct alertdb *d);
struct outbox *alertdb__outbox(struct alertdb *d);

int alertdb__state(struct alertdb *d, const char *key, enum alert_state *out);
/* The namespace cookie a firing listener alert was raised with; 0 if none, or not firing. */
int alertdb__firing_netns_cookie(struct alertdb *d, const char *key, uint64_t *cookie);
/* A new alert, or one firing again after it resolved; forgets its old routes. */
int alertdb__fire(struct alertdb *d, const struct alert *a, uint64_t now_ns);
/* The alert went to sink; group_row is the held group notification carrying it, or 0. */
int alertdb__route(struct alertdb *d, const char *key, const char *sink, int64_t group_row);
/* A firing alert whose severity or summary changed (a probe found the
 * door open, or locked): its text is replaced, and *changed says whether
 * anything was. The labels it had are kept as prev_labels when they change. */
int alertdb__update(struct alertdb *d, const struct alert *a, uint64_t now_ns, bool *changed);
int alertdb__routed(struct alertdb *d, const char *key, const char *sink, bool *routed);
/* Forgets that the alert went to sink (its end was queued for it). */
int alertdb__unroute(struct alertdb *d, const char *key, const char *sink);
/* A firing alert seen again: counted, not announced. */
int alertdb__bump(struct alertdb *d, const char *key, uint64_t count, int64_t at_ns, uint64_t now_ns);
/* Ends a firing alert and queues its end for every sink that heard of it.
 * *resolved is false when it was not firing. */
int alertdb__resolve(struct alertdb *d, const char *key, int64_t at_ns, uint64_t now_ns, bool *resolved);

/* The grouping window of new listeners for a sink and host; -ENOENT if none. */
int alertdb__group(struct alertdb *d, const char *sink, const char *host, uint64_t *window_end_ns,
		   int64_t *held);
int alertdb__set_group(struct alertdb *d, const char *sink, const char *host, uint64_t window_end_ns,
		       int64_t held);
/* Held groups whose window ended go out: as a group, as a single trigger
 * when one listener is left, or not at all. *sent counts those that go. */
int alertdb__flush_groups(struct alertdb *d, uint64_t now_ns, uint64_t window_ns, unsigned *sent);

int alertdb__leak_acked(struct alertdb *d, const char *fingerprint, bool *acked);

struct ack_result {
	bool found;        /* a leak with that fingerprint is stored */
	bool already;      /* it was acknowledged before */
	unsigned resolved; /* alerts resolved now (one per host) */
};
int alertdb__ack(struct alertdb *d, const char *fingerprint, const char *by, uint64_t now_ns,
		 struct ack_result *r);

/* Whether this event is the one the derived state now reflects (an old
 * event arriving late does not change what is open or how an agent is). */
int alertdb__listener_current(struct alertdb *d, const Leakwatch__V1__Event *ev, bool *current);
int alertdb__agent_current(struct alertdb *d, const char *agent_id, const Leakwatch__V1__Event *ev,
			   bool *current);

struct agent_watch {
	uint64_t drops_total;
	uint64_t uptime_s;
	uint64_t dropped_full;
	uint64_t drop_streak;  /* consecutive heartbeats with new drops */
	uint64_t clean_streak; /* and without */
	uint64_t streak_drops; /* drops over the current drop streak */
};
int alertdb__watch(struct alertdb *d, const char *agent_id, struct agent_watch *w, bool *found);
int alertdb__set_watch(struct alertdb *d, const char *agent_id, const struct agent_watch *w);

struct silent_agent {
	const char *agent_id;
	const char *host;
	const char *version;
	uint64_t updated_ns; /* the last heartbeat, collector's clock */
};
/* Calls fn for each agent not heard from since cutoff_ns (at most 1000). */
int alertdb__silent(struct alertdb *d, uint64_t cutoff_ns,
		    int (*fn)(void *ctx, const struct silent_agent *a), void *ctx);
/* Alerts whose finding retention removed (an agent's heartbeat, a leak): resolved. */
int alertdb__resolve_orphans(struct alertdb *d, uint64_t now_ns, unsigned *n);
int alertdb__sink_has_firing(struct alertdb *d, const char *sink, bool *any);
/* Resolved alerts and empty windows last touched before cutoff_ns go. */
int alertdb__expire(struct alertdb *d, uint64_t cutoff_ns);

#endif
