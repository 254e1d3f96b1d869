// SPDX-License-Identifier: Apache-2.0
#include "alertdb/alertdb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alertdb/alertdbint.h"
#include "alertdb/alertdbsql.h"
#include "db/db.h"

static void forget_locked(struct alertdb *d);

int alertdb__open(struct db *db, struct alertdb **out)
{
	struct alertdb *d = calloc(1, sizeof(*d));
	int err;

	*out = NULL;
	if (!d)
		return -ENOMEM;
	d->db = db;
	for (int i = 0; i < Q__COUNT; i++) {
		if (db__prepare(db, alertdb_sql[i], &d->st[i]) != DB_OK) {
			alertdb__close(d);
			return -EIO;
		}
	}
	if (db__driver(db) == DB_POSTGRES &&
	    db__prepare(db, "SELECT pg_advisory_xact_lock(hashtextextended(?1, 0))", &d->key_lock) != DB_OK) {
		alertdb__close(d);
		return -EIO;
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
		db__finalize(d->st[i]);
	db__finalize(d->key_lock);
	forget_locked(d);
	outbox__close(d->outbox);
	free(d);
}

struct outbox *alertdb__outbox(struct alertdb *d)
{
	return d->outbox;
}

/* --- alerts --- */

static void forget_locked(struct alertdb *d)
{
	for (size_t i = 0; i < LOCKED_SLOTS && d->n_locked; i++) {
		if (d->locked[i]) {
			free(d->locked[i]);
			d->locked[i] = NULL;
			d->n_locked--;
		}
	}
}

/* FNV-1a; a collision costs a probe, never a skipped lock (keys are compared whole) */
static size_t locked_slot(const char *key)
{
	uint64_t h = 1469598103934665603ULL;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (size_t)(h % LOCKED_SLOTS);
}

int alertdb__lock_key(struct alertdb *d, const char *key)
{
	size_t i;
	int err;

	if (!d->key_lock)
		return 0;
	/* advisory locks last until the transaction ends: so does what is remembered of them */
	if (d->locked_serial != db__tx_serial(d->db)) {
		forget_locked(d);
		d->locked_serial = db__tx_serial(d->db);
	}
	for (i = locked_slot(key); d->locked[i]; i = (i + 1) % LOCKED_SLOTS)
		if (!strcmp(d->locked[i], key))
			return 0;
	adb_text(d->key_lock, 1, key);
	/* answered with the statement that reads what it guards */
	if ((err = adb_defer(d->key_lock)))
		return err;
	/* i is the free slot the probe ended on; the set stays at most half full */
	if (d->n_locked < LOCKED_SLOTS / 2 && (d->locked[i] = strdup(key)))
		d->n_locked++;
	return 0;
}

int alertdb__state(struct alertdb *d, const char *key, enum alert_state *out)
{
	struct db_stmt *st = adb_q(d, Q_STATE);
	int rc, err;

	if ((err = alertdb__lock_key(d, key)))
		return err;
	adb_text(st, 1, key);
	rc = db__step(st);
	*out = ALERT_ABSENT;
	if (rc == DB_ROW) {
		const char *s = (const char *)db__column_text(st, 0);

		*out = s && !strcmp(s, "firing") ? ALERT_FIRING : ALERT_RESOLVED;
	}
	return adb_finish(st, rc);
}

int alertdb__firing_netns_cookie(struct alertdb *d, const char *key, uint64_t *cookie)
{
	struct db_stmt *st = adb_q(d, Q_FIRING_DETAILS);
	int rc;

	*cookie = 0;
	adb_text(st, 1, key);
	rc = db__step(st);
	if (rc == DB_ROW) {
		const char *cur = (const char *)db__column_text(st, 0), *name, *value;
		size_t nlen, vlen;

		while (cur && alert__kv_next(&cur, &name, &nlen, &value, &vlen)) {
			if (nlen == 12 && !strncmp(name, "netns_cookie", 12)) {
				*cookie = strtoull(value, NULL, 10);
				break;
			}
		}
	}
	return adb_finish(st, rc);
}

int alertdb__fire(struct alertdb *d, const struct alert *a, uint64_t now_ns)
{
	struct db_stmt *st = adb_q(d, Q_FIRE);
	int err;

	if ((err = alertdb__lock_key(d, a->key)))
		return err;
	adb_text(st, 1, a->key);
	adb_text(st, 2, store_kind__name(a->kind));
	db__bind_int(st, 3, a->severity);
	adb_text(st, 4, a->alertname);
	adb_text(st, 5, a->host);
	adb_text(st, 6, a->namespace);
	adb_text(st, 7, a->pod);
	adb_text(st, 8, a->service);
	adb_text(st, 9, a->rule);
	adb_text(st, 10, a->fingerprint);
	adb_text(st, 11, a->agent_id);
	adb_text(st, 12, a->labels);
	adb_text(st, 13, a->details);
	adb_text(st, 14, a->summary);
	adb_text(st, 15, a->description);
	adb_i64(st, 16, (int64_t)a->count);
	adb_i64(st, 17, a->at_ns);
	adb_i64(st, 18, (int64_t)now_ns);
	if ((err = adb_exec(st)))
		return err;
	st = adb_q(d, Q_UNROUTE);
	adb_text(st, 1, a->key);
	return adb_exec(st);
}

int alertdb__update(struct alertdb *d, const struct alert *a, uint64_t now_ns, bool *changed)
{
	struct db_stmt *st = adb_q(d, Q_UPDATE);
	int err;

	if ((err = alertdb__lock_key(d, a->key)))
		return err;
	adb_text(st, 1, a->key);
	db__bind_int(st, 2, a->severity);
	adb_text(st, 3, a->labels);
	adb_text(st, 4, a->details);
	adb_text(st, 5, a->summary);
	adb_text(st, 6, a->description);
	adb_i64(st, 7, a->at_ns);
	adb_i64(st, 8, (int64_t)now_ns);
	err = adb_exec(st);
	*changed = !err && db__changes(d->db) > 0;
	return err;
}

int alertdb__routed(struct alertdb *d, const char *key, const char *sink, bool *routed)
{
	struct db_stmt *st = adb_q(d, Q_ROUTED);

	adb_text(st, 1, key);
	adb_text(st, 2, sink);
	return adb_any(st, routed);
}

int alertdb__unroute(struct alertdb *d, const char *key, const char *sink)
{
	struct db_stmt *st = adb_q(d, Q_UNROUTE_SINK);

	adb_text(st, 1, key);
	adb_text(st, 2, sink);
	return adb_exec(st);
}

int alertdb__route(struct alertdb *d, const char *key, const char *sink, int64_t group_row)
{
	struct db_stmt *st = adb_q(d, Q_ROUTE);

	adb_text(st, 1, key);
	adb_text(st, 2, sink);
	if (group_row)
		adb_i64(st, 3, group_row);
	return adb_exec(st);
}

int alertdb__bump(struct alertdb *d, const char *key, uint64_t count, int64_t at_ns, uint64_t now_ns)
{
	struct db_stmt *st = adb_q(d, Q_BUMP);
	int err;

	if ((err = alertdb__lock_key(d, key)))
		return err;
	adb_text(st, 1, key);
	adb_i64(st, 2, (int64_t)count);
	adb_i64(st, 3, at_ns);
	adb_i64(st, 4, (int64_t)now_ns);
	return adb_defer(st);
}

struct routed {
	char sink[ALERT_SINK_NAME_MAX + 1];
	int64_t group_row;
	char group_key[ALERTKEY_LEN];
};

static int group_firing(struct alertdb *d, const char *sink, const char *group_key, bool *any)
{
	struct db_stmt *st = adb_q(d, Q_GROUP_FIRING);

	adb_text(st, 1, sink);
	adb_text(st, 2, group_key);
	return adb_any(st, any);
}

static int row_held(struct alertdb *d, int64_t id, bool *held)
{
	struct db_stmt *st = adb_q(d, Q_ROW_STATE);
	int rc;

	adb_i64(st, 1, id);
	rc = db__step(st);
	*held = rc == DB_ROW && !strcmp((const char *)db__column_text(st, 0) ?: "", "held");
	return adb_finish(st, rc);
}

int alertdb__resolve(struct alertdb *d, const char *key, int64_t at_ns, uint64_t now_ns, bool *resolved)
{
	struct routed to[ALERT_MAX_SINKS];
	struct db_stmt *st = adb_q(d, Q_RESOLVE);
	size_t n = 0;
	int rc, err;

	if ((err = alertdb__lock_key(d, key)))
		return err;
	*resolved = false;
	adb_text(st, 1, key);
	adb_i64(st, 2, at_ns);
	adb_i64(st, 3, (int64_t)now_ns);
	if ((err = adb_exec(st)))
		return err;
	if (!db__changes(d->db))
		return 0;
	*resolved = true;

	st = adb_q(d, Q_SINKS_OF);
	adb_text(st, 1, key);
	while ((rc = db__step(st)) == DB_ROW && n < ALERT_MAX_SINKS) {
		snprintf(to[n].sink, sizeof(to[n].sink), "%s", db__column_text(st, 0));
		to[n].group_row = db__column_int64(st, 1);
		snprintf(to[n].group_key, sizeof(to[n].group_key), "%s", db__column_text(st, 2));
		n++;
	}
	if ((err = adb_finish(st, rc)))
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

/* --- leaks --- */

int alertdb__leak_acked(struct alertdb *d, const char *fingerprint, bool *acked)
{
	struct db_stmt *st = adb_q(d, Q_LEAK_ACKED);

	adb_text(st, 1, fingerprint);
	return adb_flag(st, acked);
}

int alertdb__ack(struct alertdb *d, const char *fingerprint, const char *by, uint64_t now_ns,
		 struct ack_result *r)
{
	struct db_stmt *st = adb_q(d, Q_LEAK_ACKED);
	int rc, err;

	memset(r, 0, sizeof(*r));
	adb_text(st, 1, fingerprint);
	rc = db__step(st);
	r->found = rc == DB_ROW;
	r->already = r->found && db__column_int(st, 0);
	if ((err = adb_finish(st, rc)) || !r->found)
		return err;
	if (!r->already) {
		st = adb_q(d, Q_LEAK_ACK);
		adb_text(st, 1, fingerprint);
		adb_i64(st, 2, (int64_t)now_ns);
		adb_text(st, 3, by && *by ? by : NULL);
		if ((err = adb_exec(st)))
			return err;
	}
	/* one alert per host; resolving takes them out of the next round */
	for (;;) {
		char keys[MAX_BATCH][ALERTKEY_LEN];
		size_t n = 0;

		st = adb_q(d, Q_LEAK_ALERTS);
		adb_text(st, 1, fingerprint);
		while ((rc = db__step(st)) == DB_ROW && n < MAX_BATCH)
			snprintf(keys[n++], ALERTKEY_LEN, "%s", db__column_text(st, 0));
		if ((err = adb_finish(st, rc)))
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
	struct db_stmt *st = adb_q(d, Q_LISTENER_CUR);

	adb_text(st, 1, ev->host->hostname);
	adb_i64(st, 2, l->netns);
	adb_text(st, 3, l->protocol == LEAKWATCH__V1__PROTOCOL__PROTOCOL_UDP ? "udp" : "tcp");
	db__bind_blob(st, 4, l->address.data, (int)l->address.len);
	db__bind_int(st, 5, (int)l->port);
	db__bind_blob(st, 6, ev->id.data, (int)ev->id.len);
	return adb_flag(st, current);
}

int alertdb__agent_current(struct alertdb *d, const char *agent_id, const Leakwatch__V1__Event *ev,
			   bool *current)
{
	struct db_stmt *st = adb_q(d, Q_AGENT_CUR);

	adb_text(st, 1, agent_id);
	db__bind_blob(st, 2, ev->id.data, (int)ev->id.len);
	return adb_flag(st, current);
}

/* --- agents --- */

int alertdb__watch(struct alertdb *d, const char *agent_id, struct agent_watch *w, bool *found)
{
	struct db_stmt *st = adb_q(d, Q_WATCH_GET);
	int rc, err;

	if ((err = alertdb__lock_key(d, agent_id)))
		return err;
	memset(w, 0, sizeof(*w));
	adb_text(st, 1, agent_id);
	rc = db__step(st);
	*found = rc == DB_ROW;
	if (*found) {
		w->drops_total = (uint64_t)db__column_int64(st, 0);
		w->uptime_s = (uint64_t)db__column_int64(st, 1);
		w->dropped_full = (uint64_t)db__column_int64(st, 2);
		w->drop_streak = (uint64_t)db__column_int64(st, 3);
		w->clean_streak = (uint64_t)db__column_int64(st, 4);
		w->streak_drops = (uint64_t)db__column_int64(st, 5);
	}
	return adb_finish(st, rc);
}

int alertdb__set_watch(struct alertdb *d, const char *agent_id, const struct agent_watch *w)
{
	struct db_stmt *st = adb_q(d, Q_WATCH_PUT);

	adb_text(st, 1, agent_id);
	adb_i64(st, 2, (int64_t)w->drops_total);
	adb_i64(st, 3, (int64_t)w->uptime_s);
	adb_i64(st, 4, (int64_t)w->dropped_full);
	adb_i64(st, 5, (int64_t)w->drop_streak);
	adb_i64(st, 6, (int64_t)w->clean_streak);
	adb_i64(st, 7, (int64_t)w->streak_drops);
	return adb_exec(st);
}

int alertdb__silent(struct alertdb *d, uint64_t cutoff_ns,
		    int (*fn)(void *ctx, const struct silent_agent *a), void *ctx)
{
	struct db_stmt *st = adb_q(d, Q_SILENT);
	int rc = DB_DONE, err = 0;

	adb_i64(st, 1, (int64_t)cutoff_ns);
	/* fn writes other tables only; reading agents meanwhile is safe */
	while (!err && (rc = db__step(st)) == DB_ROW) {
		struct silent_agent a = {
			.agent_id = (const char *)db__column_text(st, 0),
			.host = (const char *)db__column_text(st, 1),
			.version = (const char *)db__column_text(st, 2),
			.updated_ns = (uint64_t)db__column_int64(st, 3),
		};

		err = fn(ctx, &a);
	}
	if (err) {
		adb_finish(st, DB_DONE);
		return err;
	}
	return adb_finish(st, rc);
}

int alertdb__resolve_orphans(struct alertdb *d, uint64_t now_ns, unsigned *n)
{
	char keys[MAX_BATCH][ALERTKEY_LEN];
	struct db_stmt *st = adb_q(d, Q_ORPHANS);
	size_t k = 0;
	int rc, err;

	*n = 0;
	while ((rc = db__step(st)) == DB_ROW && k < MAX_BATCH)
		snprintf(keys[k++], ALERTKEY_LEN, "%s", db__column_text(st, 0));
	if ((err = adb_finish(st, rc)))
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
	struct db_stmt *st = adb_q(d, Q_SINK_FIRING);

	adb_text(st, 1, sink);
	return adb_any(st, any);
}

int alertdb__expire(struct alertdb *d, uint64_t cutoff_ns)
{
	static const int order[] = { Q_EXPIRE_SINKS, Q_EXPIRE_ALERTS, Q_EXPIRE_GROUPS };
	int err = 0;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]) && !err; i++) {
		struct db_stmt *st = adb_q(d, order[i]);

		adb_i64(st, 1, (int64_t)cutoff_ns);
		err = adb_exec(st);
	}
	return err ?: adb_exec(adb_q(d, Q_EXPIRE_WATCH));
}
