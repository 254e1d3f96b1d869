// SPDX-License-Identifier: Apache-2.0
/*
 * New-listener storms: per sink and host, the window in which new
 * listeners after the first are held, and the one notification that
 * carries them when it ends.
 */
#include "alertdb/alertdbint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int alertdb__group(struct alertdb *d, const char *sink, const char *host, uint64_t *window_end_ns,
		   int64_t *held)
{
	struct db_stmt *st = adb_q(d, Q_GROUP_GET);
	char key[512];
	int rc, err;

	/* two collectors with new listeners of one host: one window between them */
	snprintf(key, sizeof(key), "group/%s/%s", sink, host);
	if ((err = alertdb__lock_key(d, key)))
		return err;
	adb_text(st, 1, sink);
	adb_text(st, 2, host);
	rc = db__step(st);
	if (rc == DB_ROW) {
		*window_end_ns = (uint64_t)db__column_int64(st, 0);
		*held = db__column_int64(st, 1);
	}
	err = adb_finish(st, rc);
	return err ? err : rc == DB_ROW ? 0 : -ENOENT;
}

int alertdb__set_group(struct alertdb *d, const char *sink, const char *host, uint64_t window_end_ns,
		       int64_t held)
{
	struct db_stmt *st = adb_q(d, Q_GROUP_PUT);

	adb_text(st, 1, sink);
	adb_text(st, 2, host);
	adb_i64(st, 3, (int64_t)window_end_ns);
	adb_i64(st, 4, held);
	return adb_exec(st);
}

static int by_id(struct alertdb *d, int which, int64_t id)
{
	struct db_stmt *st = adb_q(d, which);

	adb_i64(st, 1, id);
	return adb_exec(st);
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
	struct db_stmt *st = adb_q(d, Q_GROUP_COUNT);
	int rc;

	memset(m, 0, sizeof(*m));
	adb_i64(st, 1, id);
	rc = db__step(st);
	if (rc == DB_ROW) {
		m->total = db__column_int64(st, 0);
		m->firing = db__column_int64(st, 1);
		snprintf(m->first, sizeof(m->first), "%s",
			 db__column_text(st, 2) ?: (const unsigned char *)"");
		m->last_end_ns = db__column_int64(st, 3);
	}
	return adb_finish(st, rc);
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
	struct db_stmt *st;
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
		st = adb_q(d, Q_GROUP_SINGLE);
		adb_i64(st, 1, g->id);
		adb_text(st, 2, m.first);
		adb_i64(st, 3, (int64_t)now_ns);
		err = adb_exec(st);
		err = err ?: by_id(d, Q_GROUP_RELEASE, g->id);
	} else {
		st = adb_q(d, Q_GROUP_SEND);
		adb_i64(st, 1, g->id);
		adb_i64(st, 2, (int64_t)now_ns);
		err = adb_exec(st);
		if (!err) {
			st = adb_q(d, Q_GROUP_MARK);
			adb_i64(st, 1, g->id);
			adb_text(st, 2, g->ref);
			err = adb_exec(st);
		}
	}
	if (!err && m.total && !m.firing)
		err = outbox__enqueue(d->outbox, g->sink, OUTBOX_LATE_RESOLVE, m.total == 1 ? m.first : g->ref,
				      m.last_end_ns, now_ns, false, 0, NULL);
	if (err)
		return err;
	/* a storm that goes on gets one notification per window */
	st = adb_q(d, Q_GROUP_WINDOW);
	adb_i64(st, 1, g->id);
	adb_i64(st, 2, *sent ? (int64_t)(now_ns + window_ns) : 0);
	return adb_exec(st);
}

int alertdb__flush_groups(struct alertdb *d, uint64_t now_ns, uint64_t window_ns, unsigned *sent)
{
	struct held_group due[MAX_BATCH];
	struct db_stmt *st = adb_q(d, Q_GROUPS_DUE);
	size_t n = 0;
	int rc, err;

	*sent = 0;
	adb_i64(st, 1, (int64_t)now_ns);
	while ((rc = db__step(st)) == DB_ROW && n < MAX_BATCH) {
		due[n].id = db__column_int64(st, 0);
		snprintf(due[n].ref, sizeof(due[n].ref), "%s", db__column_text(st, 1));
		snprintf(due[n].sink, sizeof(due[n].sink), "%s", db__column_text(st, 2));
		n++;
	}
	if ((err = adb_finish(st, rc)))
		return err;
	for (size_t i = 0; i < n; i++) {
		bool went;

		if ((err = flush_one(d, &due[i], now_ns, window_ns, &went)))
			return err;
		*sent += went;
	}
	return 0;
}
