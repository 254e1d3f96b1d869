// SPDX-License-Identifier: Apache-2.0
#include "db/db.h"

#include <errno.h>
#include <stdio.h>

#include "db/dbint.h"

int db__open(const struct db_open *o, struct db **out, char *err, size_t errlen)
{
	*out = NULL;
	switch (o->driver) {
	case DB_SQLITE: return db_sqlite__open(o, out, err, errlen);
	case DB_POSTGRES: return db_pg__open(o, out, err, errlen);
	}
	snprintf(err, errlen, "unknown storage driver");
	return -EINVAL;
}

void db__close(struct db *db)
{
	if (db)
		db->ops->close(db);
}

enum db_driver db__driver(const struct db *db) { return db->driver; }
int db__exec(struct db *db, const char *sql) { return db->ops->exec(db, sql); }
int db__begin(struct db *db) { db->tx_serial++; return db->ops->begin(db); }
int db__commit(struct db *db) { db->tx_serial++; return db->ops->commit(db); }
int db__ping(struct db *db) { return db->ops->ping(db); }
bool db__idle(struct db *db) { return db->ops->idle(db); }
int db__rollback(struct db *db) { db->tx_serial++; return db->ops->exec(db, "ROLLBACK"); }
uint64_t db__tx_serial(const struct db *db) { return db->tx_serial; }
int64_t db__changes(struct db *db) { return db->ops->changes(db); }
int64_t db__last_insert_rowid(struct db *db) { return db->ops->last_insert_rowid(db); }
const char *db__errmsg(struct db *db) { return db->ops->errmsg(db); }
bool db__retryable(struct db *db) { return db->ops->retryable(db); }
bool db__lost(struct db *db) { return db->ops->lost(db); }
int db__prepare(struct db *db, const char *sql, struct db_stmt **out) { return db->ops->prepare(db, sql, out); }

void db__finalize(struct db_stmt *st)
{
	if (st)
		st->ops->finalize(st);
}

void db__bind_int64(struct db_stmt *st, int i, int64_t v) { st->ops->bind_int64(st, i, v); }
void db__bind_int(struct db_stmt *st, int i, int v) { st->ops->bind_int64(st, i, v); }
void db__bind_text(struct db_stmt *st, int i, const char *s, int len) { st->ops->bind_text(st, i, s, len); }
void db__bind_blob(struct db_stmt *st, int i, const void *p, int len) { st->ops->bind_blob(st, i, p, len); }
void db__bind_null(struct db_stmt *st, int i) { st->ops->bind_null(st, i); }
int db__step(struct db_stmt *st) { return st->ops->step(st); }

int db__defer(struct db_stmt *st)
{
	int rc;

	if (st->ops->defer)
		return st->ops->defer(st);
	rc = st->ops->step(st);
	st->ops->reset(st);
	return rc == DB_ERROR ? DB_ERROR : DB_DONE;
}
void db__reset(struct db_stmt *st) { st->ops->reset(st); }
void db__clear_bindings(struct db_stmt *st) { st->ops->clear_bindings(st); }
int db__column_type(struct db_stmt *st, int i) { return st->ops->column_type(st, i); }
int64_t db__column_int64(struct db_stmt *st, int i) { return st->ops->column_int64(st, i); }
int db__column_int(struct db_stmt *st, int i) { return (int)st->ops->column_int64(st, i); }
const unsigned char *db__column_text(struct db_stmt *st, int i) { return st->ops->column_text(st, i); }
const void *db__column_blob(struct db_stmt *st, int i) { return st->ops->column_blob(st, i); }
int db__column_bytes(struct db_stmt *st, int i) { return st->ops->column_bytes(st, i); }
