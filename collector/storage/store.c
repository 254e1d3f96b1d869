// SPDX-License-Identifier: Apache-2.0
#include "storage/store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/addr.h"
#include "os/log.h"
#include "data/hex.h"
#include "wire/names.h"
#include "storage/schema.h"
#include "storage/storeint.h"
#include "storage/storesql.h"


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

/* The database holds host names, paths and redacted findings: owner only. */
static int create_private(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return fail(err, errlen, "cannot create %s: %s", path, strerror(errno));
	close(fd);
	return 0;
}

int store__open(const struct store_opts *o, struct store **out, char *err, size_t errlen)
{
	struct store *s;
	int flags, v = 0, rc;

	*out = NULL;
	if (!o->read_only && strcmp(o->path, ":memory:") && access(o->path, F_OK) &&
	    create_private(o->path, err, errlen))
		return -EIO;
	s = calloc(1, sizeof(*s));
	if (!s)
		return fail(err, errlen, "out of memory");
	pthread_mutex_init(&s->lock, NULL);
	s->read_only = o->read_only;
	/* our own mutex serialises use of the connection */
	flags = (o->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
	rc = sqlite3_open_v2(o->path, &s->db, flags, NULL);
	if (rc != SQLITE_OK) {
		fail(err, errlen, "cannot open %s: %s", o->path,
		     s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		goto failed;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, (int)(o->busy_timeout_ms > 600000 ? 600000 : o->busy_timeout_ms));
	if (o->read_only) {
		if (schema__version(s->db, &v)) {
			fail(err, errlen, "cannot read %s: %s", o->path, sqlite3_errmsg(s->db));
			goto failed;
		}
		if (v == 0) {
			fail(err, errlen, "%s is not a leakwatch-collector database", o->path);
			goto failed;
		}
		if (v > STORE_SCHEMA_VERSION) {
			fail(err, errlen, "%s has schema version %d, newer than this build's (%d)",
			     o->path, v, STORE_SCHEMA_VERSION);
			goto failed;
		}
		*out = s;
		return 0;
	}
	if (sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, o->sync_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
			 NULL, NULL, NULL) != SQLITE_OK) {
		fail(err, errlen, "cannot set up %s: %s", o->path, sqlite3_errmsg(s->db));
		goto failed;
	}
	if (schema__migrate(s->db, err, errlen))
		goto failed;
	for (int i = 0; i < ST__COUNT; i++) {
		if (sqlite3_prepare_v3(s->db, store_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
				       NULL) != SQLITE_OK) {
			fail(err, errlen, "preparing statement %d: %s", i, sqlite3_errmsg(s->db));
			goto failed;
		}
	}
	for (int k = 0; k < STORE_KIND_COUNT; k++) {
		for (int i = 0; i < 3 && store_expire_sql[k][i]; i++) {
			if (sqlite3_prepare_v3(s->db, store_expire_sql[k][i], -1, SQLITE_PREPARE_PERSISTENT,
					       &s->expire[k][i], NULL) != SQLITE_OK) {
				fail(err, errlen, "preparing retention: %s", sqlite3_errmsg(s->db));
				goto failed;
			}
		}
	}
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
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(s->st[i]);
	for (int k = 0; k < STORE_KIND_COUNT; k++)
		for (int i = 0; i < 3; i++)
			sqlite3_finalize(s->expire[k][i]);
	sqlite3_close(s->db);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

struct sqlite3 *store__db(struct store *s)
{
	return s->db;
}

static const char *event_kind(const Leakwatch__V1__Event *ev)
{
	switch (ev->kind_case) {
	case LEAKWATCH__V1__EVENT__KIND_LISTENER: return "listener";
	case LEAKWATCH__V1__EVENT__KIND_LEAK: return "leak";
	default: return "health";
	}
}

static int event_severity(const Leakwatch__V1__Event *ev)
{
	switch (ev->kind_case) {
	case LEAKWATCH__V1__EVENT__KIND_LISTENER: return (int)ev->listener->severity;
	case LEAKWATCH__V1__EVENT__KIND_LEAK: return (int)ev->leak->severity;
	default: return 0;
	}
}

/* Inserts one event; *is_new says whether it was not there before. */
static int put_event(struct store *s, const struct ingest_batch *b, const struct ingest_event *e,
		     uint64_t received_ns, bool *is_new)
{
	const Leakwatch__V1__Event *ev = e->ev;
	sqlite3_stmt *st = s->st[ST_EVENT];
	int err;

	sqlite3_bind_blob(st, 1, ev->id.data, (int)ev->id.len, SQLITE_STATIC);
	store_bind_text(st, 2, event_kind(ev));
	sqlite3_bind_int64(st, 3, ev->time_unix_nano);
	store_bind_u64(st, 4, received_ns);
	store_bind_text(st, 5, ev->host->hostname);
	store_bind_text(st, 6, ev->host->machine_id);
	store_bind_text(st, 7, b->agent_id);
	store_bind_u64(st, 8, b->sequence);
	sqlite3_bind_int(st, 9, event_severity(ev));
	if (ev->kind_case == LEAKWATCH__V1__EVENT__KIND_LEAK)
		store_bind_text(st, 10, ev->leak->fingerprint);
	sqlite3_bind_blob(st, 11, e->raw, (int)e->raw_len, SQLITE_STATIC);
	err = store_run(st);
	if (err)
		return err;
	*is_new = sqlite3_changes(s->db) > 0;
	if (!*is_new)
		return 0; /* a resend: derived state already counts it, and alerts too */
	switch (ev->kind_case) {
	case LEAKWATCH__V1__EVENT__KIND_LISTENER:
		err = store_put_listener(s, ev, received_ns, b->host_verified, sqlite3_last_insert_rowid(s->db));
		break;
	case LEAKWATCH__V1__EVENT__KIND_LEAK:
		err = store_put_leak(s, ev, received_ns, b->host_verified, sqlite3_last_insert_rowid(s->db));
		break;
	case LEAKWATCH__V1__EVENT__KIND_HEALTH: err = store_put_health(s, b->agent_id, ev, received_ns); break;
	default: return -EINVAL;
	}
	/* after the derived state, which the hook reads; in the same transaction,
	 * so an event and the notifications it causes are stored together or not */
	if (!err && s->hook)
		err = s->hook(s->hook_ctx, s->db, b, e, received_ns);
	return err;
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

void store__set_hook(struct store *s, store_hook_fn fn, void *ctx)
{
	pthread_mutex_lock(&s->lock);
	s->hook = fn;
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
	if (store_run(s->st[ST_BEGIN])) {
		err = -EIO;
		goto out;
	}
	err = fn(s->db, arg);
	if (!err)
		err = store_run(s->st[ST_COMMIT]);
	if (err)
		store_run(s->st[ST_ROLLBACK]);
out:
	pthread_mutex_unlock(&s->lock);
	return err;
}

int store__write_batch(struct store *s, struct ingest_batch *b, uint64_t received_ns,
		       struct store_result *res)
{
	int err = 0;

	memset(res, 0, sizeof(*res));
	res->rejected = (uint32_t)b->n_invalid;
	if (s->read_only)
		return -EROFS;
	if (b->n_invalid == b->n_events)
		return 0; /* nothing to write */
	pthread_mutex_lock(&s->lock);
	if (store_run(s->st[ST_BEGIN])) {
		err = -EIO;
		goto out;
	}
	for (size_t i = 0; i < b->n_events && !err; i++) {
		const struct ingest_event *e = &b->events[i];
		bool is_new = false;

		if (e->invalid)
			continue;
		err = put_event(s, b, e, received_ns, &is_new);
		if (is_new)
			res->accepted++;
		else
			res->duplicates++;
		b->events[i].stored = is_new;
	}
	if (!err)
		err = store_run(s->st[ST_COMMIT]);
	if (err) {
		for (size_t i = 0; i < b->n_events; i++)
			b->events[i].stored = false;
		log_error("store: batch from agent %s not stored: %s", b->agent_id, sqlite3_errmsg(s->db));
		store_run(s->st[ST_ROLLBACK]);
		res->accepted = res->duplicates = 0;
		err = err == -ENOMEM ? -ENOMEM : -EIO;
	}
out:
	pthread_mutex_unlock(&s->lock);
	return err;
}

int store__expire(struct store *s, enum store_kind kind, uint64_t cutoff_ns, unsigned max_rows,
		  unsigned *deleted)
{
	int err = 0;

	*deleted = 0;
	if (s->read_only)
		return -EROFS;
	if (kind < 0 || kind >= STORE_KIND_COUNT)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	if (store_run(s->st[ST_BEGIN])) {
		err = -EIO;
		goto out;
	}
	for (int i = 0; i < 3 && s->expire[kind][i] && !err; i++) {
		sqlite3_stmt *st = s->expire[kind][i];

		store_bind_u64(st, 1, cutoff_ns);
		sqlite3_bind_int(st, 2, (int)max_rows);
		err = store_run(st);
		if (!err)
			*deleted += (unsigned)sqlite3_changes(s->db);
	}
	if (!err)
		err = store_run(s->st[ST_COMMIT]);
	if (err) {
		log_error("store: retention of %s failed: %s", store_kind__name(kind), sqlite3_errmsg(s->db));
		store_run(s->st[ST_ROLLBACK]);
		*deleted = 0;
	}
out:
	pthread_mutex_unlock(&s->lock);
	return err;
}
