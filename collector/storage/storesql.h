/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SQL that store.c prepares once and runs for every batch: one upsert
 * per kind of state, and retention's deletes. Kept apart from the code that
 * binds and runs it, so the statements can be read (and, for another
 * backend, written) in one place. Private to storage/.
 */
#ifndef COLLECTOR_STORESQL_H
#define COLLECTOR_STORESQL_H

#include "storage/store.h"

enum stmt {
	ST_EVENT,
	ST_LISTENER,
	ST_LISTENER_SEEN,
	ST_LEAK,
	ST_LOCATION,
	ST_AGENT,
	ST_AGENT_SEEN,
	ST_DROPS_CLEAR,
	ST_DROP,
	ST__COUNT,
};

/*
 * A history: the rowids of the latest events of a listener or a leak's
 * location, newest first, each as 16 hex digits and a space, at most
 * STORE_HISTORY_MAX of them. The fixed width lets SQL drop the oldest by
 * cutting the text; store.h's store__history_next reads it back.
 */
#define HISTORY_TEXT(n) #n
#define HISTORY_TEXT_OF(n) HISTORY_TEXT(n)
#define HISTORY_PUSH(rowid, old)                                                                   \
	"substr(lw_hex16(" rowid ") || coalesce(' ' || " old ", ''), 1, "                    \
	HISTORY_TEXT_OF(STORE_HISTORY_TEXT_MAX) ")"

extern const char *const store_sql[ST__COUNT];
extern const char store_event_sql_sqlite[];

/*
 * PostgreSQL: n events (1..STORE_EVENT_ROWS) in one INSERT, a round trip
 * for them all. Row r binds ?(r*STORE_EVENT_PARAMS + 1) onwards, in
 * ST_EVENT's order; a row (id, rowid) comes back for each event that was
 * not stored before. The ids must differ: a batch's repeats are left out.
 * NULL without memory.
 */
#define STORE_EVENT_PARAMS 11
/* 5,500 parameters, well under PostgreSQL's 65,535 per statement */
#define STORE_EVENT_ROWS 500
char *store_event_rows_sql(int n);
/* Retention: per kind, each statement takes (?1 cutoff_ns, ?2 max rows); NULL ends a kind's list. */
extern const char *const store_expire_sql[STORE_KIND_COUNT][3];

#endif
