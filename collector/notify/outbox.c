// SPDX-License-Identifier: Apache-2.0
#include "notify/outbox.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

enum {
	Q_ENQUEUE,
	Q_PEEK,
	Q_DONE,
	Q_RETRY,
	Q_DEAD,
	Q_DEPTH,
	Q_DROP_RESENDS,
	Q_SINKS,
	Q_ORPHAN,
	Q_EXPIRE,
	Q__COUNT,
};

static const char *const sql[Q__COUNT] = {
	[Q_ENQUEUE] = "INSERT INTO outbox (sink, action, ref, at_ns, created_ns, due_ns, state, attempts)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)",
	[Q_PEEK] = "SELECT id, action, ref, at_ns, created_ns, due_ns, attempts FROM outbox"
		   " WHERE sink = ?1 AND state = 'pending' ORDER BY id LIMIT ?2",
	[Q_DONE] = "DELETE FROM outbox WHERE id = ?1",
	[Q_RETRY] = "UPDATE outbox SET attempts = attempts + 1, due_ns = ?2, last_error = ?3 WHERE id = ?1",
	[Q_DEAD] = "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
	[Q_DEPTH] = "SELECT count(*) FROM outbox WHERE state IN ('pending', 'held')",
	[Q_DROP_RESENDS] = "DELETE FROM outbox WHERE sink = ?1 AND action = 'resend' AND state = 'pending'",
	[Q_SINKS] = "SELECT DISTINCT sink FROM outbox WHERE state IN ('pending', 'held')",
	[Q_ORPHAN] = "UPDATE outbox SET state = 'dead', last_error = 'sink no longer configured'"
		     " WHERE sink = ?1 AND state IN ('pending', 'held')",
	[Q_EXPIRE] = "DELETE FROM outbox WHERE state = 'dead' AND created_ns < ?1",
};

static const char *const action_names[OUTBOX_ACTION_COUNT] = {
	[OUTBOX_TRIGGER] = "trigger",
	[OUTBOX_RESOLVE] = "resolve",
	[OUTBOX_GROUP] = "group",
	[OUTBOX_GROUP_RESOLVE] = "group-resolve",
	[OUTBOX_RESEND] = "resend",
	[OUTBOX_LATE_RESOLVE] = "late-resolve",
};

struct outbox {
	struct db *db;
	struct db_stmt *st[Q__COUNT];
};

const char *outbox_action__name(enum outbox_action a)
{
	return a >= 0 && a < OUTBOX_ACTION_COUNT ? action_names[a] : "unknown";
}

int outbox_action__parse(const char *s, enum outbox_action *out)
{
	for (int a = 0; s && a < OUTBOX_ACTION_COUNT; a++) {
		if (!strcmp(s, action_names[a])) {
			*out = (enum outbox_action)a;
			return 0;
		}
	}
	return -EINVAL;
}

int outbox__open(struct db *db, struct outbox **out)
{
	struct outbox *o = calloc(1, sizeof(*o));

	*out = NULL;
	if (!o)
		return -ENOMEM;
	o->db = db;
	for (int i = 0; i < Q__COUNT; i++) {
		if (db__prepare(db, sql[i], &o->st[i]) != DB_OK) {
			outbox__close(o);
			return -EIO;
		}
	}
	*out = o;
	return 0;
}

void outbox__close(struct outbox *o)
{
	if (!o)
		return;
	for (int i = 0; i < Q__COUNT; i++)
		db__finalize(o->st[i]);
	free(o);
}

static int done(struct db_stmt *st, int rc)
{
	db__reset(st);
	db__clear_bindings(st);
	return rc == DB_DONE || rc == DB_ROW ? 0 : -EIO;
}

int outbox__enqueue(struct outbox *o, const char *sink, enum outbox_action action, const char *ref,
		    int64_t at_ns, uint64_t now_ns, bool held, uint64_t due_ns, int64_t *id)
{
	struct db_stmt *st = o->st[Q_ENQUEUE];
	int err;

	db__bind_text(st, 1, sink, -1);
	db__bind_text(st, 2, outbox_action__name(action), -1);
	db__bind_text(st, 3, ref ? ref : "", -1);
	db__bind_int64(st, 4, at_ns);
	db__bind_int64(st, 5, (int64_t)now_ns);
	db__bind_int64(st, 6, (int64_t)(held ? due_ns : now_ns));
	db__bind_text(st, 7, held ? "held" : "pending", -1);
	err = done(st, db__step(st));
	if (!err && id)
		*id = db__last_insert_rowid(o->db);
	return err;
}

int outbox__peek(struct outbox *o, const char *sink, uint64_t now_ns, struct outbox_row *rows,
		 size_t max, size_t *n, uint64_t *next_due_ns)
{
	struct db_stmt *st = o->st[Q_PEEK];
	int rc;

	*n = 0;
	*next_due_ns = 0;
	db__bind_text(st, 1, sink, -1);
	db__bind_int64(st, 2, (int64_t)max);
	while ((rc = db__step(st)) == DB_ROW) {
		struct outbox_row *r = &rows[*n];
		const char *action = (const char *)db__column_text(st, 1);
		const char *ref = (const char *)db__column_text(st, 2);
		uint64_t due = (uint64_t)db__column_int64(st, 5);

		if (due > now_ns) {
			if (!*n)
				*next_due_ns = due;
			break;
		}
		memset(r, 0, sizeof(*r));
		r->id = db__column_int64(st, 0);
		if (outbox_action__parse(action, &r->action))
			r->action = OUTBOX_ACTION_COUNT; /* from a newer build: the caller drops it */
		snprintf(r->ref, sizeof(r->ref), "%s", ref ? ref : "");
		r->at_ns = db__column_int64(st, 3);
		r->created_ns = (uint64_t)db__column_int64(st, 4);
		r->due_ns = due;
		r->attempts = (unsigned)db__column_int(st, 6);
		(*n)++;
	}
	return done(st, rc);
}

static int by_id(struct outbox *o, int q, int64_t id)
{
	struct db_stmt *st = o->st[q];

	db__bind_int64(st, 1, id);
	return done(st, db__step(st));
}

int outbox__done(struct outbox *o, int64_t id)
{
	return by_id(o, Q_DONE, id);
}

int outbox__retry(struct outbox *o, int64_t id, uint64_t due_ns, const char *error)
{
	struct db_stmt *st = o->st[Q_RETRY];

	db__bind_int64(st, 1, id);
	db__bind_int64(st, 2, (int64_t)due_ns);
	db__bind_text(st, 3, error ? error : "", -1);
	return done(st, db__step(st));
}

int outbox__dead(struct outbox *o, int64_t id, const char *error)
{
	struct db_stmt *st = o->st[Q_DEAD];

	db__bind_int64(st, 1, id);
	db__bind_text(st, 2, error ? error : "", -1);
	return done(st, db__step(st));
}

int outbox__depth(struct outbox *o, uint64_t *n)
{
	struct db_stmt *st = o->st[Q_DEPTH];
	int rc = db__step(st);

	*n = rc == DB_ROW ? (uint64_t)db__column_int64(st, 0) : 0;
	return done(st, rc);
}

int outbox__drop_resends(struct outbox *o, const char *sink)
{
	struct db_stmt *st = o->st[Q_DROP_RESENDS];

	db__bind_text(st, 1, sink, -1);
	return done(st, db__step(st));
}

int outbox__orphans(struct outbox *o, const struct alertcfg *cfg, unsigned *n)
{
	char gone[ALERT_MAX_SINKS][ALERT_SINK_NAME_MAX + 1];
	struct db_stmt *st = o->st[Q_SINKS];
	size_t n_gone = 0;
	int rc, err;

	*n = 0;
	while ((rc = db__step(st)) == DB_ROW) {
		const char *sink = (const char *)db__column_text(st, 0);

		if (sink && alertcfg__sink_index(cfg, sink) < 0 && n_gone < ALERT_MAX_SINKS)
			snprintf(gone[n_gone++], sizeof(gone[0]), "%s", sink);
	}
	if ((err = done(st, rc)))
		return err;
	for (size_t i = 0; i < n_gone; i++) {
		st = o->st[Q_ORPHAN];
		db__bind_text(st, 1, gone[i], -1);
		if ((err = done(st, db__step(st))))
			return err;
		*n += (unsigned)db__changes(o->db);
	}
	return 0;
}

int outbox__expire(struct outbox *o, uint64_t cutoff_ns)
{
	struct db_stmt *st = o->st[Q_EXPIRE];

	db__bind_int64(st, 1, (int64_t)cutoff_ns);
	return done(st, db__step(st));
}
