// SPDX-License-Identifier: Apache-2.0
/*
 * The PostgreSQL driver: db.h's SQLite-shaped calls over libpq.
 *
 * A statement keeps its SQL (with SQLite's ?N rewritten to $N) and its
 * bound values; the first step sends both and later steps walk the rows.
 * Its first run goes with PQexecParams, so a statement used once costs one
 * round trip; one that runs again is prepared on the server then (parsing
 * and planning an upsert of 45 columns is most of its cost), and prepared
 * again on a connection that was opened anew (PostgreSQL restarted, a
 * failover) at the next transaction.
 *
 * Integers go as int8, blobs as binary bytea, text untyped (PostgreSQL
 * takes its type from where it is used), and rows come back as text.
 *
 * A deferred statement (db__defer) that is prepared, inside a transaction,
 * is sent in pipeline mode without waiting; the next statement that waits
 * joins the pipeline, then one sync reads every answer: one round trip for
 * them all. Anything else (exec, commit) reads the answers first.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/dbint.h"
#include "os/log.h"

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

static void set_error(struct pg_db *d, const char *msg, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	size_t n;

	/* the first line, without its "ERROR:  ": a log line is one line, and
	 * the rest (the statement's text, a caret) says nothing to an operator */
	if (msg && !strncmp(msg, "ERROR:  ", 8))
		msg += 8;
	snprintf(d->err, sizeof(d->err), "%s", msg && *msg ? msg : "PostgreSQL failed");
	d->err[strcspn(d->err, "\n")] = '\0';
	n = strlen(d->err);
	while (n && d->err[n - 1] == ' ')
		d->err[--n] = '\0';
	/* serialization failure and deadlock: the transaction may run again */
	d->retryable = state && (!strcmp(state, "40001") || !strcmp(state, "40P01"));
}

static void note_changes(struct pg_db *d, PGresult *res)
{
	const char *tuples = PQcmdTuples(res);

	if (strncmp(PQcmdStatus(res), "SELECT", 6) && tuples && *tuples)
		d->changes = strtoll(tuples, NULL, 10);
}

/*
 * Deferred statements (db__defer): sent in pipeline mode without waiting,
 * their answers read with the next statement's, after one sync. The first
 * failure is the error (a deadlock stays retryable); what the server
 * skipped after it answers PGRES_PIPELINE_ABORTED. last: the answer of the
 * statement sent last, when one was sent to be read (NULL: none).
 */
static int pipe_end(struct pg_db *d, PGresult **last)
{
	int n = d->pending + (last ? 1 : 0), rc = DB_OK;
	PGresult *r;

	d->pending = 0;
	if (!PQpipelineSync(d->conn)) {
		set_error(d, PQerrorMessage(d->conn), NULL);
		PQexitPipelineMode(d->conn);
		return DB_ERROR;
	}
	for (int i = 0; i < n; i++) {
		ExecStatusType st;

		r = PQgetResult(d->conn);
		if (!r) { /* the connection is gone */
			if (rc == DB_OK)
				set_error(d, PQerrorMessage(d->conn), NULL);
			rc = DB_ERROR;
			break;
		}
		st = PQresultStatus(r);
		if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
			if (rc == DB_OK && st != PGRES_PIPELINE_ABORTED)
				set_error(d, PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r) : PQerrorMessage(d->conn),
					  r);
			else if (rc == DB_OK)
				set_error(d, "a statement before this one failed", NULL);
			rc = DB_ERROR;
		}
		if (last && i == n - 1 && rc == DB_OK)
			*last = r;
		else
			PQclear(r);
		while ((r = PQgetResult(d->conn)))
			PQclear(r); /* the end of one statement's answers */
	}
	/* the sync's answer, then out of pipeline mode */
	while ((r = PQgetResult(d->conn))) {
		bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;

		PQclear(r);
		if (sync)
			break;
	}
	if (!PQexitPipelineMode(d->conn) && rc == DB_OK) {
		set_error(d, PQerrorMessage(d->conn), NULL);
		rc = DB_ERROR;
	}
	if (rc != DB_OK && last && *last) {
		PQclear(*last);
		*last = NULL;
	}
	return rc;
}

/* Reads the answers of what was deferred, before anything else is sent. */
static int settle(struct pg_db *d)
{
	return d->pending ? pipe_end(d, NULL) : DB_OK;
}

/* A broken connection is opened again, here at a transaction's start only,
 * so that a transaction never spans two connections. */
static bool connected(struct pg_db *d)
{
	if (PQstatus(d->conn) == CONNECTION_OK)
		return true;
	PQreset(d->conn);
	d->generation++; /* what was prepared went with the old connection */
	d->pending = 0;  /* and what was sent on it */
	if (PQstatus(d->conn) != CONNECTION_OK) {
		set_error(d, PQerrorMessage(d->conn), NULL);
		return false;
	}
	if (d->read_only) {
		PGresult *r = PQexec(d->conn, "SET default_transaction_read_only = on");

		PQclear(r);
	}
	return true;
}

static void p_close(struct db *db)
{
	PQfinish(PGDB(db)->conn);
	free(db);
}

static int p_exec(struct db *db, const char *sql)
{
	struct pg_db *d = PGDB(db);
	int rc = settle(d);
	PGresult *res = PQexec(d->conn, sql);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		if (rc == DB_OK)
			note_changes(d, res);
	} else {
		if (rc == DB_OK) /* else a deferred statement's error stands */
			set_error(d, PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res) : PQerrorMessage(d->conn),
				  res);
		rc = DB_ERROR;
	}
	PQclear(res);
	return rc;
}

/* sql, which opens a use of the connection (BEGIN, a ping) */
static int exec_first(struct db *db, const char *sql)
{
	struct pg_db *d = PGDB(db);

	if (!connected(d))
		return DB_ERROR;
	if (p_exec(db, sql) == DB_OK)
		return DB_OK;
	/* a server restarted or failed over since the last use: libpq learns
	 * the connection is gone only now; once more, on a new one */
	if (PQstatus(d->conn) == CONNECTION_OK || !connected(d))
		return DB_ERROR;
	return p_exec(db, sql);
}

static int p_begin(struct db *db)
{
	return exec_first(db, "BEGIN");
}

/* PostgreSQL answers COMMIT to a transaction a failed statement aborted
 * with ROLLBACK, and a success status: that is an error here. */
static int p_commit(struct db *db)
{
	struct pg_db *d = PGDB(db);
	PGresult *res;
	int rc;

	if (settle(d) != DB_OK)
		return DB_ERROR; /* a deferred statement's error: the caller rolls back */
	if (PQtransactionStatus(d->conn) == PQTRANS_INERROR) {
		snprintf(d->err, sizeof(d->err), "the transaction was aborted by an earlier error");
		p_exec(db, "ROLLBACK");
		return DB_ERROR;
	}
	res = PQexec(d->conn, "COMMIT");
	rc = PQresultStatus(res) == PGRES_COMMAND_OK && !strcmp(PQcmdStatus(res), "COMMIT") ? DB_OK : DB_ERROR;
	if (rc != DB_OK)
		set_error(d, PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res) : "COMMIT was rolled back",
			  res);
	PQclear(res);
	return rc;
}

static int p_ping(struct db *db)
{
	return exec_first(db, "SELECT 1");
}

static int64_t p_changes(struct db *db)
{
	return PGDB(db)->changes;
}

/* the outbox's id: its identity column's sequence, in this session */
static int64_t p_last_insert_rowid(struct db *db)
{
	PGresult *res;
	int64_t v = 0;

	if (settle(PGDB(db)) != DB_OK)
		return 0;
	res = PQexec(PGDB(db)->conn, "SELECT lastval()");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

static const char *p_errmsg(struct db *db)
{
	return PGDB(db)->err;
}

static bool p_retryable(struct db *db)
{
	return PGDB(db)->retryable;
}

static bool p_lost(struct db *db)
{
	return PQstatus(PGDB(db)->conn) != CONNECTION_OK;
}

static const struct db_ops pg_ops;
static int p_step(struct db_stmt *st);

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

static int p_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct pg_stmt *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return DB_ERROR;
	s->base.ops = &pg_ops;
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

static void p_reset(struct db_stmt *st)
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

static void p_clear_bindings(struct db_stmt *st)
{
	struct pg_stmt *s = PGST(st);

	for (int i = 0; i < s->nparams; i++) {
		free(s->params[i].owned);
		memset(&s->params[i], 0, sizeof(s->params[i]));
	}
}

static void p_finalize(struct db_stmt *st)
{
	struct pg_stmt *s = PGST(st);

	p_reset(st);
	p_clear_bindings(st);
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

static void p_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	struct pg_param *p = param(st, i);

	if (!p)
		return;
	snprintf(p->num, sizeof(p->num), "%" PRId64, v);
	p->value = p->num;
	p->type = OID_INT8;
}

static void p_bind_text(struct db_stmt *st, int i, const char *s, int len)
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

static void p_bind_blob(struct db_stmt *st, int i, const void *v, int len)
{
	struct pg_param *p = param(st, i);

	if (!p || !v)
		return; /* NULL, as SQLite binds a NULL pointer */
	p->value = v;
	p->len = len;
	p->format = 1;
	p->type = OID_BYTEA;
}

static void p_bind_null(struct db_stmt *st, int i)
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
		set_error(d, PQerrorMessage(d->conn), NULL);
		return DB_ERROR;
	}
	fill_params(s);
	ok = is_prepared(s) ? PQsendQueryPrepared(d->conn, s->name, s->nparams, s->values, s->lens, s->formats, 0)
			    : PQsendQueryParams(d->conn, s->sql, s->nparams, s->types, s->values, s->lens,
						s->formats, 0);
	if (!ok) {
		set_error(d, PQerrorMessage(d->conn), NULL);
		if (!d->pending)
			PQexitPipelineMode(d->conn);
		else
			pipe_end(d, NULL);
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
	if (d->pending && s->runs && !is_prepared(s) && settle(d) != DB_OK)
		return DB_ERROR;
	if (d->pending) {
		s->runs++;
		if (pipe_send(s) != DB_OK || pipe_end(d, &s->res) != DB_OK)
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
		set_error(d, PQresultErrorMessage(s->res)[0] ? PQresultErrorMessage(s->res) : PQerrorMessage(d->conn),
			  s->res);
		PQclear(s->res);
		s->res = NULL;
		return DB_ERROR;
	}
answered:
	note_changes(d, s->res);
	s->nrows = PQntuples(s->res);
	s->ncols = PQnfields(s->res);
	s->row = -1;
	if (s->ncols > 0) {
		s->blobs = calloc((size_t)s->ncols, sizeof(*s->blobs));
		s->blob_lens = calloc((size_t)s->ncols, sizeof(*s->blob_lens));
		if (!s->blobs || !s->blob_lens) {
			snprintf(d->err, sizeof(d->err), "out of memory");
			p_reset(&s->base);
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
static int p_defer(struct db_stmt *st)
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
	rc = p_step(st);
	p_reset(st);
	return rc == DB_ERROR ? DB_ERROR : DB_DONE;
}

static int p_step(struct db_stmt *st)
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

static int p_column_type(struct db_stmt *st, int i)
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

static int64_t p_column_int64(struct db_stmt *st, int i)
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

static const unsigned char *p_column_text(struct db_stmt *st, int i)
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

static const void *p_column_blob(struct db_stmt *st, int i)
{
	struct pg_stmt *s = PGST(st);
	size_t len;

	if (!has_value(s, i))
		return NULL;
	if (PQftype(s->res, i) == OID_BYTEA)
		return bytea(s, i, &len);
	return PQgetvalue(s->res, s->row, i);
}

static int p_column_bytes(struct db_stmt *st, int i)
{
	struct pg_stmt *s = PGST(st);
	size_t len = 0;

	if (!has_value(s, i))
		return 0;
	if (PQftype(s->res, i) == OID_BYTEA)
		return bytea(s, i, &len) ? (int)len : 0;
	return PQgetlength(s->res, s->row, i);
}

static const struct db_ops pg_ops = {
	.close = p_close,
	.exec = p_exec,
	.begin = p_begin,
	.commit = p_commit,
	.ping = p_ping,
	.changes = p_changes,
	.last_insert_rowid = p_last_insert_rowid,
	.errmsg = p_errmsg,
	.retryable = p_retryable,
	.lost = p_lost,
	.prepare = p_prepare,
	.finalize = p_finalize,
	.bind_int64 = p_bind_int64,
	.bind_text = p_bind_text,
	.bind_blob = p_bind_blob,
	.bind_null = p_bind_null,
	.step = p_step,
	.defer = p_defer,
	.reset = p_reset,
	.clear_bindings = p_clear_bindings,
	.column_type = p_column_type,
	.column_int64 = p_column_int64,
	.column_text = p_column_text,
	.column_blob = p_column_blob,
	.column_bytes = p_column_bytes,
};

/* The server's notices ("relation … already exists, skipping" from a
 * migration's IF NOT EXISTS) go to the log, not to stderr as libpq's own
 * receiver sends them: a warning as a warning, the rest for debugging. */
static void notice_to_log(void *arg, const PGresult *res)
{
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	(void)arg;
	if (severity && !strcmp(severity, "WARNING"))
		log_warn("postgres: %s", msg ? msg : "(a warning without text)");
	else
		log_debug("postgres: %s: %s", severity ? severity : "NOTICE", msg ? msg : "");
}

/* Keys the collector sets unless the DSN does: a name in pg_stat_activity,
 * and a bound on how long a dead server can hold a (re)connect. */
static PGconn *connect_dsn(const char *dsn)
{
	const char *keys[] = { "application_name", "connect_timeout", "dbname", NULL };
	const char *values[] = { "leakwatch-collector", "10", dsn, NULL };

	/* expand_dbname: the DSN's own keys, processed last, win over these */
	return PQconnectdbParams(keys, values, 1);
}

int db_pg__open(const struct db_open *o, struct db **out, char *err, size_t errlen)
{
	PQconninfoOption *opts;
	char *why = NULL;
	struct pg_db *d;

	if (!o->dsn || !*o->dsn) {
		snprintf(err, errlen, "storage.dsn or storage.dsn_file is required with driver postgres");
		return -EINVAL;
	}
	/* libpq's parse errors quote the string, password and all: checked
	 * first, and said in words of our own */
	opts = PQconninfoParse(o->dsn, &why);
	PQfreemem(why);
	if (!opts) {
		snprintf(err, errlen, "the storage DSN is not a libpq connection string or URI");
		return -EINVAL;
	}
	PQconninfoFree(opts);
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	d->base.ops = &pg_ops;
	d->base.driver = DB_POSTGRES;
	d->read_only = o->read_only;
	d->conn = connect_dsn(o->dsn);
	if (d->conn)
		PQsetNoticeReceiver(d->conn, notice_to_log, NULL); /* kept across PQreset */
	if (!d->conn || PQstatus(d->conn) != CONNECTION_OK) {
		/* libpq's message names host, port and user, never the password */
		snprintf(err, errlen, "cannot connect to PostgreSQL: %s",
			 d->conn ? PQerrorMessage(d->conn) : "out of memory");
		err[strcspn(err, "\n")] = '\0';
		p_close(&d->base);
		return -EIO;
	}
	if (o->read_only && p_exec(&d->base, "SET default_transaction_read_only = on") != DB_OK) {
		snprintf(err, errlen, "cannot set up the PostgreSQL session: %s", d->err);
		p_close(&d->base);
		return -EIO;
	}
	*out = &d->base;
	return 0;
}
