// SPDX-License-Identifier: Apache-2.0
#include "storage/alertdb.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/alertdbsql.h"

#define MAX_BATCH 64 /* rows handled per statement round, so nothing grows unbounded */

struct alertdb {
	sqlite3 *db;
	sqlite3_stmt *st[Q__COUNT];
	struct outbox *outbox;
};

int alertdb__open(sqlite3 *db, struct alertdb **out)
{
	struct alertdb *d = calloc(1, sizeof(*d));
	int err;

	*out = NULL;
	if (!d)
		return -ENOMEM;
	d->db = db;
	for (int i = 0; i < Q__COUNT; i++) {
		if (sqlite3_prepare_v3(db, alertdb_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &d->st[i], NULL) != SQLITE_OK) {
			alertdb__close(d);
			return -EIO;
		}
	}
	if ((err = outbox__open(db, &d->outbox))) {
		alertdb__close(d);
		return err;
	}
	*out = d;
	return 0;
}

void alertdb__close(struct alertdb *d)
{
	if (!d)
		return;
	for (int i = 0; i < Q__COUNT; i++)
		sqlite3_finalize(d->st[i]);
	outbox__close(d->outbox);
	free(d);
}

struct outbox *alertdb__outbox(struct alertdb *d)
{
	return d->outbox;
}

/* --- statement helpers: every statement is reset and cleared after use --- */

static sqlite3_stmt *q(struct alertdb *d, int i)
{
	return d->st[i];
}

static void text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void i64(sqlite3_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(st, i, v);
}

static int finish(sqlite3_stmt *st, int rc)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -EIO;
}

static int exec(sqlite3_stmt *st)
{
	return finish(st, sqlite3_step(st));
}

/* --- alerts --- */

int alertdb__state(struct alertdb *d, const char *key, enum alert_state *out)
{
	sqlite3_stmt *st = q(d, Q_STATE);
	int rc;

	text(st, 1, key);
	rc = sqlite3_step(st);
	*out = ALERT_ABSENT;
	if (rc == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);

		*out = s && !strcmp(s, "firing") ? ALERT_FIRING : ALERT_RESOLVED;
	}
	return finish(st, rc);
}

int alertdb__firing_netns_cookie(struct alertdb *d, const char *key, uint64_t *cookie)
{
	sqlite3_stmt *st = q(d, Q_FIRING_DETAILS);
	int rc;

	*cookie = 0;
	text(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *cur = (const char *)sqlite3_column_text(st, 0), *name, *value;
		size_t nlen, vlen;

		while (cur && alert__kv_next(&cur, &name, &nlen, &value, &vlen)) {
			if (nlen == 12 && !strncmp(name, "netns_cookie", 12)) {
				*cookie = strtoull(value, NULL, 10);
				break;
			}
		}
	}
	return finish(st, rc);
}

int alertdb__fire(struct alertdb *d, const struct alert *a, uint64_t now_ns)
{
	sqlite3_stmt *st = q(d, Q_FIRE);
	int err;

	text(st, 1, a->key);
	text(st, 2, store_kind__name(a->kind));
	sqlite3_bind_int(st, 3, a->severity);
	text(st, 4, a->alertname);
	text(st, 5, a->host);
	text(st, 6, a->namespace);
	text(st, 7, a->pod);
	text(st, 8, a->service);
	text(st, 9, a->rule);
	text(st, 10, a->fingerprint);
	text(st, 11, a->agent_id);
	text(st, 12, a->labels);
	text(st, 13, a->details);
	text(st, 14, a->summary);
	text(st, 15, a->description);
	i64(st, 16, (int64_t)a->count);
	i64(st, 17, a->at_ns);
	i64(st, 18, (int64_t)now_ns);
	if ((err = exec(st)))
		return err;
	st = q(d, Q_UNROUTE);
	text(st, 1, a->key);
	return exec(st);
}

int alertdb__update(struct alertdb *d, const struct alert *a, uint64_t now_ns, bool *changed)
{
	sqlite3_stmt *st = q(d, Q_UPDATE);
	int err;

	text(st, 1, a->key);
	sqlite3_bind_int(st, 2, a->severity);
	text(st, 3, a->labels);
	text(st, 4, a->details);
	text(st, 5, a->summary);
	text(st, 6, a->description);
	i64(st, 7, a->at_ns);
	i64(st, 8, (int64_t)now_ns);
	err = exec(st);
	*changed = !err && sqlite3_changes(d->db) > 0;
	return err;
}

int alertdb__routed(struct alertdb *d, const char *key, const char *sink, bool *routed)
{
	sqlite3_stmt *st = q(d, Q_ROUTED);
	int rc;

	text(st, 1, key);
	text(st, 2, sink);
	rc = sqlite3_step(st);
	*routed = rc == SQLITE_ROW;
	return finish(st, rc);
}

int alertdb__unroute(struct alertdb *d, const char *key, const char *sink)
{
	sqlite3_stmt *st = q(d, Q_UNROUTE_SINK);

	text(st, 1, key);
	text(st, 2, sink);
	return exec(st);
}

int alertdb__route(struct alertdb *d, const char *key, const char *sink, int64_t group_row)
{
	sqlite3_stmt *st = q(d, Q_ROUTE);

	text(st, 1, key);
	text(st, 2, sink);
	if (group_row)
		i64(st, 3, group_row);
	return exec(st);
}

int alertdb__bump(struct alertdb *d, const char *key, uint64_t count, int64_t at_ns, uint64_t now_ns)
{
	sqlite3_stmt *st = q(d, Q_BUMP);

	text(st, 1, key);
	i64(st, 2, (int64_t)count);
	i64(st, 3, at_ns);
	i64(st, 4, (int64_t)now_ns);
	return exec(st);
}

struct routed {
	char sink[ALERT_SINK_NAME_MAX + 1];
	int64_t group_row;
	char group_key[ALERTKEY_LEN];
};

static int group_firing(struct alertdb *d, const char *sink, const char *group_key, bool *any)
{
	sqlite3_stmt *st = q(d, Q_GROUP_FIRING);
	int rc;

	text(st, 1, sink);
	text(st, 2, group_key);
	rc = sqlite3_step(st);
	*any = rc == SQLITE_ROW;
	return finish(st, rc);
}

static int row_held(struct alertdb *d, int64_t id, bool *held)
{
	sqlite3_stmt *st = q(d, Q_ROW_STATE);
	int rc;

	i64(st, 1, id);
	rc = sqlite3_step(st);
	*held = rc == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(st, 0) ?: "", "held");
	return finish(st, rc);
}

int alertdb__resolve(struct alertdb *d, const char *key, int64_t at_ns, uint64_t now_ns, bool *resolved)
{
	struct routed to[ALERT_MAX_SINKS];
	sqlite3_stmt *st = q(d, Q_RESOLVE);
	size_t n = 0;
	int rc, err;

	*resolved = false;
	text(st, 1, key);
	i64(st, 2, at_ns);
	i64(st, 3, (int64_t)now_ns);
	if ((err = exec(st)))
		return err;
	if (!sqlite3_changes(d->db))
		return 0;
	*resolved = true;

	st = q(d, Q_SINKS_OF);
	text(st, 1, key);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < ALERT_MAX_SINKS) {
		snprintf(to[n].sink, sizeof(to[n].sink), "%s", sqlite3_column_text(st, 0));
		to[n].group_row = sqlite3_column_int64(st, 1);
		snprintf(to[n].group_key, sizeof(to[n].group_key), "%s", sqlite3_column_text(st, 2));
		n++;
	}
	if ((err = finish(st, rc)))
		return err;

	for (size_t i = 0; i < n && !err; i++) {
		bool other = false, held = false;

		if (to[i].group_key[0]) {
			/* announced in a group: its end is the end of the last one in it */
			err = group_firing(d, to[i].sink, to[i].group_key, &other);
			if (!err && !other)
				err = outbox__enqueue(d->outbox, to[i].sink, OUTBOX_GROUP_RESOLVE,
						      to[i].group_key, at_ns, now_ns, false, 0, NULL);
			continue;
		}
		if (to[i].group_row && (err = row_held(d, to[i].group_row, &held)))
			break;
		if (held)
			continue; /* never announced: the group goes without it */
		err = outbox__enqueue(d->outbox, to[i].sink, OUTBOX_RESOLVE, key, at_ns, now_ns, false, 0,
				      NULL);
	}
	return err;
}

/* --- listener groups --- */

int alertdb__group(struct alertdb *d, const char *sink, const char *host, uint64_t *window_end_ns,
		   int64_t *held)
{
	sqlite3_stmt *st = q(d, Q_GROUP_GET);
	int rc, err;

	text(st, 1, sink);
	text(st, 2, host);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*window_end_ns = (uint64_t)sqlite3_column_int64(st, 0);
		*held = sqlite3_column_int64(st, 1);
	}
	err = finish(st, rc);
	return err ? err : rc == SQLITE_ROW ? 0 : -ENOENT;
}

int alertdb__set_group(struct alertdb *d, const char *sink, const char *host, uint64_t window_end_ns,
		       int64_t held)
{
	sqlite3_stmt *st = q(d, Q_GROUP_PUT);

	text(st, 1, sink);
	text(st, 2, host);
	i64(st, 3, (int64_t)window_end_ns);
	i64(st, 4, held);
	return exec(st);
}

static int by_id(struct alertdb *d, int which, int64_t id)
{
	sqlite3_stmt *st = q(d, which);

	i64(st, 1, id);
	return exec(st);
}

struct held_group {
	int64_t id;
	char ref[ALERTKEY_LEN]; /* the group's key */
	char sink[ALERT_SINK_NAME_MAX + 1];
};

struct group_members {
	int64_t total, firing;
	char first[ALERTKEY_LEN]; /* the lowest key, for a group of one */
	int64_t last_end_ns;      /* when the last of them closed */
};

static int group_members(struct alertdb *d, int64_t id, struct group_members *m)
{
	sqlite3_stmt *st = q(d, Q_GROUP_COUNT);
	int rc;

	memset(m, 0, sizeof(*m));
	i64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		m->total = sqlite3_column_int64(st, 0);
		m->firing = sqlite3_column_int64(st, 1);
		snprintf(m->first, sizeof(m->first), "%s",
			 sqlite3_column_text(st, 2) ?: (const unsigned char *)"");
		m->last_end_ns = sqlite3_column_int64(st, 3);
	}
	return finish(st, rc);
}

/*
 * A held group falls due. Every member is announced, those that already
 * closed as closed (the notice says for how long they were open): an
 * exposure that opened and closed inside the window is still heard of once.
 * When none is left open, a late resolve follows for the sinks that keep
 * incidents open (PagerDuty); the others have already been told.
 */
static int flush_one(struct alertdb *d, const struct held_group *g, uint64_t now_ns, uint64_t window_ns,
		     bool *sent)
{
	struct group_members m;
	sqlite3_stmt *st;
	int err;

	if ((err = group_members(d, g->id, &m)))
		return err;
	*sent = m.total > 0;
	if (!m.total) {
		/* its members were routed elsewhere meanwhile: nothing to say */
		err = by_id(d, Q_ROW_DELETE, g->id);
		err = err ?: by_id(d, Q_GROUP_RELEASE, g->id);
	} else if (m.total == 1) {
		/* one: it goes as itself, and resolves as itself */
		st = q(d, Q_GROUP_SINGLE);
		i64(st, 1, g->id);
		text(st, 2, m.first);
		i64(st, 3, (int64_t)now_ns);
		err = exec(st);
		err = err ?: by_id(d, Q_GROUP_RELEASE, g->id);
	} else {
		st = q(d, Q_GROUP_SEND);
		i64(st, 1, g->id);
		i64(st, 2, (int64_t)now_ns);
		err = exec(st);
		if (!err) {
			st = q(d, Q_GROUP_MARK);
			i64(st, 1, g->id);
			text(st, 2, g->ref);
			err = exec(st);
		}
	}
	if (!err && m.total && !m.firing)
		err = outbox__enqueue(d->outbox, g->sink, OUTBOX_LATE_RESOLVE, m.total == 1 ? m.first : g->ref,
				      m.last_end_ns, now_ns, false, 0, NULL);
	if (err)
		return err;
	/* a storm that goes on gets one notification per window */
	st = q(d, Q_GROUP_WINDOW);
	i64(st, 1, g->id);
	i64(st, 2, *sent ? (int64_t)(now_ns + window_ns) : 0);
	return exec(st);
}

int alertdb__flush_groups(struct alertdb *d, uint64_t now_ns, uint64_t window_ns, unsigned *sent)
{
	struct held_group due[MAX_BATCH];
	sqlite3_stmt *st = q(d, Q_GROUPS_DUE);
	size_t n = 0;
	int rc, err;

	*sent = 0;
	i64(st, 1, (int64_t)now_ns);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < MAX_BATCH) {
		due[n].id = sqlite3_column_int64(st, 0);
		snprintf(due[n].ref, sizeof(due[n].ref), "%s", sqlite3_column_text(st, 1));
		snprintf(due[n].sink, sizeof(due[n].sink), "%s", sqlite3_column_text(st, 2));
		n++;
	}
	if ((err = finish(st, rc)))
		return err;
	for (size_t i = 0; i < n; i++) {
		bool went;

		if ((err = flush_one(d, &due[i], now_ns, window_ns, &went)))
			return err;
		*sent += went;
	}
	return 0;
}

/* --- leaks --- */

int alertdb__leak_acked(struct alertdb *d, const char *fingerprint, bool *acked)
{
	sqlite3_stmt *st = q(d, Q_LEAK_ACKED);
	int rc;

	text(st, 1, fingerprint);
	rc = sqlite3_step(st);
	*acked = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	return finish(st, rc);
}

int alertdb__ack(struct alertdb *d, const char *fingerprint, const char *by, uint64_t now_ns,
		 struct ack_result *r)
{
	sqlite3_stmt *st = q(d, Q_LEAK_ACKED);
	int rc, err;

	memset(r, 0, sizeof(*r));
	text(st, 1, fingerprint);
	rc = sqlite3_step(st);
	r->found = rc == SQLITE_ROW;
	r->already = r->found && sqlite3_column_int(st, 0);
	if ((err = finish(st, rc)) || !r->found)
		return err;
	if (!r->already) {
		st = q(d, Q_LEAK_ACK);
		text(st, 1, fingerprint);
		i64(st, 2, (int64_t)now_ns);
		text(st, 3, by && *by ? by : NULL);
		if ((err = exec(st)))
			return err;
	}
	/* one alert per host; resolving takes them out of the next round */
	for (;;) {
		char keys[MAX_BATCH][ALERTKEY_LEN];
		size_t n = 0;

		st = q(d, Q_LEAK_ALERTS);
		text(st, 1, fingerprint);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < MAX_BATCH)
			snprintf(keys[n++], ALERTKEY_LEN, "%s", sqlite3_column_text(st, 0));
		if ((err = finish(st, rc)))
			return err;
		if (!n)
			return 0;
		for (size_t i = 0; i < n; i++) {
			bool resolved;

			if ((err = alertdb__resolve(d, keys[i], (int64_t)now_ns, now_ns, &resolved)))
				return err;
			if (!resolved)
				return -EIO; /* it was firing a moment ago: do not loop */
			r->resolved++;
		}
	}
}

/* --- is this event the current state? --- */

int alertdb__listener_current(struct alertdb *d, const Leakwatch__V1__Event *ev, bool *current)
{
	const Leakwatch__V1__ListenerEvent *l = ev->listener;
	sqlite3_stmt *st = q(d, Q_LISTENER_CUR);
	int rc;

	text(st, 1, ev->host->hostname);
	i64(st, 2, l->netns);
	text(st, 3, l->protocol == LEAKWATCH__V1__PROTOCOL__PROTOCOL_UDP ? "udp" : "tcp");
	sqlite3_bind_blob(st, 4, l->address.data, (int)l->address.len, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, (int)l->port);
	sqlite3_bind_blob(st, 6, ev->id.data, (int)ev->id.len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*current = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	return finish(st, rc);
}

int alertdb__agent_current(struct alertdb *d, const char *agent_id, const Leakwatch__V1__Event *ev,
			   bool *current)
{
	sqlite3_stmt *st = q(d, Q_AGENT_CUR);
	int rc;

	text(st, 1, agent_id);
	sqlite3_bind_blob(st, 2, ev->id.data, (int)ev->id.len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*current = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	return finish(st, rc);
}

/* --- agents --- */

int alertdb__watch(struct alertdb *d, const char *agent_id, struct agent_watch *w, bool *found)
{
	sqlite3_stmt *st = q(d, Q_WATCH_GET);
	int rc;

	memset(w, 0, sizeof(*w));
	text(st, 1, agent_id);
	rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (*found) {
		w->drops_total = (uint64_t)sqlite3_column_int64(st, 0);
		w->uptime_s = (uint64_t)sqlite3_column_int64(st, 1);
		w->dropped_full = (uint64_t)sqlite3_column_int64(st, 2);
		w->drop_streak = (uint64_t)sqlite3_column_int64(st, 3);
		w->clean_streak = (uint64_t)sqlite3_column_int64(st, 4);
		w->streak_drops = (uint64_t)sqlite3_column_int64(st, 5);
	}
	return finish(st, rc);
}

int alertdb__set_watch(struct alertdb *d, const char *agent_id, const struct agent_watch *w)
{
	sqlite3_stmt *st = q(d, Q_WATCH_PUT);

	text(st, 1, agent_id);
	i64(st, 2, (int64_t)w->drops_total);
	i64(st, 3, (int64_t)w->uptime_s);
	i64(st, 4, (int64_t)w->dropped_full);
	i64(st, 5, (int64_t)w->drop_streak);
	i64(st, 6, (int64_t)w->clean_streak);
	i64(st, 7, (int64_t)w->streak_drops);
	return exec(st);
}

int alertdb__silent(struct alertdb *d, uint64_t cutoff_ns,
		    int (*fn)(void *ctx, const struct silent_agent *a), void *ctx)
{
	sqlite3_stmt *st = q(d, Q_SILENT);
	int rc = SQLITE_DONE, err = 0;

	i64(st, 1, (int64_t)cutoff_ns);
	/* fn writes other tables only; reading agents meanwhile is safe */
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct silent_agent a = {
			.agent_id = (const char *)sqlite3_column_text(st, 0),
			.host = (const char *)sqlite3_column_text(st, 1),
			.version = (const char *)sqlite3_column_text(st, 2),
			.updated_ns = (uint64_t)sqlite3_column_int64(st, 3),
		};

		err = fn(ctx, &a);
	}
	if (err) {
		finish(st, SQLITE_DONE);
		return err;
	}
	return finish(st, rc);
}

int alertdb__resolve_orphans(struct alertdb *d, uint64_t now_ns, unsigned *n)
{
	char keys[MAX_BATCH][ALERTKEY_LEN];
	sqlite3_stmt *st = q(d, Q_ORPHANS);
	size_t k = 0;
	int rc, err;

	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < MAX_BATCH)
		snprintf(keys[k++], ALERTKEY_LEN, "%s", sqlite3_column_text(st, 0));
	if ((err = finish(st, rc)))
		return err;
	for (size_t i = 0; i < k; i++) {
		bool resolved;

		if ((err = alertdb__resolve(d, keys[i], (int64_t)now_ns, now_ns, &resolved)))
			return err;
		*n += resolved;
	}
	return 0;
}

int alertdb__sink_has_firing(struct alertdb *d, const char *sink, bool *any)
{
	sqlite3_stmt *st = q(d, Q_SINK_FIRING);
	int rc;

	text(st, 1, sink);
	rc = sqlite3_step(st);
	*any = rc == SQLITE_ROW;
	return finish(st, rc);
}

int alertdb__expire(struct alertdb *d, uint64_t cutoff_ns)
{
	static const int order[] = { Q_EXPIRE_SINKS, Q_EXPIRE_ALERTS, Q_EXPIRE_GROUPS };
	int err = 0;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]) && !err; i++) {
		sqlite3_stmt *st = q(d, order[i]);

		i64(st, 1, (int64_t)cutoff_ns);
		err = exec(st);
	}
	return err ?: exec(q(d, Q_EXPIRE_WATCH));
}
