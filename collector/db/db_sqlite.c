// SPDX-License-Identifier: Apache-2.0
/*
 * The SQLite driver: a thin skin over sqlite3, plus the functions the
 * shared SQL uses that SQLite lacks (greatest, least, lw_hex16).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "db/dbint.h"

struct sqlite_db {
	struct db base;
	sqlite3 *conn;
};

struct sqlite_stmt {
	struct db_stmt base;
	sqlite3_stmt *st;
};

#define CONN(d) (((struct sqlite_db *)(d))->conn)
#define STMT(s) (((struct sqlite_stmt *)(s))->st)

/*
 * PostgreSQL's greatest() and least(), over integers (all the shared SQL
 * compares): NULL arguments are ignored, and the result is NULL only when
 * all are (SQLite's max(a, b) is NULL if any is).
 */
static void extreme(sqlite3_context *ctx, int argc, sqlite3_value **argv, bool greatest)
{
	sqlite3_value *best = NULL;

	for (int i = 0; i < argc; i++) {
		sqlite3_int64 v = sqlite3_value_int64(argv[i]);

		if (sqlite3_value_type(argv[i]) == SQLITE_NULL)
			continue;
		if (!best || (greatest ? v > sqlite3_value_int64(best) : v < sqlite3_value_int64(best)))
			best = argv[i];
	}
	if (best)
		sqlite3_result_value(ctx, best);
	else
		sqlite3_result_null(ctx);
}

static void fn_greatest(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	extreme(ctx, argc, argv, true);
}

static void fn_least(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	extreme(ctx, argc, argv, false);
}

/* a rowid as 16 hex digits: the fixed width of a history's ids (store.h) */
static void fn_hex16(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	static const char digits[] = "0123456789abcdef";
	uint64_t v = (uint64_t)sqlite3_value_int64(argv[0]);
	char s[16];

	(void)argc;
	/* by hand: it runs for each event stored, where snprintf cost 1% of ingest */
	for (int i = 15; i >= 0; i--, v >>= 4)
		s[i] = digits[v & 0xf];
	sqlite3_result_text(ctx, s, 16, SQLITE_TRANSIENT);
}

static int add_functions(sqlite3 *c)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;

	return sqlite3_create_function(c, "greatest", -1, flags, NULL, fn_greatest, NULL, NULL) ||
	       sqlite3_create_function(c, "least", -1, flags, NULL, fn_least, NULL, NULL) ||
	       sqlite3_create_function(c, "lw_hex16", 1, flags, NULL, fn_hex16, NULL, NULL);
}

static void s_close(struct db *d)
{
	sqlite3_close(CONN(d));
	free(d);
}

static int s_exec(struct db *d, const char *sql)
{
	return sqlite3_exec(CONN(d), sql, NULL, NULL, NULL) == SQLITE_OK ? DB_OK : DB_ERROR;
}

/* the write lock at once, so that two writers never deadlock upgrading */
static int s_begin(struct db *d)
{
	return s_exec(d, "BEGIN IMMEDIATE");
}

static int s_commit(struct db *d)
{
	return s_exec(d, "COMMIT");
}

static int s_ping(struct db *d)
{
	(void)d;
	return DB_OK;
}

/* A statement stepped and not reset holds a read transaction open: its
 * connection would see the database as it was then. */
static bool s_idle(struct db *d)
{
	sqlite3_stmt *st = NULL;

	if (!sqlite3_get_autocommit(CONN(d)))
		return false;
	while ((st = sqlite3_next_stmt(CONN(d), st)))
		if (sqlite3_stmt_busy(st))
			return false;
	return true;
}

static int64_t s_changes(struct db *d)
{
	return sqlite3_changes(CONN(d));
}

static int64_t s_last_insert_rowid(struct db *d)
{
	return sqlite3_last_insert_rowid(CONN(d));
}

static const char *s_errmsg(struct db *d)
{
	return sqlite3_errmsg(CONN(d));
}

/* SQLite's busy: it already waited busy_timeout for the other writer */
static bool s_retryable(struct db *d)
{
	(void)d;
	return false;
}

static bool s_lost(struct db *d)
{
	(void)d;
	return false;
}

static const struct db_ops sqlite_ops;

static int s_prepare(struct db *d, const char *sql, struct db_stmt **out)
{
	struct sqlite_stmt *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return DB_ERROR;
	s->base.ops = &sqlite_ops;
	if (sqlite3_prepare_v3(CONN(d), sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL) != SQLITE_OK) {
		free(s);
		return DB_ERROR;
	}
	*out = &s->base;
	return DB_OK;
}

static void s_finalize(struct db_stmt *st)
{
	sqlite3_finalize(STMT(st));
	free(st);
}

static void s_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(STMT(st), i, v);
}

static void s_bind_text(struct db_stmt *st, int i, const char *s, int len)
{
	sqlite3_bind_text(STMT(st), i, s, len, SQLITE_STATIC);
}

static void s_bind_blob(struct db_stmt *st, int i, const void *p, int len)
{
	sqlite3_bind_blob(STMT(st), i, p, len, SQLITE_STATIC);
}

static void s_bind_null(struct db_stmt *st, int i)
{
	sqlite3_bind_null(STMT(st), i);
}

static int s_step(struct db_stmt *st)
{
	int rc = sqlite3_step(STMT(st));

	return rc == SQLITE_ROW ? DB_ROW : rc == SQLITE_DONE ? DB_DONE : DB_ERROR;
}

static void s_reset(struct db_stmt *st)
{
	sqlite3_reset(STMT(st));
}

static void s_clear_bindings(struct db_stmt *st)
{
	sqlite3_clear_bindings(STMT(st));
}

static int s_column_type(struct db_stmt *st, int i)
{
	return sqlite3_column_type(STMT(st), i); /* the same numbers as enum db_type */
}

static int64_t s_column_int64(struct db_stmt *st, int i)
{
	return sqlite3_column_int64(STMT(st), i);
}

static const unsigned char *s_column_text(struct db_stmt *st, int i)
{
	return sqlite3_column_text(STMT(st), i);
}

static const void *s_column_blob(struct db_stmt *st, int i)
{
	return sqlite3_column_blob(STMT(st), i);
}

static int s_column_bytes(struct db_stmt *st, int i)
{
	return sqlite3_column_bytes(STMT(st), i);
}

static const struct db_ops sqlite_ops = {
	.close = s_close,
	.exec = s_exec,
	.begin = s_begin,
	.commit = s_commit,
	.ping = s_ping,
	.idle = s_idle,
	.changes = s_changes,
	.last_insert_rowid = s_last_insert_rowid,
	.errmsg = s_errmsg,
	.retryable = s_retryable,
	.lost = s_lost,
	.prepare = s_prepare,
	.finalize = s_finalize,
	.bind_int64 = s_bind_int64,
	.bind_text = s_bind_text,
	.bind_blob = s_bind_blob,
	.bind_null = s_bind_null,
	.step = s_step,
	.reset = s_reset,
	.clear_bindings = s_clear_bindings,
	.column_type = s_column_type,
	.column_int64 = s_column_int64,
	.column_text = s_column_text,
	.column_blob = s_column_blob,
	.column_bytes = s_column_bytes,
};

_Static_assert(SQLITE_INTEGER == DB_INTEGER && SQLITE_FLOAT == DB_FLOAT && SQLITE_TEXT == DB_TEXT &&
		       SQLITE_BLOB == DB_BLOB && SQLITE_NULL == DB_NULL,
	       "db_type has SQLite's numbers");

/* The database holds host names, paths and redacted findings: owner only. */
static int create_private(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -EIO;
	}
	close(fd);
	return 0;
}

#define TEXT_OF_(x) #x
#define TEXT_OF(x) TEXT_OF_(x)
#define PAGE_SIZE_TEXT TEXT_OF(DB_SQLITE_PAGE_SIZE)

static int set_up(sqlite3 *c, const struct db_open *o)
{
	sqlite3_extended_result_codes(c, 1);
	sqlite3_busy_timeout(c, (int)(o->busy_timeout_ms > 600000 ? 600000 : o->busy_timeout_ms));
	if (add_functions(c))
		return -EIO;
	if (o->read_only)
		return 0;
	/*
	 * 16 KiB pages, which only a new database takes (an existing one keeps
	 * its own; VACUUM outside WAL mode would change it). A batch's upserts
	 * of listeners and leaks, whose rows carry their histories, then touch
	 * and log fewer pages: +30% events/s over 4 KiB in bench-collector.
	 * Before journal_mode, whose first write fixes the size.
	 */
	if (sqlite3_exec(c, "PRAGMA page_size = " PAGE_SIZE_TEXT, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(c, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(c, o->sync_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", NULL,
			 NULL, NULL) != SQLITE_OK)
		return -EIO;
	return 0;
}

/*
 * Before SQLite's first use: no memory statistics, which nothing reads and
 * which take a global mutex at each of SQLite's allocations and frees (3%
 * of a batch's ingest).
 */
static void configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int db_sqlite__open(const struct db_open *o, struct db **out, char *err, size_t errlen)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	/* our callers' mutex serialises use of the connection */
	int flags = (o->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
	struct sqlite_db *d;
	int rc;

	pthread_once(&once, configure);
	if (!o->read_only && strcmp(o->path, ":memory:") && access(o->path, F_OK) &&
	    create_private(o->path, err, errlen))
		return -EIO;
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	d->base.ops = &sqlite_ops;
	d->base.driver = DB_SQLITE;
	rc = sqlite3_open_v2(o->path, &d->conn, flags, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open %s: %s", o->path,
			 d->conn ? sqlite3_errmsg(d->conn) : sqlite3_errstr(rc));
		goto failed;
	}
	if (set_up(d->conn, o)) {
		snprintf(err, errlen, "cannot set up %s: %s", o->path, sqlite3_errmsg(d->conn));
		goto failed;
	}
	*out = &d->base;
	return 0;
failed:
	s_close(&d->base);
	return -EIO;
}

/* --- compacting a database offline --- */

/* The one value a pragma answers, as text; "" if none. */
static int pragma_value(sqlite3 *c, const char *sql, char *out, size_t len)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(c, sql, -1, &st, NULL);

	out[0] = '\0';
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(out, len, "%s", sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The database file and its WAL, in bytes. */
static uint64_t file_bytes(const char *path)
{
	char wal[4096];
	struct stat st;
	uint64_t n = 0;

	if (stat(path, &st) == 0)
		n += (uint64_t)st.st_size;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (stat(wal, &st) == 0)
		n += (uint64_t)st.st_size;
	return n;
}

/* A failure as an errno, and its reason in err. */
static int compact_failed(sqlite3 *c, int rc, const char *path, const char *step, char *err, size_t errlen)
{
	int code = rc & 0xff;

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
		snprintf(err, errlen, "%s is in use: stop the collector that has it open first", path);
		return -EBUSY;
	}
	/* SQLite's own words, "file is not a database", read as if a step of
	 * compacting a database had failed rather than the wrong file given */
	if (code == SQLITE_NOTADB) {
		snprintf(err, errlen, "%s is not a SQLite database", path);
		return -EINVAL;
	}
	snprintf(err, errlen, "%s: %s: %s", path, step, c ? sqlite3_errmsg(c) : sqlite3_errstr(rc));
	return code == SQLITE_FULL ? -ENOSPC : -EIO;
}

int db__sqlite_compact(const char *given, unsigned page_size, struct db_compact *out, char *err, size_t errlen)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	char dir[4096], value[64], sql[64], path[PATH_MAX];
	struct statvfs vfs;
	struct stat st;
	sqlite3 *c = NULL;
	uint64_t free_bytes;
	int rc;

	memset(out, 0, sizeof(*out));
	if (page_size < 512 || page_size > 65536 || (page_size & (page_size - 1))) {
		snprintf(err, errlen, "a page size is a power of two from 512 to 65536, not %u", page_size);
		return -EINVAL;
	}
	/* the file a symlink names: its filesystem is the one that needs the
	 * room, the temp copy goes beside it, and the link stays a link */
	if (!realpath(given, path)) {
		snprintf(err, errlen, "%s: %s", given, strerror(errno));
		return -ENOENT;
	}
	rc = stat(path, &st) ? errno : 0;
	if (rc || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path, rc ? strerror(rc) : "not a file");
		return -ENOENT;
	}
	out->bytes_before = file_bytes(path);
	snprintf(dir, sizeof(dir), "%s", path);
	if (strrchr(dir, '/'))
		*strrchr(dir, '/') = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	/* unchecked room could leave a half-written copy on a full disk */
	if (statvfs(*dir ? dir : "/", &vfs)) {
		snprintf(err, errlen, "compacting %s: cannot tell the free space of %s: %s", path, *dir ? dir : "/",
			 strerror(errno));
		return -EIO;
	}
	if ((free_bytes = (uint64_t)vfs.f_bavail * vfs.f_frsize) < 2 * out->bytes_before) {
		snprintf(err, errlen, "compacting %s needs %llu MiB free beside it, and %s has %llu MiB", path,
			 (unsigned long long)(2 * out->bytes_before >> 20), *dir ? dir : "/",
			 (unsigned long long)(free_bytes >> 20));
		return -ENOSPC;
	}
	/* VACUUM's copy goes beside the database, not to a /tmp that may be
	 * small or in memory; this command is the process's only SQLite user */
	pthread_once(&once, configure); /* before any call that starts SQLite up */
	sqlite3_free(sqlite3_temp_directory);
	sqlite3_temp_directory = sqlite3_mprintf("%s", *dir ? dir : "/");
	rc = sqlite3_open_v2(path, &c, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		rc = compact_failed(c, rc, path, "open", err, errlen);
		sqlite3_close(c);
		return rc;
	}
	sqlite3_extended_result_codes(c, 1);
	/* the lock the first write takes is kept to the end: a collector that
	 * starts meanwhile waits, rather than write between the steps */
	if ((rc = sqlite3_exec(c, "PRAGMA locking_mode = EXCLUSIVE", NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = pragma_value(c, "PRAGMA page_size", value, sizeof(value))) != SQLITE_OK) {
		rc = compact_failed(c, rc, path, "read the page size", err, errlen);
		goto done;
	}
	out->page_before = (unsigned)strtoul(value, NULL, 10);
	/* out of WAL mode: refused while another connection has the file, and
	 * said by the answer (the mode kept), not by an error */
	if ((rc = pragma_value(c, "PRAGMA journal_mode = DELETE", value, sizeof(value))) != SQLITE_OK) {
		rc = compact_failed(c, rc, path, "leave WAL mode", err, errlen);
		goto done;
	}
	if (strcmp(value, "delete")) {
		rc = compact_failed(c, SQLITE_BUSY, path, "leave WAL mode", err, errlen);
		goto done;
	}
	snprintf(sql, sizeof(sql), "PRAGMA page_size = %u; VACUUM", page_size);
	if ((rc = sqlite3_exec(c, sql, NULL, NULL, NULL)) != SQLITE_OK) {
		rc = compact_failed(c, rc, path, "VACUUM", err, errlen);
		goto done;
	}
	if ((rc = pragma_value(c, "PRAGMA quick_check", value, sizeof(value))) != SQLITE_OK || strcmp(value, "ok")) {
		if (rc == SQLITE_OK)
			snprintf(err, errlen, "%s: quick_check after VACUUM: %s", path, value);
		rc = rc == SQLITE_OK ? -EIO : compact_failed(c, rc, path, "quick_check", err, errlen);
		goto done;
	}
	(void)pragma_value(c, "PRAGMA page_size", value, sizeof(value));
	out->page_after = (unsigned)strtoul(value, NULL, 10);
	rc = 0;
done:
	/* back to WAL whatever happened (the collector would set it anyway) */
	if (pragma_value(c, "PRAGMA journal_mode = WAL", value, sizeof(value)) == SQLITE_OK && strcmp(value, "wal") &&
	    !rc) {
		snprintf(err, errlen, "%s: could not return to WAL mode (%s)", path, value);
		rc = -EIO;
	}
	sqlite3_close(c);
	out->bytes_after = file_bytes(path);
	return rc;
}
