// SPDX-License-Identifier: Apache-2.0
#include "alerting/engine.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerting/compose.h"
#include "data/grow.h"
#include "alerting/engineint.h"
#include "alertdb/alertdb.h"
#include "os/clock.h"
#include "notify/dispatch.h"
#include "os/log.h"
#include "routing/route.h"

#define NS_PER_MS 1000000ULL
#define TICK_MS 500
#define SLOW_TICK_NS (2ULL * 1000000000) /* silent agents, orphans */
#define EXPIRE_EVERY_NS (600ULL * 1000000000)
/* the ticker's lease: another collector's ticker takes over this long after this one stops */
#define TICKER_LEASE_NS (10ULL * 1000000000)
#define KEEP_RESOLVED_NS (7ULL * 24 * 3600 * 1000000000) /* resolved alerts and dead rows */



/* --- announcing --- */

/*
 * A new listener for a sink that groups: the first on a host goes now and
 * opens a window; those that follow within it wait for its end and go as
 * one notification. *group_row is that held notification, or 0.
 */
static int announce_listener(struct alerts *a, const struct alert_sink *s, const struct alert *al,
			     uint64_t now, int64_t *group_row)
{
	struct outbox *o = alertdb__outbox(a->db);
	uint64_t window_end = 0;
	int64_t held = 0;
	int err;

	*group_row = 0;
	err = alertdb__group(a->db, s->name, al->host, &window_end, &held);
	if (err && err != -ENOENT)
		return err;
	if (err == -ENOENT || window_end <= now) {
		err = outbox__enqueue(o, s->name, OUTBOX_TRIGGER, al->key, al->at_ns, now, false, 0, NULL);
		return err ?: alertdb__set_group(a->db, s->name, al->host,
						 now + a->cfg->group_window_ms * NS_PER_MS, 0);
	}
	if (!held) {
		char gkey[ALERTKEY_LEN];

		alertkey__group(gkey, al->host);
		err = outbox__enqueue(o, s->name, OUTBOX_GROUP, gkey, (int64_t)now, now, true, window_end,
				      &held);
		err = err ?: alertdb__set_group(a->db, s->name, al->host, window_end, held);
		if (err)
			return err;
	}
	*group_row = held;
	return 0;
}

/* Logs "alert WHAT: KEY" when the transaction commits (tx_end), so that a
 * batch rolled back and run again logs it once; at once if there is no
 * memory to hold it. */
static void log_on_commit(struct alerts *a, const char *what, const char *key)
{
	size_t n = strlen("alert : ") + strlen(what) + strlen(key) + 1;

	if (grow__reserve((void **)&a->pending.log, &a->pending.log_cap, a->pending.log_len + n, 1, 4096)) {
		log_info("alert %s: %s", what, key);
		return;
	}
	snprintf(a->pending.log + a->pending.log_len, n, "alert %s: %s", what, key);
	a->pending.log_len += n;
}

int engine__resolve(struct alerts *a, const char *key, int64_t at_ns, uint64_t now)
{
	bool resolved;
	int err = alertdb__resolve(a->db, key, at_ns, now, &resolved);

	if (!err && resolved) {
		a->pending.resolved++;
		a->enqueued = true;
		log_on_commit(a, "resolved", key);
	}
	return err;
}

/*
 * A firing listener alert whose severity or text a probe's verdict changed:
 * the sinks that its routes give now hear the new text (Alertmanager the
 * labels it had end, PagerDuty the same dedup key), those they no longer
 * give hear its end. One alert still: it is updated, not raised again.
 */
static int update_alert(struct alerts *a, const struct alert *al, uint64_t mask, uint64_t now)
{
	const struct alertcfg *cfg = a->cfg;
	struct outbox *o = alertdb__outbox(a->db);
	bool changed, routed;
	int err = alertdb__update(a->db, al, now, &changed);

	if (err || !changed)
		return err;
	for (size_t i = 0; i < cfg->n_sinks && !err; i++) {
		const struct alert_sink *s = &cfg->sinks[i];

		if ((err = alertdb__routed(a->db, al->key, s->name, &routed)))
			break;
		if (mask & (1ULL << i)) {
			err = outbox__enqueue(o, s->name, OUTBOX_TRIGGER, al->key, al->at_ns, now, false, 0, NULL);
			if (!err && !routed)
				err = alertdb__route(a->db, al->key, s->name, 0);
		} else if (routed) {
			err = outbox__enqueue(o, s->name, OUTBOX_RESOLVE, al->key, (int64_t)now, now, false, 0, NULL);
			err = err ?: alertdb__unroute(a->db, al->key, s->name);
		}
	}
	if (!err) {
		a->enqueued = true;
		log_on_commit(a, "updated", al->key);
	}
	return err;
}

/*
 * The problem holds: announce it unless it is already (then only count it
 * when bump, or update it when update and its severity or text changed), to
 * every sink the routes give.
 */
int engine__raise(struct alerts *a, const struct alert *al, uint64_t now, bool bump, bool update)
{
	const struct alertcfg *cfg = a->cfg;
	struct alert_facts f;
	enum alert_state state;
	uint64_t mask;
	int err;

	alert__facts(al, &f);
	mask = route__sinks(cfg, &f);
	if ((err = alertdb__state(a->db, al->key, &state)))
		return err;
	if (state == ALERT_FIRING) {
		if (!mask && al->kind == STORE_LISTENER)
			return engine__resolve(a, al->key, al->at_ns, now); /* e.g. now on the expected list */
		if (update && (err = update_alert(a, al, mask, now)))
			return err;
		if (!bump)
			return 0;
		a->pending.deduplicated++;
		return alertdb__bump(a->db, al->key, al->count, al->at_ns, now);
	}
	if (!mask)
		return 0;
	if ((err = alertdb__fire(a->db, al, now)))
		return err;
	for (size_t i = 0; i < cfg->n_sinks && !err; i++) {
		const struct alert_sink *s = &cfg->sinks[i];
		int64_t group_row = 0;

		if (!(mask & (1ULL << i)))
			continue;
		/* Alertmanager groups by itself, with its own group_by */
		if (al->kind == STORE_LISTENER && s->type != SINK_ALERTMANAGER && cfg->group_window_ms)
			err = announce_listener(a, s, al, now, &group_row);
		else
			err = outbox__enqueue(alertdb__outbox(a->db), s->name, OUTBOX_TRIGGER, al->key,
					      al->at_ns, now, false, 0, NULL);
		err = err ?: alertdb__route(a->db, al->key, s->name, group_row);
	}
	if (!err) {
		a->pending.fired++;
		a->enqueued = true;
		log_on_commit(a, "firing", al->key);
	}
	return err;
}

/* --- the ticker --- */

struct tick {
	struct alerts *a;
	uint64_t now;
	bool kick;
};

static int silent_one(void *ctx, const struct silent_agent *sa)
{
	struct tick *t = ctx;
	struct agent_status st = {
		.agent_id = sa->agent_id,
		.host = sa->host,
		.version = sa->version,
		.last_heartbeat_ns = sa->updated_ns,
		.silent_ms = (t->now - sa->updated_ns) / NS_PER_MS,
	};
	struct alert al;
	int err;

	if ((err = alert__agent(AGENT_SILENT, &st, (int64_t)t->now, &al)))
		return err;
	err = engine__raise(t->a, &al, t->now, false, false);
	alert__free(&al);
	return err;
}

static int tick(struct db *db, void *arg)
{
	struct tick *t = arg;
	struct alerts *a = t->a;
	const struct alertcfg *cfg = a->cfg;
	struct outbox *o = alertdb__outbox(a->db);
	uint64_t now = t->now, depth = 0;
	unsigned n = 0;
	bool held;
	int err;

	a->enqueued = false; /* only ever touched under the store's lock */
	/* with several collectors on one database, one of them does this */
	if ((err = store__lease(a->store, db, "ticker", now, TICKER_LEASE_NS, &held)))
		return err;
	if (!held)
		return 0;
	if ((err = alertdb__flush_groups(a->db, now, cfg->group_window_ms * NS_PER_MS, &n)))
		return err;
	a->enqueued |= n > 0;
	if (now >= a->next_slow_ns) {
		a->next_slow_ns = now + SLOW_TICK_NS;
		/* agents get a full timeout after the collector (re)starts: its
		 * own downtime is not theirs */
		if (cfg->stale_ms && now > a->start_ns + cfg->stale_ms * NS_PER_MS &&
		    (err = alertdb__silent(a->db, now - cfg->stale_ms * NS_PER_MS, silent_one, t)))
			return err;
		if ((err = alertdb__resolve_orphans(a->db, now, &n)))
			return err;
		a->pending.resolved += n;
		a->enqueued |= n > 0;
		/* an alert routed to a sink since removed still resolves there: no one delivers it */
		if ((err = outbox__orphans(o, cfg, &n)))
			return err;
		a->pending.dropped += n;
		if (n)
			log_warn("alerting: %u notification(s) for sinks no longer configured; kept as dead", n);
	}
	for (size_t i = 0; i < cfg->n_sinks; i++) {
		const struct alert_sink *s = &cfg->sinks[i];
		bool any;

		if (s->type != SINK_ALERTMANAGER || now < a->next_resend_ns[i])
			continue;
		a->next_resend_ns[i] = now + cfg->resend_ms * NS_PER_MS;
		if ((err = outbox__drop_resends(o, s->name)) ||
		    (err = alertdb__sink_has_firing(a->db, s->name, &any)))
			return err;
		if (any && (err = outbox__enqueue(o, s->name, OUTBOX_RESEND, "", (int64_t)now, now, false, 0,
						  NULL)))
			return err;
		a->enqueued |= any;
	}
	if (now >= a->next_expire_ns) {
		a->next_expire_ns = now + EXPIRE_EVERY_NS;
		if ((err = outbox__expire(o, now - KEEP_RESOLVED_NS)) ||
		    (err = alertdb__expire(a->db, now - KEEP_RESOLVED_NS)))
			return err;
	}
	if ((err = outbox__depth(o, &depth)))
		return err;
	metrics__set(a->metrics, outbox_depth, depth);
	t->kick = a->enqueued;
	return 0;
}

static void *ticker(void *arg)
{
	struct alerts *a = arg;

	pthread_mutex_lock(&a->lock);
	while (!a->stopping) {
		struct tick t = { .a = a };
		struct timespec ts;
		int err;

		pthread_mutex_unlock(&a->lock);
		t.now = clock__realtime_ns();
		err = store__tx(a->store, tick, &t);
		if (err)
			log_error("alerts: periodic work failed (%s); trying again", strerror(-err));
		else if (t.kick)
			dispatch__kick(a->dispatch);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&a->lock);
		if (!a->stopping)
			pthread_cond_timedwait(&a->cond, &a->lock, &ts);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/* --- lifecycle --- */

struct setup {
	struct alerts *a;
	unsigned orphans;
};

static int open_db(struct db *db, void *arg)
{
	struct setup *s = arg;
	int err = alertdb__open(db, &s->a->db);

	return err ?: outbox__orphans(alertdb__outbox(s->a->db), s->a->cfg, &s->orphans);
}

/* Every transaction of the store's ends here, under its lock (store_end_fn). */
static void tx_end(void *ctx, bool committed)
{
	struct alerts *a = ctx;

	if (committed) {
		for (size_t at = 0; at < a->pending.log_len; at += strlen(a->pending.log + at) + 1)
			log_info("%s", a->pending.log + at);
		metrics__add(a->metrics, alerts_fired, a->pending.fired);
		metrics__add(a->metrics, alerts_resolved, a->pending.resolved);
		metrics__add(a->metrics, alerts_deduplicated, a->pending.deduplicated);
		metrics__add(a->metrics, notifications_dropped, a->pending.dropped);
	}
	a->pending.fired = a->pending.resolved = a->pending.deduplicated = a->pending.dropped = 0;
	a->pending.log_len = 0;
}

static int hook(void *ctx, struct db *db, const struct ingest_batch *b,
		const struct ingest_event *e, uint64_t now)
{
	struct alerts *a = ctx;
	int err;

	a->enqueued = false;
	err = engine__on_event(a, db, b, e, now);
	/* the rows are not committed yet: a woken worker waits for the store's lock */
	if (!err && a->enqueued)
		dispatch__kick(a->dispatch);
	if (err)
		log_error("alerts: cannot record the alerts of an event (%s); the batch is refused",
			  strerror(-err));
	return err;
}

int alerts__start(struct cfgref *ref, struct store *store, struct metrics *metrics,
		  struct alerts **out, char *err, size_t errlen)
{
	const struct alertcfg *cfg = cfgref__cfg(ref);
	struct alerts *a = calloc(1, sizeof(*a));
	struct setup s = { .a = a };
	int rc;

	*out = NULL;
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* reference-counted; main() made the first, thread-unsafe call */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	a->ref = cfgref__get(ref);
	a->cfg = cfg;
	a->store = store;
	a->metrics = metrics;
	a->start_ns = clock__realtime_ns();
	for (size_t i = 0; i < cfg->n_sinks; i++)
		a->next_resend_ns[i] = a->start_ns + cfg->resend_ms * NS_PER_MS;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	rc = store__tx(store, open_db, &s);
	if (rc) {
		snprintf(err, errlen, "alerting: cannot prepare the outbox: %s", strerror(-rc));
		goto failed;
	}
	metrics__add(metrics, notifications_dropped, s.orphans);
	if (s.orphans)
		log_warn("alerting: %u undelivered notification(s) were for sinks no longer configured; "
			 "kept as dead in the outbox", s.orphans);
	rc = dispatch__start(ref, store, a->db, metrics, &a->dispatch);
	if (rc) {
		snprintf(err, errlen, "alerting: cannot start delivery: %s", strerror(-rc));
		goto failed;
	}
	if (pthread_create(&a->ticker, NULL, ticker, a)) {
		rc = -EAGAIN;
		snprintf(err, errlen, "alerting: cannot start a thread");
		goto failed;
	}
	a->ticker_started = true;
	store__set_hook(store, hook, tx_end, a);
	log_info("alerting: %zu route(s) to %zu sink(s)", cfg->n_routes, cfg->n_sinks);
	*out = a;
	return 0;
failed:
	alerts__stop(a);
	return rc;
}

/* --- reload --- */

struct swap {
	struct alerts *a;
	struct cfgref *next;
	struct cfgref *old;
};

/* Under the store's lock: no hook or tick sees half of it. */
static void swap_cfg(void *arg)
{
	struct swap *sw = arg;
	struct alerts *a = sw->a;
	const struct alertcfg *old = a->cfg, *cfg = cfgref__cfg(sw->next);
	uint64_t resend[ALERT_MAX_SINKS] = { 0 }, now = clock__realtime_ns();

	/* resend timers follow their sink by name, as indexes move */
	for (size_t i = 0; i < cfg->n_sinks; i++) {
		int j = alertcfg__sink_index(old, cfg->sinks[i].name);
		uint64_t next = now + cfg->resend_ms * NS_PER_MS;

		resend[i] = j >= 0 && a->next_resend_ns[j] < next ? a->next_resend_ns[j] : next;
	}
	memcpy(a->next_resend_ns, resend, sizeof(resend));
	sw->old = a->ref;
	a->ref = cfgref__get(sw->next);
	a->cfg = cfg;
}

struct orphans {
	struct alerts *a;
	unsigned n;
};

static int mark_orphans(struct db *db, void *arg)
{
	struct orphans *o = arg;

	(void)db;
	return outbox__orphans(alertdb__outbox(o->a->db), o->a->cfg, &o->n);
}

int alerts__reload(struct alerts *a, struct cfgref *ref)
{
	const struct alertcfg *old = a->cfg, *cfg = cfgref__cfg(ref);
	struct swap sw = { .a = a, .next = ref };
	struct orphans o = { .a = a };
	char gone[512] = "";
	size_t len = 0;
	int err, rc;

	/* a->cfg changes on this thread only: reading it here needs no lock */
	for (size_t i = 0; i < old->n_sinks; i++)
		if (alertcfg__sink_index(cfg, old->sinks[i].name) < 0 && len < sizeof(gone))
			len += (size_t)snprintf(gone + len, sizeof(gone) - len, "%s%s", len ? ", " : "",
						old->sinks[i].name);
	/* first the threads: a removed sink's worker must not finish a round
	 * (deliver, or drop and count) after its rows are marked dead below */
	rc = dispatch__reload(a->dispatch, ref);
	store__locked(a->store, swap_cfg, &sw);

	/* now, rather than at the ticker's next pass, so the log says it with the reload */
	err = store__tx(a->store, mark_orphans, &o);
	if (err) {
		log_warn("alerting: cannot mark the notifications of removed sinks yet (%s); trying again shortly",
			 strerror(-err));
		o.n = 0; /* rolled back: the ticker marks them */
	}
	metrics__add(a->metrics, notifications_dropped, o.n);
	if (*gone)
		log_warn("alerting: sink(s) %s removed by the reload: %u undelivered notification(s) for "
			 "them kept in the outbox as dead (sink no longer configured), not sent", gone, o.n);
	else if (o.n)
		log_warn("alerting: %u notification(s) for sinks no longer configured; kept as dead", o.n);

	cfgref__put(sw.old); /* delivery threads still in a round hold their own */
	log_info("alerting: %zu route(s) to %zu sink(s)", cfg->n_routes, cfg->n_sinks);
	return rc;
}

void alerts__kick(struct alerts *a)
{
	if (a)
		dispatch__kick(a->dispatch);
}

static int close_db(struct db *db, void *arg)
{
	struct alerts *a = arg;

	(void)db;
	alertdb__close(a->db);
	a->db = NULL;
	return 0;
}

void alerts__stop(struct alerts *a)
{
	if (!a)
		return;
	store__set_hook(a->store, NULL, NULL, NULL);
	pthread_mutex_lock(&a->lock);
	a->stopping = true;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
	if (a->ticker_started)
		pthread_join(a->ticker, NULL);
	dispatch__stop(a->dispatch);
	/* finalizing statements uses the connection: under its lock */
	if (a->db)
		store__tx(a->store, close_db, a);
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->lock);
	free(a->pending.log);
	cfgref__put(a->ref);
	free(a);
	curl_global_cleanup(); /* pairs with the init in alerts__start */
}
