/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The collector's SQLite database: raw events stored once by id, and the
 * state derived from them (listeners per host, leaks per fingerprint, agent
 * heartbeats), updated in the same transaction and only for new events.
 */
#ifndef COLLECTOR_STORE_H
#define COLLECTOR_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "ingest/ingest.h"

struct db;
struct store;

/* The schema version this build writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 11

enum store_kind { STORE_LISTENER, STORE_LEAK, STORE_HEALTH, STORE_KIND_COUNT };

struct store_opts {
	enum db_driver driver; /* DB_SQLITE (the zero value) or DB_POSTGRES */
	const char *path;      /* sqlite */
	const char *dsn;       /* postgres: libpq's connection string or URI */
	bool read_only;      /* query: never creates, migrates or writes */
	uint64_t busy_timeout_ms;
	bool sync_full;      /* fsync every commit: an ack means on disk */
};

struct store_result {
	uint32_t accepted;   /* events stored now */
	uint32_t duplicates; /* already there under the same id */
	uint32_t rejected;   /* invalid, not stored */
};

/* err gets a one-line reason on failure. */
int store__open(const struct store_opts *o, struct store **out, char *err, size_t errlen);
void store__close(struct store *s);

/* read-only stores a writer keeps for the next requests */
#define STORE_IDLE_READERS 4

/*
 * A read-only store for one request on the database that s writes: one a
 * request gave back, checked first (on PostgreSQL a round trip, which
 * opens a broken connection again), or one opened from where. Opening a
 * PostgreSQL connection per request cost ~20 ms of a page's ~22. s may be
 * NULL: then it is always opened. Give it back with store__reader_put.
 */
int store__reader_get(struct store *s, const struct store_opts *where, struct store **out, char *err,
		      size_t errlen);
/* Keeps ro for the next request when it is idle and s has room; closes it otherwise. */
void store__reader_put(struct store *s, struct store *ro);
/* How many s keeps now, at most STORE_IDLE_READERS. */
unsigned store__idle_readers(struct store *s);

/*
 * Stores every valid event of a batch in one transaction, marking the new
 * ones `stored`. received_ns is the collector's clock, which retention
 * counts from. -EIO (and nothing stored) if the database fails.
 */
int store__write_batch(struct store *s, struct ingest_batch *b, uint64_t received_ns,
		       struct store_result *res);

/*
 * Deletes, in one short transaction, up to max_rows rows of each table that
 * are of this kind and were last touched before cutoff_ns: raw events, and
 * the derived state (closed listeners, leaks and their locations, agents).
 * *deleted is how many went; call again until it is 0.
 */
int store__expire(struct store *s, enum store_kind kind, uint64_t cutoff_ns, unsigned max_rows,
		  unsigned *deleted);

/*
 * Called inside store__write_batch's transaction for each event stored now,
 * after the derived state is updated, with the store's lock held: it may
 * read and write the database (never through store__tx). An error rolls the
 * whole batch back, and the agent sends it again.
 */
typedef int (*store_hook_fn)(void *ctx, struct db *db, const struct ingest_batch *b,
			     const struct ingest_event *e, uint64_t received_ns);
/*
 * Called with the store's lock held once each transaction of the store's
 * ends (a batch's attempt, store__tx), committed or not: what the hook or
 * a store__tx callback counted is reported now, or forgotten when the
 * transaction was rolled back (a batch that met a deadlock runs again, and
 * its events are counted then). end may be NULL.
 */
typedef void (*store_end_fn)(void *ctx, bool committed);
void store__set_hook(struct store *s, store_hook_fn fn, store_end_fn end, void *ctx);

/* Runs fn in one write transaction under the store's lock: committed when fn
 * returns 0, rolled back otherwise. Returns fn's error, or -EIO. */
typedef int (*store_tx_fn)(struct db *db, void *arg);
int store__tx(struct store *s, store_tx_fn fn, void *arg);

/* Runs fn under the store's lock, outside any transaction: the way to
 * change what the hook and store__tx callbacks read (the alerting
 * configuration), so that none of them sees it half changed. */
void store__locked(struct store *s, void (*fn)(void *arg), void *arg);

/* The agent an event is from: the batch's id, else its machine id or host. */
const char *store__agent_id(const char *batch_agent_id, const Leakwatch__V1__Event *ev);

/*
 * A listener's and a leak location's `history` column: the rowids of their
 * latest events (at most STORE_HISTORY_MAX), newest first. Each call gives
 * the next; false at the end or at text of another shape.
 */
#define STORE_HISTORY_MAX 16
#define STORE_HISTORY_TEXT_MAX 271 /* 16 ids of 16 hex digits and their spaces; a literal, for SQL */
_Static_assert(STORE_HISTORY_TEXT_MAX == STORE_HISTORY_MAX * 17 - 1, "a history's text holds its ids exactly");
bool store__history_next(const char **cur, int64_t *rowid);

/*
 * Whether the database answers, for /healthz: asked now when the store is
 * free (a lost PostgreSQL connection is opened again), else the outcome of
 * its last use, since a writer holds it. A database's outage is not the
 * collector's: the agents keep their spool, and it recovers by itself.
 */
bool store__reachable(struct store *s);

/* This collector as a lease's holder (lease.h). */
const char *store__holder(struct store *s);
/*
 * lease__take for this collector, inside a transaction of the store's
 * (db is its connection). On SQLite it always holds: one collector owns
 * one file, and a restarted one must not wait for its predecessor's lease.
 */
int store__lease(struct store *s, struct db *db, const char *name, uint64_t now_ns, uint64_t ttl_ns,
		 bool *held);

/* The connection, for the read-only queries of query.c. */
struct db *store__db(struct store *s);

const char *store_kind__name(enum store_kind k);
int store_kind__parse(const char *s, enum store_kind *out);

#endif
