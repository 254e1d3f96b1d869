/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the alert state's files share (alertdb.c, alertgroups.c): the
 * handle and how a statement is bound and run. Private to alertdb/.
 */
#ifndef COLLECTOR_ALERTDBINT_H
#define COLLECTOR_ALERTDBINT_H

#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>

#include "alertdb/alertdb.h"
#include "alertdb/alertdbsql.h"

#define MAX_BATCH 64 /* rows handled per statement round, so nothing grows unbounded */

struct alertdb {
	sqlite3 *db;
	sqlite3_stmt *st[Q__COUNT];
	struct outbox *outbox;
};

/* --- statement helpers: every statement is reset and cleared after use --- */

static inline sqlite3_stmt *adb_q(struct alertdb *d, int i)
{
	return d->st[i];
}

static inline void adb_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static inline void adb_i64(sqlite3_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(st, i, v);
}

static inline int adb_finish(sqlite3_stmt *st, int rc)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -EIO;
}

static inline int adb_exec(sqlite3_stmt *st)
{
	return adb_finish(st, sqlite3_step(st));
}

#endif
