/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the alert state's files share (alertdb.c, alertgroups.c): the
 * handle and how a statement is bound and run. Private to alertdb/.
 */
#ifndef COLLECTOR_ALERTDBINT_H
#define COLLECTOR_ALERTDBINT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "alertdb/alertdb.h"
#include "alertdb/alertdbsql.h"
#include "db/db.h"

#define MAX_BATCH 64 /* rows handled per statement round, so nothing grows unbounded */
/* keys remembered as locked in one transaction; past half of it, keys are locked again each time */
#define LOCKED_SLOTS 1024

struct alertdb {
	struct db *db;
	struct db_stmt *st[Q__COUNT];
	struct db_stmt *key_lock; /* PostgreSQL only: see alertdb__lock_key */
	struct outbox *outbox;
	/* the keys this transaction locked (an open-addressed set, malloc'd
	 * copies), valid while the connection's db__tx_serial is locked_serial */
	char *locked[LOCKED_SLOTS];
	size_t n_locked;
	uint64_t locked_serial;
};

/*
 * Two collectors on one PostgreSQL that each take an event about the same
 * problem must not both find it new and both page: a problem's key is
 * locked until the transaction ends (an advisory lock), so the second
 * waits and then finds it firing. SQLite's write transaction already
 * holds the whole database. A key this transaction already locked is not
 * asked for again: a batch's events often share their host's keys.
 */
int alertdb__lock_key(struct alertdb *d, const char *key);

/* --- statement helpers: every statement is reset and cleared after use --- */

static inline struct db_stmt *adb_q(struct alertdb *d, int i)
{
	return d->st[i];
}

static inline void adb_text(struct db_stmt *st, int i, const char *s)
{
	if (s)
		db__bind_text(st, i, s, -1);
	else
		db__bind_null(st, i);
}

static inline void adb_i64(struct db_stmt *st, int i, int64_t v)
{
	db__bind_int64(st, i, v);
}

static inline int adb_finish(struct db_stmt *st, int rc)
{
	db__reset(st);
	db__clear_bindings(st);
	return rc == DB_DONE || rc == DB_ROW ? 0 : -EIO;
}

static inline int adb_exec(struct db_stmt *st)
{
	return adb_finish(st, db__step(st));
}

/* Runs a query for its one answer: *out is whether a row came back. */
static inline int adb_any(struct db_stmt *st, bool *out)
{
	int rc = db__step(st);

	*out = rc == DB_ROW;
	return adb_finish(st, rc);
}

/* Runs a query for its one answer: *out is its row's first column, false without a row. */
static inline int adb_flag(struct db_stmt *st, bool *out)
{
	int rc = db__step(st);

	*out = rc == DB_ROW && db__column_int(st, 0);
	return adb_finish(st, rc);
}

/* a statement whose outcome nothing reads (db__defer) */
static inline int adb_defer(struct db_stmt *st)
{
	int rc = db__defer(st);

	db__clear_bindings(st);
	return rc == DB_ERROR ? -EIO : 0;
}

#endif
