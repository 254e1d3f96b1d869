// SPDX-License-Identifier: Apache-2.0
/*
 * The PostgreSQL driver's statements (see db_pg.c for the whole): SQLite's
 * ?N rewritten to $N, values bound, the first run by PQexecParams and later
 * ones prepared on the server, deferred ones pipelined, rows read as text.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_pgint.h"
/*
 * SQLite's parameters in PostgreSQL's spelling: ?N becomes $N, and a bare
 * ? the next number after the largest so far, as SQLite numbers it. Quoted
 * strings and identifiers are copied as they are. *nparams is the largest.
 */
static char *translate(const char *sql, int *nparams, unsigned char **used)
{
	size_t n = strlen(sql);
	/* "?" becomes "$" and at most 5 digits (SQLite's limit is 32766) */
	char *out = malloc(n * 6 + 1), *o = out;
	int max = 0;

	*used = calloc(n + 1, 1); /* never more parameters than characters */
	if (!out || !*used) {
		free(out);
		free(*used);
		*used = NULL;
		return NULL;
	}
	for (const char *p = sql; *p;) {
		if (*p == '\'' || *p == '"') {
			char q = *p;

			*o++ = *p++;
			while (*p && *p != q)
				*o++ = *p++;
			if (*p)
				*o++ = *p++;
		} else if (*p == '?') {
			char *end;
			long k = strtol(p + 1, &end, 10);

			if (end == p + 1 || !isdigit((unsigned char)p[1]))
				k = max + 1, end = (char *)p + 1;
			if (k > (long)n)
				k = (long)n; /* nonsense SQL: PostgreSQL will say so */
			if (k > max)
				max = (int)k;
			(*used)[k - 1] = 1;
			o += sprintf(o, "$%ld", k);
			p = end;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	*nparams = max;
	return out;
}

static void free_stmt(struct pg_stmt *s)
{
	free(s->params);
	free(s->used);
	free(s->values);
	free(s->lens);
	free(s->formats);
	free(s->types);
	free(s->sql);
	free(s);
}

int db_pgstmt__prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct pg_stmt *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return DB_ERROR;
	s->base.ops = &db_pg__ops;
	s->db = PGDB(db);
	s->sql = translate(sql, &s->nparams, &s->used);
	s->params = calloc((size_t)s->nparams + 1, sizeof(*s->params));
	s->values = calloc((size_t)s->nparams + 1, sizeof(*s->values));
	s->lens = calloc((size_t)s->nparams + 1, sizeof(*s->lens));
	s->formats = calloc((size_t)s->nparams + 1, sizeof(*s->formats));
	s->types = calloc((size_t)s->nparams + 1, sizeof(*s->types));
	if (!s->sql || !s->params || !s->values || !s->lens || !s->formats || !s->types) {
		free_stmt(s);
		snprintf(PGDB(db)->err, sizeof(PGDB(db)->err), "out of memory");
		return DB_ERROR;
	}
	*out = &s->base;
	return DB_OK;
}

static void forget_row(struct pg_stmt *s)
{
	for (int i = 0; s->blobs && i < s->ncols; i++) {
		free(s->blobs[i]);
		s->blobs[i] = NULL;
	}
}

void db_pgstmt__reset(struct db_stmt *st)
{
	struct pg_stmt *s = PGST(st);

	forget_row(s);
	free(s->blobs);
	free(s->blob_lens);
	s->blobs = NULL;
	s->blob_lens = NULL;
	PQclear(s->res);
	s->res = NULL;
	s->row = s->nrows = s->ncols = 0;
}

void db_pgstmt__clear_bindings(struct db_stmt *st)
{
	struct pg_stmt *s = PGST(st);

	for (int i = 0; i < s->nparams; i++) {
		free(s->params[i].owned);
		memset(&s->params[i], 0, sizeof(s->params[i]));
	}
}

void db_pgstmt__finalize(struct db_stmt *st)
{
	struct pg_stmt *s = PGST(st);

	db_pgstmt__reset(st);
	db_pgstmt__clear_bindings(st);
	if (s->prepared && s->generation == s->db->generation && !s->db->pending &&
	    PQstatus(s->db->conn) == CONNECTION_OK &&
	    PQtransactionStatus(s->db->conn) == PQTRANS_IDLE) {
		char sql[40];

		snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->name);
		PQclear(PQexec(s->db->conn, sql));
	}
	free_stmt(s);
}

/* the parameter i (1-based), cleared of what it held; NULL when out of range */
static struct pg_param *param(struct db_stmt *st, int i)
{
	struct pg_stmt *s = PGST(st);
	struct pg_param *p;

	if (i < 1 || i > s->nparams)
		return NULL;
	p = &s->params[i - 1];
	free(p->owned);
	memset(p, 0, sizeof(*p));
	return p;
}

void db_pgstmt__bind_int64(struct db_stmt *st, int i, int64_t v)
{
	struct pg_param *p = param(st, i);

	if (!p)
		return;
	snprintf(p->num, sizeof(p->num), "%" PRId64, v);
	p->value = p->num;
	p->type = OID_INT8;
}

void db_pgstmt__bind_text(struct db_stmt *st, int i, const char *s, int len)
{
	struct pg_param *p = param(st, i);

	if (!p || !s)
		return;
	if (len >= 0 && memchr(s, '\0', (size_t)len) == NULL) {
		/* text parameters travel NUL-terminated */
		p->owned = strndup(s, (size_t)len);
		p->value = p->owned;
	} else {
		p->value = s;
	}
}

void db_pgstmt__bind_blob(struct db_stmt *st, int i, const void *v, int len)
{
	struct pg_param *p = param(st, i);

	if (!p || !v)
		return; /* NULL, as SQLite binds a NULL pointer */
	p->value = v;
	p->len = len;
	p->format = 1;
	p->type = OID_BYTEA;
}

void db_pgstmt__bind_null(struct db_stmt *st, int i)
{
	param(st, i);
}

static void fill_params(struct pg_stmt *s)
{
	for (int i = 0; i < s->nparams; i++) {
		s->values[i] = s->params[i].value;
		s->lens[i] = s->params[i].len;
		s->formats[i] = s->params[i].format;
		/* a number the SQL skips (?3 without ?1): PostgreSQL wants a type */
		s->types[i] = s->params[i].type || s->used[i] ? s->params[i].type : OID_TEXT;
	}
}

static bool is_prepared(const struct pg_stmt *s)
{
	return s->prepared && s->generation == s->db->generation;
}

/* Sends a statement in pipeline mode (a prepared one by its name). */
static int pipe_send(struct pg_stmt *s)
{
	struct pg_db *d = s->db;
	int ok;

	if (!d->pending && !PQenterPipelineMode(d->conn)) {
		db_pg__set_error(d, PQerrorMessage(d->conn), NULL);
		return DB_ERROR;
	}
	fill_params(s);
	ok = is_prepared(s) ? PQsendQueryPrepared(d->conn, s->name, s->nparams, s->values, s->lens, s->formats, 0)
			    : PQsendQueryParams(d->conn, s->sql, s->nparams, s->types, s->values, s->lens,
						s->formats, 0);
	if (!ok) {
		db_pg__set_error(d, PQerrorMessage(d->conn), NULL);
		if (!d->pending)
			PQexitPipelineMode(d->conn);
		else
			db_pg__pipe_end(d, NULL);
		return DB_ERROR;
	}
	return DB_OK;
}

static int run(struct pg_stmt *s)
{
	struct pg_db *d = s->db;
	ExecStatusType status;

	/* what was deferred goes first; this one joins it, one round trip for
	 * all, unless it is to be prepared now */
	if (d->pending && s->runs && !is_prepared(s) && db_pg__settle(d) != DB_OK)
		return DB_ERROR;
	if (d->pending) {
		s->runs++;
		if (pipe_send(s) != DB_OK || db_pg__pipe_end(d, &s->res) != DB_OK)
			return DB_ERROR;
		goto answered;
	}
	fill_params(s);
	if (s->runs++ && !is_prepared(s)) {
		/* run before: worth preparing (a failure just leaves it unprepared) */
		PGresult *p;

		snprintf(s->name, sizeof(s->name), "lw_%u", d->next_name++);
		p = PQprepare(d->conn, s->name, s->sql, s->nparams, s->types);
		s->prepared = PQresultStatus(p) == PGRES_COMMAND_OK;
		s->generation = d->generation;
		PQclear(p);
	}
	if (is_prepared(s))
		s->res = PQexecPrepared(d->conn, s->name, s->nparams, s->values, s->lens, s->formats, 0);
	else
		s->res = PQexecParams(d->conn, s->sql, s->nparams, s->types, s->values, s->lens, s->formats, 0);
	status = PQresultStatus(s->res);
	if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
		db_pg__set_error(d, PQresultErrorMessage(s->res)[0] ? PQresultErrorMessage(s->res) : PQerrorMessage(d->conn),
			  s->res);
		PQclear(s->res);
		s->res = NULL;
		return DB_ERROR;
	}
answered:
	db_pg__note_changes(d, s->res);
	s->nrows = PQntuples(s->res);
	s->ncols = PQnfields(s->res);
	s->row = -1;
	if (s->ncols > 0) {
		s->blobs = calloc((size_t)s->ncols, sizeof(*s->blobs));
		s->blob_lens = calloc((size_t)s->ncols, sizeof(*s->blob_lens));
		if (!s->blobs || !s->blob_lens) {
			snprintf(d->err, sizeof(d->err), "out of memory");
			db_pgstmt__reset(&s->base);
			return DB_ERROR;
		}
	}
	return DB_OK;
}

/*
 * Inside a transaction, a statement that runs prepared goes in pipeline
 * mode, unanswered until the next statement that waits; any other runs
 * now. Outside one, statements between two syncs would make a transaction
 * of their own, so it runs now too.
 */
int db_pgstmt__defer(struct db_stmt *st)
{
	struct pg_stmt *s = PGST(st);
	struct pg_db *d = s->db;
	int rc;

	if (is_prepared(s) && (d->pending || PQtransactionStatus(d->conn) == PQTRANS_INTRANS)) {
		s->runs++;
		if (pipe_send(s) != DB_OK)
			return DB_ERROR;
		d->pending++;
		return DB_DONE;
	}
	rc = db_pgstmt__step(st);
	db_pgstmt__reset(st);
	return rc == DB_ERROR ? DB_ERROR : DB_DONE;
}

int db_pgstmt__step(struct db_stmt *st)
{
	struct pg_stmt *s = PGST(st);

	if (!s->res && run(s) != DB_OK)
		return DB_ERROR;
	forget_row(s);
	if (s->row + 1 >= s->nrows) {
		s->row = s->nrows;
		return DB_DONE;
	}
	s->row++;
	return DB_ROW;
}

static bool has_value(struct pg_stmt *s, int i)
{
	return s->res && s->row >= 0 && s->row < s->nrows && i >= 0 && i < s->ncols &&
	       !PQgetisnull(s->res, s->row, i);
}

int db_pgstmt__column_type(struct db_stmt *st, int i)
{
	struct pg_stmt *s = PGST(st);

	if (!has_value(s, i))
		return DB_NULL;
	switch (PQftype(s->res, i)) {
	case OID_BOOL:
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID:
	case OID_NUMERIC: return DB_INTEGER;
	case OID_FLOAT4:
	case OID_FLOAT8: return DB_FLOAT;
	case OID_BYTEA: return DB_BLOB;
	default: return DB_TEXT;
	}
}

int64_t db_pgstmt__column_int64(struct db_stmt *st, int i)
{
	struct pg_stmt *s = PGST(st);
	const char *v;

	if (!has_value(s, i))
		return 0;
	v = PQgetvalue(s->res, s->row, i);
	if (PQftype(s->res, i) == OID_BOOL)
		return v[0] == 't';
	return strtoll(v, NULL, 10);
}

/* a bytea column's bytes, decoded once per row */
static const unsigned char *bytea(struct pg_stmt *s, int i, size_t *len)
{
	if (!s->blobs[i]) {
		size_t n = 0;
		unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, s->row, i), &n);

		/* a copy ended with a NUL, so that column_text can hand it out */
		s->blobs[i] = raw ? malloc(n + 1) : NULL;
		if (s->blobs[i]) {
			memcpy(s->blobs[i], raw, n);
			s->blobs[i][n] = '\0';
		}
		PQfreemem(raw);
		if (!s->blobs[i])
			return NULL;
		s->blob_lens[i] = n;
	}
	*len = s->blob_lens[i];
	return s->blobs[i];
}

const unsigned char *db_pgstmt__column_text(struct db_stmt *st, int i)
{
	struct pg_stmt *s = PGST(st);

	if (!has_value(s, i))
		return NULL;
	/* a bytea's text is its bytes, as SQLite gives a blob's, NUL-ended */
	if (PQftype(s->res, i) == OID_BYTEA) {
		size_t len;

		return bytea(s, i, &len);
	}
	return (const unsigned char *)PQgetvalue(s->res, s->row, i);
}

const void *db_pgstmt__column_blob(struct db_stmt *st, int i)
{
	struct pg_stmt *s = PGST(st);
	size_t len;

	if (!has_value(s, i))
		return NULL;
	if (PQftype(s->res, i) == OID_BYTEA)
		return bytea(s, i, &len);
	return PQgetvalue(s->res, s->row, i);
}

int db_pgstmt__column_bytes(struct db_stmt *st, int i)
{
	struct pg_stmt *s = PGST(st);
	size_t len = 0;

	if (!has_value(s, i))
		return 0;
	if (PQftype(s->res, i) == OID_BYTEA)
		return bytea(s, i, &len) ? (int)len : 0;
	return PQgetlength(s->res, s->row, i);
}
