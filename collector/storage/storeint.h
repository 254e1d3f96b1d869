/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the store's files share (store.c: opening, transactions, retention;
 * storebatch.c: a batch's events; storestate.c: the state each event
 * updates): the store itself, and how a statement is bound and run.
 * Private to storage/.
 */
#ifndef COLLECTOR_STOREINT_H
#define COLLECTOR_STOREINT_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"
#include "replicas/lease.h"
#include "storage/store.h"
#include "storage/storesql.h"

struct store {
	struct db *db;
	pthread_mutex_t lock;
	bool read_only;
	struct db_stmt *st[ST__COUNT];
	struct db_stmt *expire[STORE_KIND_COUNT][3];
	store_hook_fn hook;
	store_end_fn hook_end;
	void *hook_ctx;
	char holder[LEASE_HOLDER_MAX]; /* this process, as a lease's holder */
	bool unreachable; /* atomically: the last use found the database gone */
	bool event_no_returning; /* SQLite: store_event_sql_sqlite */
	/* PostgreSQL: a batch's events STORE_EVENT_ROWS at a time, and the rest */
	struct db_stmt *rows_full, *rows_tail;
	int rows_tail_n;
	struct db_stmt *row_lock; /* PostgreSQL: rowlocks.h */
	struct db_stmt *retention_lock; /* PostgreSQL: store__expire's advisory lock */
	/* read-only stores on this database that requests gave back */
	pthread_mutex_t readers_lock;
	struct store *readers[STORE_IDLE_READERS];
	unsigned n_readers; /* changed under readers_lock; read atomically by store__idle_readers */
};

/* After a use of the database, with the lock held: for store__reachable. */
static inline void store_note_reach(struct store *s)
{
	__atomic_store_n(&s->unreachable, db__lost(s->db), __ATOMIC_RELAXED);
}

/* --- binding helpers: every statement is reset and cleared after use --- */

static inline void store_bind_text(struct db_stmt *st, int i, const char *s)
{
	db__bind_text(st, i, s ? s : "", -1);
}

/* NULL for an empty string: optional columns stay NULL when unknown */
static inline void store_bind_opt(struct db_stmt *st, int i, const char *s)
{
	if (s && *s)
		db__bind_text(st, i, s, -1);
	else
		db__bind_null(st, i);
}

static inline void store_bind_u64(struct db_stmt *st, int i, uint64_t v)
{
	/* stored bit-for-bit; readers cast back to uint64_t */
	db__bind_int64(st, i, (int64_t)v);
}

static inline int store_run(struct db_stmt *st)
{
	int rc = db__step(st);

	db__reset(st);
	db__clear_bindings(st);
	return rc == DB_DONE || rc == DB_ROW ? 0 : -EIO;
}

/* For a statement whose outcome nothing reads: PostgreSQL sends it with
 * the next statement that waits for an answer, in one round trip. */
static inline int store_defer(struct db_stmt *st)
{
	int rc = db__defer(st);

	db__clear_bindings(st);
	return rc == DB_ERROR ? -EIO : 0;
}

/* The state an event updates, in the batch's transaction (storestate.c). */
/* event_rowid: the event's row, for the history of what it updates */
int store_put_listener(struct store *s, const Leakwatch__V1__Event *ev, uint64_t received_ns, bool host_verified,
		       int64_t event_rowid);
int store_put_leak(struct store *s, const Leakwatch__V1__Event *ev, uint64_t received_ns, bool host_verified,
		   int64_t event_rowid);
int store_put_health(struct store *s, const char *agent_id, const Leakwatch__V1__Event *ev, uint64_t received_ns);

#endif
