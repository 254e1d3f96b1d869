/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the store's files share (store.c: opening, events, transactions,
 * retention; storestate.c: the state each event updates): the store
 * itself, and how a statement is bound and run. Private to storage/.
 */
#ifndef COLLECTOR_STOREINT_H
#define COLLECTOR_STOREINT_H

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "storage/store.h"
#include "storage/storesql.h"

struct store {
	sqlite3 *db;
	pthread_mutex_t lock;
	bool read_only;
	sqlite3_stmt *st[ST__COUNT];
	sqlite3_stmt *expire[STORE_KIND_COUNT][3];
	store_hook_fn hook;
	void *hook_ctx;
};

/* --- binding helpers: every statement is reset and cleared after use --- */

static inline void store_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

/* NULL for an empty string: optional columns stay NULL when unknown */
static inline void store_bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static inline void store_bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	/* stored bit-for-bit; readers cast back to uint64_t */
	sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

static inline int store_run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -EIO;
}

/* The state an event updates, in the batch's transaction (storestate.c). */
/* event_rowid: the event's row, for the history of what it updates */
int store_put_listener(struct store *s, const Leakwatch__V1__Event *ev, uint64_t received_ns, bool host_verified,
		       int64_t event_rowid);
int store_put_leak(struct store *s, const Leakwatch__V1__Event *ev, uint64_t received_ns, bool host_verified,
		   int64_t event_rowid);
int store_put_health(struct store *s, const char *agent_id, const Leakwatch__V1__Event *ev, uint64_t received_ns);

#endif
