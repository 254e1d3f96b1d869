/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One interface to the collector's database, whichever holds it: SQLite
 * (one file, one collector) or PostgreSQL (several collectors at once).
 * Its shape is SQLite's (prepare, bind, step, read columns), since that is
 * what every statement in storage/, alertdb/, notify/, query/ and ui/ was
 * written against; the PostgreSQL driver gives the same behaviour over
 * libpq.
 *
 * The SQL itself is written once, in the dialect both accept: `?N`
 * parameters, ON CONFLICT upserts, RETURNING, greatest()/least() (SQLite
 * gets PostgreSQL's, NULLs ignored), lw_hex16() (16 hex digits, defined in
 * both), and "user" quoted. What cannot be shared (the schema's types,
 * locks, pragmas) is per driver: schema.c and schema_pg.c.
 *
 * Bound text and blobs are not copied: they must stay valid until the
 * statement is reset (as SQLITE_STATIC). A connection is used by one thread
 * at a time; callers hold their own lock.
 */
#ifndef COLLECTOR_DB_H
#define COLLECTOR_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* the values of SQLite's codes, so that a result is the same word in both */
enum db_result { DB_OK = 0, DB_ERROR = 1, DB_ROW = 100, DB_DONE = 101 };
enum db_type { DB_INTEGER = 1, DB_FLOAT = 2, DB_TEXT = 3, DB_BLOB = 4, DB_NULL = 5 };
enum db_driver { DB_SQLITE, DB_POSTGRES };

/* The page size a new SQLite database is created with (db_sqlite.c says why). */
#define DB_SQLITE_PAGE_SIZE 16384

struct db;
struct db_stmt;

struct db_open {
	enum db_driver driver;
	const char *path;         /* sqlite: the file, or ":memory:" */
	const char *dsn;          /* postgres: a libpq connection string or URI */
	bool read_only;
	bool sync_full;           /* sqlite: fsync every commit */
	uint64_t busy_timeout_ms; /* how long to wait for a lock */
};

/* err gets a one-line reason (never the DSN's password). */
int db__open(const struct db_open *o, struct db **out, char *err, size_t errlen);
void db__close(struct db *db);
enum db_driver db__driver(const struct db *db);

/* Runs one or more statements without parameters or rows. DB_OK or DB_ERROR. */
int db__exec(struct db *db, const char *sql);
/* The write transaction: SQLite takes the write lock at once (BEGIN IMMEDIATE). */
int db__begin(struct db *db);
int db__commit(struct db *db);
int db__rollback(struct db *db);
/* Changes at each db__begin, db__commit and db__rollback: what a caller
 * remembers of one transaction (the locks it holds) is stale once it has. */
uint64_t db__tx_serial(const struct db *db);
/* Whether the database answers now (PostgreSQL: a broken connection is
 * opened again first). SQLite's file always does. DB_OK or DB_ERROR. */
int db__ping(struct db *db);
/* Whether no transaction is open and no statement is in progress on db: a
 * connection that may serve another caller as if it were new. */
bool db__idle(struct db *db);
/* Rows the last INSERT, UPDATE or DELETE changed. */
int64_t db__changes(struct db *db);
/* The rowid of the last row inserted with a generated id (the outbox's). */
int64_t db__last_insert_rowid(struct db *db);
const char *db__errmsg(struct db *db);
/* The last error was a conflict between two writers that the database broke
 * (PostgreSQL's deadlock or serialization failure): the transaction may run again. */
bool db__retryable(struct db *db);
/* The connection is gone (PostgreSQL): it is opened again at the next begin. */
bool db__lost(struct db *db);

/* What db__sqlite_compact did: page sizes, and the file with its WAL in bytes. */
struct db_compact {
	unsigned page_before, page_after;
	uint64_t bytes_before, bytes_after;
};

/*
 * Rewrites the SQLite database at path with page_size-byte pages, dropping
 * free pages (VACUUM, which cannot change the page size in WAL mode: out of
 * it and back). Offline only: -EBUSY while another connection (a running
 * collector) has the file open. -ENOSPC when its file system has less free
 * than twice the database: VACUUM builds the copy beside it, then writes it
 * back through a journal. err says why on failure.
 */
int db__sqlite_compact(const char *path, unsigned page_size, struct db_compact *out, char *err, size_t errlen);

int db__prepare(struct db *db, const char *sql, struct db_stmt **out);
void db__finalize(struct db_stmt *st);
void db__bind_int64(struct db_stmt *st, int i, int64_t v);
void db__bind_int(struct db_stmt *st, int i, int v);
/* len -1: up to the NUL */
void db__bind_text(struct db_stmt *st, int i, const char *s, int len);
void db__bind_blob(struct db_stmt *st, int i, const void *p, int len);
void db__bind_null(struct db_stmt *st, int i);
/* DB_ROW, DB_DONE, or DB_ERROR */
int db__step(struct db_stmt *st);
/*
 * Runs a statement whose rows and changes nothing reads (an upsert, a
 * lock), and resets it; its bindings stay until cleared, as after reset.
 * DB_DONE, or DB_ERROR for a failure known at once. PostgreSQL, inside a
 * transaction, may send it without waiting (pipeline mode) and read its
 * answer with the next statement's, one round trip for both: then its
 * failure is that statement's error, or commit's, and db__changes does not
 * count it. SQLite runs it at once.
 */
int db__defer(struct db_stmt *st);
void db__reset(struct db_stmt *st);
void db__clear_bindings(struct db_stmt *st);
int db__column_type(struct db_stmt *st, int i);
int64_t db__column_int64(struct db_stmt *st, int i);
int db__column_int(struct db_stmt *st, int i);
/* NULL for a NULL column; valid until the next step, reset or finalize */
const unsigned char *db__column_text(struct db_stmt *st, int i);
const void *db__column_blob(struct db_stmt *st, int i);
int db__column_bytes(struct db_stmt *st, int i);

#endif
