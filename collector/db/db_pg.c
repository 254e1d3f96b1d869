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
 *
 * This file holds the connection and its transactions; db_pgstmt.c the
 * statements.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_pgint.h"
#include "os/log.h"

void db_pg__set_error(struct pg_db *d, const char *msg, const PGresult *res)
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

void db_pg__note_changes(struct pg_db *d, PGresult *res)
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
int db_pg__pipe_end(struct pg_db *d, PGresult **last)
{
	int n = d->pending + (last ? 1 : 0), rc = DB_OK;
	PGresult *r;

	d->pending = 0;
	if (!PQpipelineSync(d->conn)) {
		db_pg__set_error(d, PQerrorMessage(d->conn), NULL);
		PQexitPipelineMode(d->conn);
		return DB_ERROR;
	}
	for (int i = 0; i < n; i++) {
		ExecStatusType st;

		r = PQgetResult(d->conn);
		if (!r) { /* the connection is gone */
			if (rc == DB_OK)
				db_pg__set_error(d, PQerrorMessage(d->conn), NULL);
			rc = DB_ERROR;
			break;
		}
		st = PQresultStatus(r);
		if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
			if (rc == DB_OK && st != PGRES_PIPELINE_ABORTED)
				db_pg__set_error(d, PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r) : PQerrorMessage(d->conn),
					  r);
			else if (rc == DB_OK)
				db_pg__set_error(d, "a statement before this one failed", NULL);
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
		db_pg__set_error(d, PQerrorMessage(d->conn), NULL);
		rc = DB_ERROR;
	}
	if (rc != DB_OK && last && *last) {
		PQclear(*last);
		*last = NULL;
	}
	return rc;
}

/* Reads the answers of what was deferred, before anything else is sent. */
int db_pg__settle(struct pg_db *d)
{
	return d->pending ? db_pg__pipe_end(d, NULL) : DB_OK;
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
		db_pg__set_error(d, PQerrorMessage(d->conn), NULL);
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
	int rc = db_pg__settle(d);
	PGresult *res = PQexec(d->conn, sql);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		if (rc == DB_OK)
			db_pg__note_changes(d, res);
	} else {
		if (rc == DB_OK) /* else a deferred statement's error stands */
			db_pg__set_error(d, PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res) : PQerrorMessage(d->conn),
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

	if (db_pg__settle(d) != DB_OK)
		return DB_ERROR; /* a deferred statement's error: the caller rolls back */
	if (PQtransactionStatus(d->conn) == PQTRANS_INERROR) {
		snprintf(d->err, sizeof(d->err), "the transaction was aborted by an earlier error");
		p_exec(db, "ROLLBACK");
		return DB_ERROR;
	}
	res = PQexec(d->conn, "COMMIT");
	rc = PQresultStatus(res) == PGRES_COMMAND_OK && !strcmp(PQcmdStatus(res), "COMMIT") ? DB_OK : DB_ERROR;
	if (rc != DB_OK)
		db_pg__set_error(d, PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res) : "COMMIT was rolled back",
			  res);
	PQclear(res);
	return rc;
}

static int p_ping(struct db *db)
{
	return exec_first(db, "SELECT 1");
}

static bool p_idle(struct db *db)
{
	return !PGDB(db)->pending && PQstatus(PGDB(db)->conn) == CONNECTION_OK &&
	       PQtransactionStatus(PGDB(db)->conn) == PQTRANS_IDLE;
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

	if (db_pg__settle(PGDB(db)) != DB_OK)
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

const struct db_ops db_pg__ops = {
	.close = p_close,
	.exec = p_exec,
	.begin = p_begin,
	.commit = p_commit,
	.ping = p_ping,
	.idle = p_idle,
	.changes = p_changes,
	.last_insert_rowid = p_last_insert_rowid,
	.errmsg = p_errmsg,
	.retryable = p_retryable,
	.lost = p_lost,
	.prepare = db_pgstmt__prepare,
	.finalize = db_pgstmt__finalize,
	.bind_int64 = db_pgstmt__bind_int64,
	.bind_text = db_pgstmt__bind_text,
	.bind_blob = db_pgstmt__bind_blob,
	.bind_null = db_pgstmt__bind_null,
	.step = db_pgstmt__step,
	.defer = db_pgstmt__defer,
	.reset = db_pgstmt__reset,
	.clear_bindings = db_pgstmt__clear_bindings,
	.column_type = db_pgstmt__column_type,
	.column_int64 = db_pgstmt__column_int64,
	.column_text = db_pgstmt__column_text,
	.column_blob = db_pgstmt__column_blob,
	.column_bytes = db_pgstmt__column_bytes,
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
	d->base.ops = &db_pg__ops;
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
