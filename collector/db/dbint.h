/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a driver implements: db.c dispatches every call of db.h through a
 * connection's or statement's ops. Private to db/.
 */
#ifndef COLLECTOR_DBINT_H
#define COLLECTOR_DBINT_H

#include "db/db.h"

struct db_ops {
	void (*close)(struct db *db);
	int (*exec)(struct db *db, const char *sql);
	int (*begin)(struct db *db);
	int (*commit)(struct db *db);
	int (*ping)(struct db *db);
	bool (*idle)(struct db *db);
	int64_t (*changes)(struct db *db);
	int64_t (*last_insert_rowid)(struct db *db);
	const char *(*errmsg)(struct db *db);
	bool (*retryable)(struct db *db);
	bool (*lost)(struct db *db);
	int (*prepare)(struct db *db, const char *sql, struct db_stmt **out);
	void (*finalize)(struct db_stmt *st);
	void (*bind_int64)(struct db_stmt *st, int i, int64_t v);
	void (*bind_text)(struct db_stmt *st, int i, const char *s, int len);
	void (*bind_blob)(struct db_stmt *st, int i, const void *p, int len);
	void (*bind_null)(struct db_stmt *st, int i);
	int (*step)(struct db_stmt *st);
	int (*defer)(struct db_stmt *st);
	void (*reset)(struct db_stmt *st);
	void (*clear_bindings)(struct db_stmt *st);
	int (*column_type)(struct db_stmt *st, int i);
	int64_t (*column_int64)(struct db_stmt *st, int i);
	const unsigned char *(*column_text)(struct db_stmt *st, int i);
	const void *(*column_blob)(struct db_stmt *st, int i);
	int (*column_bytes)(struct db_stmt *st, int i);
};

/* the head of each driver's connection and statement */
struct db {
	const struct db_ops *ops;
	enum db_driver driver;
	uint64_t tx_serial; /* db__tx_serial */
};

struct db_stmt {
	const struct db_ops *ops;
};

int db_sqlite__open(const struct db_open *o, struct db **out, char *err, size_t errlen);
int db_pg__open(const struct db_open *o, struct db **out, char *err, size_t errlen);

#endif
