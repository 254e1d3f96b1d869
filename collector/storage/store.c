// SPDX-License-Identifier: Apache-2.0
#include "storage/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/clock.h"
#include "os/log.h"
#include "data/hex.h"
#include "db/db.h"
#include "storage/schema.h"
#include "storage/rowlocks.h"
#include "storage/storeint.h"
#include "storage/storesql.h"

/*
 * Retention runs on one collector at a time: on PostgreSQL, the one whose
 * transaction takes this advisory lock (one-key form, apart from rowlocks'
 * two-key locks). The others find it taken and skip that round, and it ends
 * with the transaction, so a collector that dies mid-pass holds nothing.
 * SQLite has one writer at a time anyway.
 */
#define RETENTION_LOCK_SQL "SELECT pg_try_advisory_xact_lock(hashtextextended('leakwatch retention', 0))::int"

static const char *const kind_names[STORE_KIND_COUNT] = { "listener", "leak", "health" };

const char *store_kind__name(enum store_kind k)
{
	return k >= 0 && k < STORE_KIND_COUNT ? kind_names[k] : "unknown";
}

int store_kind__parse(const char *s, enum store_kind *out)
{
	for (int k = 0; k < STORE_KIND_COUNT; k++) {
		if (!strcmp(s, kind_names[k])) {
			*out = (enum store_kind)k;
			return 0;
		}
	}
	return -EINVAL;
}

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EIO;
}

static int prepare_all(struct store *s, char *err, size_t errlen)
{
	s->event_no_returning = db__driver(s->db) == DB_SQLITE;
	for (int i = 0; i < ST__COUNT; i++)
		if (db__prepare(s->db, i == ST_EVENT && s->event_no_returning ? store_event_sql_sqlite : store_sql[i],
				&s->st[i]) != DB_OK)
			return fail(err, errlen, "preparing statement %d: %s", i, db__errmsg(s->db));
	for (int k = 0; k < STORE_KIND_COUNT; k++)
		for (int i = 0; i < 3 && store_expire_sql[k][i]; i++)
			if (db__prepare(s->db, store_expire_sql[k][i], &s->expire[k][i]) != DB_OK)
				return fail(err, errlen, "preparing retention: %s", db__errmsg(s->db));
	if (rowlocks__prepare(s->db, &s->row_lock))
		return fail(err, errlen, "preparing the batches' row locks: %s", db__errmsg(s->db));
	if (db__driver(s->db) == DB_POSTGRES && db__prepare(s->db, RETENTION_LOCK_SQL, &s->retention_lock) != DB_OK)
		return fail(err, errlen, "preparing retention's lock: %s", db__errmsg(s->db));
	return 0;
}

int store__open(const struct store_opts *o, struct store **out, char *err, size_t errlen)
{
	struct db_open dbo = {
		.driver = o->driver,
		.path = o->path,
		.dsn = o->dsn,
		.read_only = o->read_only,
		.sync_full = o->sync_full,
		.busy_timeout_ms = o->busy_timeout_ms,
	};
	const char *name = o->driver == DB_POSTGRES ? "the PostgreSQL database" : o->path;
	struct store *s;
	int v = 0;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return fail(err, errlen, "out of memory");
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->readers_lock, NULL);
	s->read_only = o->read_only;
	lease__holder_id(s->holder);
	if (db__open(&dbo, &s->db, err, errlen))
		goto failed;
	if (o->read_only) {
		if (schema__version(s->db, &v)) {
			fail(err, errlen, "cannot read %s: %s", name, db__errmsg(s->db));
			goto failed;
		}
		if (v == 0) {
			fail(err, errlen, "%s is not a leakwatch-collector database", name);
			goto failed;
		}
		if (v > STORE_SCHEMA_VERSION) {
			fail(err, errlen, "%s has schema version %d, newer than this build's (%d)", name, v,
			     STORE_SCHEMA_VERSION);
			goto failed;
		}
		*out = s;
		return 0;
	}
	if (schema__migrate(s->db, err, errlen) || prepare_all(s, err, errlen))
		goto failed;
	*out = s;
	return 0;
failed:
	store__close(s);
	return -EIO;
}

void store__close(struct store *s)
{
	if (!s)
		return;
	/* what this collector did one at a time passes to another at once */
	if (!s->read_only && s->db && s->st[0] && !db__begin(s->db)) {
		if (lease__release_all(s->db, s->holder) || db__commit(s->db))
			db__rollback(s->db);
	}
	for (int i = 0; i < ST__COUNT; i++)
		db__finalize(s->st[i]);
	db__finalize(s->rows_full);
	db__finalize(s->rows_tail);
	db__finalize(s->row_lock);
	db__finalize(s->retention_lock);
	for (int k = 0; k < STORE_KIND_COUNT; k++)
		for (int i = 0; i < 3; i++)
			db__finalize(s->expire[k][i]);
	db__close(s->db);
	for (unsigned i = 0; i < s->n_readers; i++)
		store__close(s->readers[i]);
	pthread_mutex_destroy(&s->readers_lock);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int store__reader_get(struct store *s, const struct store_opts *where, struct store **out, char *err,
		      size_t errlen)
{
	struct store_opts ro = *where;

	while (s) {
		struct store *kept = NULL;

		pthread_mutex_lock(&s->readers_lock);
		if (s->n_readers) {
			kept = s->readers[s->n_readers - 1];
			__atomic_store_n(&s->n_readers, s->n_readers - 1, __ATOMIC_RELAXED);
		}
		pthread_mutex_unlock(&s->readers_lock);
		if (!kept)
			break;
		if (db__ping(kept->db) == DB_OK) {
			*out = kept;
			return 0;
		}
		store__close(kept);
	}
	ro.read_only = true;
	return store__open(&ro, out, err, errlen);
}

unsigned store__idle_readers(struct store *s)
{
	return __atomic_load_n(&s->n_readers, __ATOMIC_RELAXED);
}

void store__reader_put(struct store *s, struct store *ro)
{
	if (!ro)
		return;
	if (s && db__idle(ro->db)) {
		pthread_mutex_lock(&s->readers_lock);
		if (s->n_readers < STORE_IDLE_READERS) {
			s->readers[s->n_readers] = ro;
			__atomic_store_n(&s->n_readers, s->n_readers + 1, __ATOMIC_RELAXED);
			ro = NULL;
		}
		pthread_mutex_unlock(&s->readers_lock);
	}
	store__close(ro);
}

bool store__reachable(struct store *s)
{
	if (!pthread_mutex_trylock(&s->lock)) {
		/* PostgreSQL's ping opens a broken connection again; SQLite's file answers */
		__atomic_store_n(&s->unreachable, db__ping(s->db) != DB_OK, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&s->lock);
	}
	return !__atomic_load_n(&s->unreachable, __ATOMIC_RELAXED);
}

const char *store__holder(struct store *s)
{
	return s->holder;
}

int store__lease(struct store *s, struct db *db, const char *name, uint64_t now_ns, uint64_t ttl_ns,
		 bool *held)
{
	if (db__driver(db) == DB_SQLITE) {
		*held = true;
		return 0;
	}
	return lease__take(db, name, s->holder, now_ns, ttl_ns, held);
}

struct db *store__db(struct store *s)
{
	return s->db;
}

bool store__history_next(const char **cur, int64_t *rowid)
{
	const char *p = *cur;
	uint64_t v = 0;

	if (!p)
		return false;
	while (*p == ' ')
		p++;
	for (int i = 0; i < 16; i++) {
		int d = hex__digit((unsigned char)p[i]);

		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*cur = p + 16;
	*rowid = (int64_t)v;
	return true;
}

const char *store__agent_id(const char *batch_agent_id, const Leakwatch__V1__Event *ev)
{
	const Leakwatch__V1__Host *host = ev->host;

	/* the batch names its agent; an older agent might not */
	if (batch_agent_id && *batch_agent_id)
		return batch_agent_id;
	return host->machine_id && *host->machine_id ? host->machine_id : host->hostname;
}

void store__set_hook(struct store *s, store_hook_fn fn, store_end_fn end, void *ctx)
{
	pthread_mutex_lock(&s->lock);
	s->hook = fn;
	s->hook_end = end;
	s->hook_ctx = ctx;
	pthread_mutex_unlock(&s->lock);
}

void store__locked(struct store *s, void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&s->lock);
	fn(arg);
	pthread_mutex_unlock(&s->lock);
}

int store__tx(struct store *s, store_tx_fn fn, void *arg)
{
	int err;

	if (s->read_only)
		return -EROFS;
	pthread_mutex_lock(&s->lock);
	if (db__begin(s->db)) {
		err = -EIO;
		goto out;
	}
	err = fn(s->db, arg);
	if (!err)
		err = db__commit(s->db) ? -EIO : 0;
	if (err)
		db__rollback(s->db);
	if (s->hook_end)
		s->hook_end(s->hook_ctx, !err);
out:
	store_note_reach(s);
	pthread_mutex_unlock(&s->lock);
	return err;
}

/* Whether this transaction may delete: see RETENTION_LOCK_SQL. */
static int retention_turn(struct store *s, bool *mine)
{
	*mine = true;
	if (!s->retention_lock)
		return 0;
	if (db__step(s->retention_lock) != DB_ROW) {
		db__reset(s->retention_lock);
		return -EIO;
	}
	*mine = db__column_int(s->retention_lock, 0) == 1;
	db__reset(s->retention_lock);
	return 0;
}

int store__expire(struct store *s, enum store_kind kind, uint64_t cutoff_ns, unsigned max_rows,
		  unsigned *deleted)
{
	bool held = false;
	int err = 0;

	*deleted = 0;
	if (s->read_only)
		return -EROFS;
	if (kind < 0 || kind >= STORE_KIND_COUNT)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	if (db__begin(s->db)) {
		err = -EIO;
		goto out;
	}
	err = retention_turn(s, &held);
	for (int i = 0; i < 3 && s->expire[kind][i] && !err && held; i++) {
		struct db_stmt *st = s->expire[kind][i];

		store_bind_u64(st, 1, cutoff_ns);
		db__bind_int(st, 2, (int)max_rows);
		err = store_run(st);
		if (!err)
			*deleted += (unsigned)db__changes(s->db);
	}
	if (!err)
		err = db__commit(s->db) ? -EIO : 0;
	if (err) {
		log_error("store: retention of %s failed: %s", store_kind__name(kind), db__errmsg(s->db));
		db__rollback(s->db);
		*deleted = 0;
	}
out:
	pthread_mutex_unlock(&s->lock);
	return err;
}
