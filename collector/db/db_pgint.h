/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the PostgreSQL driver's two halves share: the connection and its
 * transactions (db_pg.c), and statements, their parameters, pipelining and
 * rows (db_pgstmt.c). Private to collector/db.
 */
#ifndef COLLECTOR_DB_PGINT_H
#define COLLECTOR_DB_PGINT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/dbint.h"

/* the type oids of pg_type.h, which is not part of libpq's headers */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_TEXT 25
#define OID_INT2 21
#define OID_INT4 23
#define OID_OID 26
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700

struct pg_db {
	struct db base;
	PGconn *conn;
	bool read_only;
	bool retryable;
	unsigned generation; /* connections opened: a prepared statement is of one */
	unsigned next_name;
	int pending; /* deferred statements sent in pipeline mode, their answers unread */
	int64_t changes;
	char err[512];
};

struct pg_param {
	const char *value;
	char *owned;   /* a copy, when the caller's text was not NUL-terminated */
	char num[24];  /* an integer's decimal digits */
	int len;
	int format;    /* 0 text, 1 binary */
	Oid type;
};

struct pg_stmt {
	struct db_stmt base;
	struct pg_db *db;
	char *sql;
	int nparams;
	struct pg_param *params;
	unsigned char *used; /* per parameter: the SQL names it */
	/* what libpq is given per parameter: a multi-row INSERT has thousands,
	 * too many for the stack of the thread that runs it */
	const char **values;
	int *lens, *formats;
	Oid *types;
	unsigned runs;
	bool prepared;       /* as `name`, on connection `generation` */
	unsigned generation;
	char name[24];
	PGresult *res;
	int row, nrows;
	unsigned char **blobs; /* bytea columns of the current row, decoded on demand */
	size_t *blob_lens;
	int ncols;
};

#define PGDB(d) ((struct pg_db *)(d))
#define PGST(s) ((struct pg_stmt *)(s))

/* db_pg.c */
extern const struct db_ops db_pg__ops;
void db_pg__set_error(struct pg_db *d, const char *msg, const PGresult *res);
void db_pg__note_changes(struct pg_db *d, PGresult *res);
int db_pg__pipe_end(struct pg_db *d, PGresult **last);
int db_pg__settle(struct pg_db *d);

/* db_pgstmt.c: db_ops' statement calls */
int db_pgstmt__prepare(struct db *db, const char *sql, struct db_stmt **out);
void db_pgstmt__reset(struct db_stmt *st);
void db_pgstmt__clear_bindings(struct db_stmt *st);
void db_pgstmt__finalize(struct db_stmt *st);
void db_pgstmt__bind_int64(struct db_stmt *st, int i, int64_t v);
void db_pgstmt__bind_text(struct db_stmt *st, int i, const char *s, int len);
void db_pgstmt__bind_blob(struct db_stmt *st, int i, const void *v, int len);
void db_pgstmt__bind_null(struct db_stmt *st, int i);
int db_pgstmt__defer(struct db_stmt *st);
int db_pgstmt__step(struct db_stmt *st);
int db_pgstmt__column_type(struct db_stmt *st, int i);
int64_t db_pgstmt__column_int64(struct db_stmt *st, int i);
const unsigned char *db_pgstmt__column_text(struct db_stmt *st, int i);
const void *db_pgstmt__column_blob(struct db_stmt *st, int i);
int db_pgstmt__column_bytes(struct db_stmt *st, int i);

#endif
