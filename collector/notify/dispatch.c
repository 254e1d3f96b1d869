// SPDX-License-Identifier: Apache-2.0
#include "notify/dispatch.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notify/alertview.h"
#include "os/clock.h"
#include "os/log.h"
#include "payload/payload.h"
#include "replicas/lease.h"
#include "notify/sink.h"
#include "net/retry.h"

#define AM_BATCH 32          /* outbox rows per Alertmanager POST */
#define IDLE_WAIT_MS 1000    /* a wait never longer: the CLI may have queued rows */
#define ERROR_WAIT_MS 1000
#define SINK_LEASE_SLACK_MS 5000 /* beyond twice the sink's timeout */
#define NS_PER_MS 1000000ULL

struct worker {
	struct dispatch *d;
	char name[ALERT_SINK_NAME_MAX + 1]; /* the sink's, looked up in each round's snapshot */
	struct sink_http *http;
	uint64_t timeout_ms;  /* what http uses */
	bool stop;            /* atomically: this thread ends, and its request in flight */
	pthread_t thread;
};

struct dispatch {
	struct cfgref_slot cfg;
	struct store *store;
	struct alertdb *db;
	struct metrics *metrics;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stopping;
	uint64_t kicks;
	/* changed only by the thread that starts, reloads and stops the engine */
	struct worker *w[ALERT_MAX_SINKS];
	size_t n;
};

/* What one round takes from the outbox, and the alerts it names. */
struct round {
	struct worker *w;
	const struct alertcfg *cfg;    /* the snapshot this round holds a reference to */
	const struct alert_sink *sink; /* in it */
	uint64_t now_ns;
	uint64_t answered_ns;          /* when the sink answered: a retry waits from then */
	struct outbox_row rows[AM_BATCH];
	size_t n;
	uint64_t next_due_ns;
	struct notification notes[AM_BATCH];
	struct alert_views views[AM_BATCH];
	struct alert_view single[AM_BATCH];
	size_t n_notes;  /* notifications with something to say */
	char *body;
	struct sink_result res;
	/* counted once record's transaction commits: a failed one changed nothing */
	uint64_t sent, dropped;
};

static void free_round(struct round *r)
{
	for (size_t i = 0; i < r->n; i++) {
		alertview__free(&r->single[i]);
		alertview__free_all(&r->views[i]);
	}
	free(r->body);
	r->body = NULL;
}

/* A notification for row i, or none (n == 0) when there is nothing to send. */
static int load_note(struct round *r, struct db *db, size_t i)
{
	const struct outbox_row *row = &r->rows[i];
	const struct alert_sink *s = r->sink;
	struct notification *note = &r->notes[i];
	struct alert_views *vs = &r->views[i];
	bool am = s->type == SINK_ALERTMANAGER;
	int err = 0;

	memset(note, 0, sizeof(*note));
	memset(vs, 0, sizeof(*vs));
	memset(&r->single[i], 0, sizeof(r->single[i]));
	note->action = row->action;
	note->id = row->id;
	note->dedup_key = row->ref;
	note->at_ns = row->at_ns;
	switch (row->action) {
	case OUTBOX_TRIGGER:
	case OUTBOX_RESOLVE:
		if (row->action == OUTBOX_RESOLVE && !s->send_resolved)
			return 0;
		err = alertview__load(db, row->ref, &r->single[i]);
		if (err == -ENOENT)
			return 0; /* expired meanwhile: nothing left to say */
		if (!err) {
			note->alerts = &r->single[i];
			note->n = note->total = 1;
		}
		break;
	case OUTBOX_GROUP:
	case OUTBOX_GROUP_RESOLVE:
		if (am || (row->action == OUTBOX_GROUP_RESOLVE && !s->send_resolved))
			return 0;
		err = row->action == OUTBOX_GROUP
			      ? alertview__group(db, row->id, ALERTVIEW_MAX_LISTED, vs)
			      : alertview__group_key(db, s->name, row->ref, ALERTVIEW_MAX_LISTED, vs);
		break;
	case OUTBOX_LATE_RESOLVE:
		/* the notice already said it was closed; only an incident needs ending */
		if (s->type != SINK_PAGERDUTY)
			return 0;
		err = alertview__load(db, row->ref, &r->single[i]);
		if (!err) {
			note->alerts = &r->single[i];
			note->n = note->total = 1;
		} else if (err == -ENOENT) {
			err = alertview__group_key(db, s->name, row->ref, ALERTVIEW_MAX_LISTED, vs);
		}
		break;
	case OUTBOX_RESEND:
		if (!am)
			return 0;
		/* a page; the next one is queued once this one is delivered */
		err = alertview__firing(db, s->name, row->ref, ALERTVIEW_MAX_RESEND, vs);
		break;
	default:
		return 0; /* written by a newer build: not ours to read */
	}
	if (!err && vs->n) {
		note->alerts = vs->v;
		note->n = vs->n;
		note->total = vs->total > vs->n ? vs->total : vs->n;
	}
	return err;
}

/*
 * Takes or renews the round's sink's lease: one collector sends a sink's
 * rows, in order. It is renewed each round, and outlasts a send with its
 * retries' worst timeout.
 */
static int sink_lease(struct db *db, const struct round *r, uint64_t now_ns, bool *held)
{
	char name[LEASE_NAME_MAX];

	snprintf(name, sizeof(name), "sink/%s", r->sink->name);
	return store__lease(r->w->d->store, db, name, now_ns,
			    (2 * r->cfg->timeout_ms + SINK_LEASE_SLACK_MS) * NS_PER_MS, held);
}

static int take(struct db *db, void *arg)
{
	struct round *r = arg;
	struct dispatch *d = r->w->d;
	size_t max = r->sink->type == SINK_ALERTMANAGER ? AM_BATCH : 1;
	bool held;
	int err;

	err = sink_lease(db, r, r->now_ns, &held);
	if (err || !held)
		return err;
	err = outbox__peek(alertdb__outbox(d->db), r->sink->name, r->now_ns, r->rows, max, &r->n,
			   &r->next_due_ns);
	for (size_t i = 0; i < r->n && !err; i++) {
		err = load_note(r, db, i);
		if (!err && r->notes[i].n)
			r->n_notes++;
	}
	return err;
}

static void failed(struct round *r, size_t i, const char *why)
{
	struct dispatch *d = r->w->d;
	struct outbox *o = alertdb__outbox(d->db);
	const struct outbox_row *row = &r->rows[i];

	if (outbox__dead(o, row->id, why))
		return;
	r->dropped++;
	log_error("alert sink %s: %s notification %" PRId64 " for %s dropped: %s", r->sink->name,
		  outbox_action__name(row->action), row->id, row->ref[0] ? row->ref : "firing alerts", why);
}

/*
 * Every firing alert is re-sent before its endsAt: a resend that does not
 * fit one page queues the next page, due at once, after the last key sent.
 * No kind of alert can be starved by the order of another.
 */
static int next_resend_page(struct round *r, struct outbox *o, size_t i)
{
	const struct alert_views *vs = &r->views[i];

	if (!vs->n || vs->total <= vs->n)
		return 0;
	return outbox__enqueue(o, r->sink->name, OUTBOX_RESEND, vs->v[vs->n - 1].key, r->rows[i].at_ns,
			       r->now_ns, false, 0, NULL);
}

static int record(struct db *db, void *arg)
{
	struct round *r = arg;
	struct dispatch *d = r->w->d;
	const struct alertcfg *cfg = r->cfg;
	struct outbox *o = alertdb__outbox(d->db);
	const struct retry_policy policy = {
		.initial_ms = cfg->backoff_ms,
		.max_ms = cfg->max_backoff_ms,
		.max_retry_after_ms = RETRY_AFTER_MAX_MS,
	};
	bool held;
	int err;

	r->sent = r->dropped = 0;
	/* a send that outlasted the lease: another collector may have these
	 * rows too; they are recorded all the same, which stops it at once if
	 * it has not sent them yet, and its sink's dedup key absorbs it if it has */
	err = sink_lease(db, r, clock__realtime_ns(), &held);
	if (!err && !held)
		log_warn("alert sink %s: its lease ran out during a send; another collector may send it again",
			 r->sink->name);
	for (size_t i = 0; i < r->n && !err; i++) {
		const struct outbox_row *row = &r->rows[i];
		uint64_t wait_ms, age_ms;

		if (!r->body || r->res.outcome == SINK_DELIVERED) {
			err = outbox__done(o, row->id);
			if (!err && r->body && r->notes[i].n)
				r->sent++;
			if (!err && r->body && row->action == OUTBOX_RESEND)
				err = next_resend_page(r, o, i);
			continue;
		}
		if (r->res.outcome == SINK_REJECTED) {
			failed(r, i, r->res.error);
			continue;
		}
		age_ms = r->now_ns > row->created_ns ? (r->now_ns - row->created_ns) / NS_PER_MS : 0;
		if (age_ms >= cfg->give_up_ms) {
			char why[200];

			snprintf(why, sizeof(why), "undelivered after %" PRIu64 " s (%s)", age_ms / 1000,
				 r->res.error);
			failed(r, i, why);
			continue;
		}
		wait_ms = retry__wait_ms(&policy, row->attempts + 1, r->res.retry_after_ms);
		/* from the answer, not the round's start: a Retry-After of 1 s is
		 * 1 s after the sink said it, however long the round took before */
		err = outbox__retry(o, row->id, r->answered_ns + wait_ms * NS_PER_MS, r->res.error);
		if (!err && i == 0)
			log_warn("alert sink %s: %s; attempt %u of notification %" PRId64 " failed, next in %" PRIu64 " ms",
				 r->sink->name, r->res.error, row->attempts + 1, row->id, wait_ms);
	}
	return err;
}

static void wait_for(struct dispatch *d, uint64_t until_ns, uint64_t seen_kicks)
{
	struct timespec ts = { .tv_sec = (time_t)(until_ns / 1000000000ULL),
			       .tv_nsec = (long)(until_ns % 1000000000ULL) };

	pthread_mutex_lock(&d->lock);
	while (!d->stopping && d->kicks == seen_kicks) {
		if (pthread_cond_timedwait(&d->cond, &d->lock, &ts) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&d->lock);
}

/* Takes what is due, sends it, records the outcome; or waits. */
static void one_round(struct round *r, uint64_t kicks)
{
	struct worker *w = r->w;
	struct dispatch *d = w->d;
	int err;

	r->now_ns = clock__realtime_ns();
	err = store__tx(d->store, take, r);
	if (err) {
		log_error("alert sink %s: cannot read the outbox (%s); retrying", w->name, strerror(-err));
		wait_for(d, clock__realtime_ns() + ERROR_WAIT_MS * NS_PER_MS, kicks);
		return;
	}
	if (!r->n) {
		uint64_t until = r->now_ns + IDLE_WAIT_MS * NS_PER_MS;

		if (r->next_due_ns && r->next_due_ns < until)
			until = r->next_due_ns;
		wait_for(d, until, kicks);
		return;
	}
	if (r->n_notes) {
		r->body = payload__build(r->cfg, r->sink, r->notes, r->n, r->now_ns);
		if (!r->body) {
			log_error("alert sink %s: out of memory building a notification", w->name);
			wait_for(d, clock__realtime_ns() + ERROR_WAIT_MS * NS_PER_MS, kicks);
			return;
		}
		sink_http__post(w->http, r->sink, r->body, r->rows[0].id, &r->res);
		r->answered_ns = clock__realtime_ns();
		/* abandoned because this thread is stopping (shutdown, or its sink
		 * removed by a reload): not the sink's failure, and the rows stay
		 * as they were for the next collector or the reload's bookkeeping */
		if (r->res.outcome != SINK_DELIVERED && __atomic_load_n(&w->stop, __ATOMIC_RELAXED))
			return;
		if (r->res.outcome != SINK_DELIVERED)
			metrics__add(d->metrics, sink_failures, 1);
		else
			log_debug("alert sink %s: delivered %zu notification(s) from %" PRId64, w->name,
				  r->n_notes, r->rows[0].id);
	}
	/* nothing to say (an end the sink does not want, an alert gone): the rows just go */
	if ((err = store__tx(d->store, record, r))) {
		log_error("alert sink %s: cannot update the outbox (%s); the notification may be sent again",
			  w->name, strerror(-err));
		return;
	}
	metrics__add(d->metrics, notifications_sent, r->sent);
	metrics__add(d->metrics, notifications_dropped, r->dropped);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct dispatch *d = w->d;

	for (;;) {
		struct round r = { .w = w };
		struct cfgref *ref;
		uint64_t kicks;
		int i;

		pthread_mutex_lock(&d->lock);
		kicks = d->kicks;
		if (d->stopping || __atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
			pthread_mutex_unlock(&d->lock);
			break;
		}
		pthread_mutex_unlock(&d->lock);

		ref = cfgref_slot__acquire(&d->cfg);
		i = ref ? alertcfg__sink_index(cfgref__cfg(ref), w->name) : -ENOENT;
		if (i < 0) {
			/* only between a reload's swap and this thread being stopped */
			cfgref__put(ref);
			wait_for(d, clock__realtime_ns() + IDLE_WAIT_MS * NS_PER_MS, kicks);
			continue;
		}
		r.cfg = cfgref__cfg(ref);
		r.sink = &r.cfg->sinks[i];
		if (r.cfg->timeout_ms != w->timeout_ms) {
			sink_http__set_timeout(w->http, r.cfg->timeout_ms);
			w->timeout_ms = r.cfg->timeout_ms;
		}
		one_round(&r, kicks);
		free_round(&r);
		cfgref__put(ref);
	}
	return NULL;
}

void dispatch__kick(struct dispatch *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->kicks++;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

static int add_worker(struct dispatch *d, const char *name, uint64_t timeout_ms)
{
	struct worker *w;
	int err;

	if (d->n >= ALERT_MAX_SINKS)
		return -ENOSPC;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->d = d;
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->timeout_ms = timeout_ms;
	err = sink_http__new(timeout_ms, &w->stop, &w->http);
	if (!err && pthread_create(&w->thread, NULL, work, w))
		err = -EAGAIN;
	if (err) {
		sink_http__free(w->http);
		free(w);
		return err;
	}
	d->w[d->n++] = w;
	return 0;
}

/* Has w->stop set already; wakes it, waits for it, frees it. */
static void end_worker(struct dispatch *d, struct worker *w)
{
	dispatch__kick(d);
	pthread_join(w->thread, NULL);
	sink_http__free(w->http);
	free(w);
}

void dispatch__stop(struct dispatch *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->stopping = true;
	for (size_t i = 0; i < d->n; i++)
		__atomic_store_n(&d->w[i]->stop, true, __ATOMIC_RELAXED); /* also read by sink requests */
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	for (size_t i = 0; i < d->n; i++)
		end_worker(d, d->w[i]);
	d->n = 0;
	cfgref_slot__fini(&d->cfg);
	pthread_cond_destroy(&d->cond);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

int dispatch__start(struct cfgref *cfg, struct store *store, struct alertdb *db,
		    struct metrics *metrics, struct dispatch **out)
{
	const struct alertcfg *c = cfgref__cfg(cfg);
	struct dispatch *d = calloc(1, sizeof(*d));
	int err = 0;

	*out = NULL;
	if (!d)
		return -ENOMEM;
	cfgref_slot__init(&d->cfg, cfg);
	d->store = store;
	d->db = db;
	d->metrics = metrics;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	for (size_t i = 0; i < c->n_sinks && !err; i++)
		err = add_worker(d, c->sinks[i].name, c->timeout_ms);
	if (err) {
		dispatch__stop(d);
		return err;
	}
	*out = d;
	return 0;
}

int dispatch__reload(struct dispatch *d, struct cfgref *cfg)
{
	const struct alertcfg *c = cfgref__cfg(cfg);
	size_t kept = 0;
	int err = 0;

	/* first the sinks that went: none of their threads may outlive the
	 * swap and start a round on a sink that is no longer there */
	for (size_t i = 0; i < d->n; i++) {
		struct worker *w = d->w[i];

		if (alertcfg__sink_index(c, w->name) >= 0) {
			d->w[kept++] = w;
			continue;
		}
		log_info("alert sink %s: removed by the reload; stopping its delivery", w->name);
		__atomic_store_n(&w->stop, true, __ATOMIC_RELAXED);
		end_worker(d, w);
	}
	d->n = kept;
	cfgref_slot__swap(&d->cfg, cfg);
	for (size_t i = 0; i < c->n_sinks; i++) {
		bool running = false;
		int rc;

		for (size_t j = 0; j < d->n && !running; j++)
			running = !strcmp(d->w[j]->name, c->sinks[i].name);
		if (running)
			continue;
		rc = add_worker(d, c->sinks[i].name, c->timeout_ms);
		if (rc) {
			log_error("alert sink %s: cannot start its delivery thread (%s); its notifications "
				  "wait in the outbox until the next reload or restart", c->sinks[i].name,
				  strerror(-rc));
			err = err ?: rc;
			continue;
		}
		log_info("alert sink %s: added by the reload", c->sinks[i].name);
	}
	dispatch__kick(d);
	return err;
}
