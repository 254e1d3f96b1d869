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

#include "addr.h"
#include "log.h"
#include "names.h"
#include "storage/schema.h"
#include "storage/storesql.h"

struct store {
	sqlite3 *db;
	pthread_mutex_t lock;
	bool read_only;
	sqlite3_stmt *st[ST__COUNT];
	sqlite3_stmt *expire[STORE_KIND_COUNT][3];
	store_hook_fn hook;
	void *hook_ctx;
};

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

/* --- binding helpers: every statement is reset and cleared after use --- */

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

/* NULL for an empty string: optional columns stay NULL when unknown */
static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	/* stored bit-for-bit; readers cast back to uint64_t */
	sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

static int run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -EIO;
}


/* "addr|class|interface ..." for the findings output; at most 16 entries */
static char *reachable_text(const Leakwatch__V1__ListenerEvent *l)
{
	size_t cap = 1, n = l->n_reachable < 16 ? l->n_reachable : 16, len = 0;
	char *out;

	for (size_t i = 0; i < n; i++)
		cap += LW_ADDR_STRLEN + 16 + strlen(l->reachable[i]->interface ?: "") + 3;
	out = malloc(cap);
	if (!out)
		return NULL;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const Leakwatch__V1__Reachable *r = l->reachable[i];
		char ip[LW_ADDR_STRLEN];

		len += (size_t)snprintf(out + len, cap - len, "%s%s|%s|%s", i ? " " : "",
					addr__format_bytes(r->address.data, r->address.len, ip) ?: "?",
					addr_class__wire_name(r->class_),
					l->reachable[i]->interface ?: "");
	}
	return out;
}

static int put_listener(struct store *s, const Leakwatch__V1__Event *ev, uint64_t received_ns, bool host_verified)
{
	const Leakwatch__V1__ListenerEvent *l = ev->listener;
	const Leakwatch__V1__Process *p = ev->process;
	const Leakwatch__V1__Container *c = ev->container;
	const char *proto = l->protocol == LEAKWATCH__V1__PROTOCOL__PROTOCOL_UDP ? "udp" : "tcp";
	sqlite3_stmt *st = s->st[ST_LISTENER];
	char *reach = reachable_text(l);
	int err;

	if (!reach)
		return -ENOMEM;
	bind_text(st, 1, ev->host->hostname);
	sqlite3_bind_int64(st, 2, l->netns);
	bind_text(st, 3, proto);
	sqlite3_bind_blob(st, 4, l->address.data, (int)l->address.len, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, (int)l->port);
	bind_text(st, 6, l->action == LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_CLOSE ? "closed" : "open");
	sqlite3_bind_int64(st, 7, ev->time_unix_nano);
	bind_u64(st, 8, received_ns);
	sqlite3_bind_blob(st, 9, ev->id.data, (int)ev->id.len, SQLITE_STATIC);
	bind_text(st, 10, ev->host->machine_id);
	sqlite3_bind_int(st, 11, (int)l->severity);
	bind_text(st, 12, addr_class__wire_name(l->exposure));
	sqlite3_bind_int(st, 13, !!l->wildcard);
	sqlite3_bind_int(st, 14, !!l->expected);
	sqlite3_bind_int(st, 15, !!l->unexpected);
	bind_text(st, 16, listener_source__wire_name(l->source));
	bind_text(st, 17, reach);
	sqlite3_bind_int64(st, 18, l->reachable_total);
	if (l->service) {
		bind_opt(st, 19, l->service->name);
		bind_opt(st, 20, l->service->category);
		bind_opt(st, 21, identified_by__wire_name(l->service->identified_by));
	}
	if (p && (p->pid || (p->comm && *p->comm))) {
		bind_opt(st, 22, p->comm);
		sqlite3_bind_int64(st, 23, p->pid);
		bind_opt(st, 24, p->exe);
		sqlite3_bind_int64(st, 25, p->uid);
		bind_opt(st, 26, p->user);
	}
	if (c) {
		bind_opt(st, 27, c->id);
		bind_opt(st, 28, c->runtime);
		bind_opt(st, 29, c->pod_uid);
		bind_opt(st, 30, c->pod_name);
		bind_opt(st, 31, c->pod_namespace);
		bind_opt(st, 32, c->container_name);
		bind_opt(st, 42, c->image);
	}
	if (l->auth && auth_state__wire_name(l->auth->state)) {
		const Leakwatch__V1__Auth *a = l->auth;

		bind_text(st, 33, auth_state__wire_name(a->state));
		bind_opt(st, 34, a->protocol);
		bind_opt(st, 35, a->evidence);
		sqlite3_bind_int64(st, 36, a->probed_at_unix_nano);
		sqlite3_bind_int(st, 37, !!a->tls);
		if (a->tls)
			bind_opt(st, 38, client_cert__wire_name(a->client_cert));
	}
	sqlite3_bind_int64(st, 39, (int64_t)l->netns_cookie);
	bind_opt(st, 40, l->netns_name);
	sqlite3_bind_int(st, 41, host_verified);
	err = run(st);
	free(reach);
	if (err || sqlite3_changes(s->db))
		return err;

	/* an older event than the state we hold */
	st = s->st[ST_LISTENER_SEEN];
	bind_text(st, 1, ev->host->hostname);
	sqlite3_bind_int64(st, 2, l->netns);
	bind_text(st, 3, proto);
	sqlite3_bind_blob(st, 4, l->address.data, (int)l->address.len, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, (int)l->port);
	sqlite3_bind_int64(st, 6, ev->time_unix_nano);
	bind_u64(st, 7, received_ns);
	return run(st);
}

static int put_leak(struct store *s, const Leakwatch__V1__Event *ev, uint64_t received_ns, bool host_verified)
{
	const Leakwatch__V1__LeakEvent *l = ev->leak;
	const Leakwatch__V1__Process *p = ev->process;
	const Leakwatch__V1__Container *c = ev->container;
	int64_t first = l->first_seen_unix_nano ? l->first_seen_unix_nano : ev->time_unix_nano;
	int64_t last = l->last_seen_unix_nano ? l->last_seen_unix_nano : ev->time_unix_nano;
	uint64_t count = l->count ? l->count : 1; /* an event is at least one sighting */
	sqlite3_stmt *st = s->st[ST_LEAK];
	char *where;
	int err;

	if (last < first)
		last = first;
	bind_text(st, 1, l->fingerprint);
	bind_text(st, 2, l->rule);
	bind_text(st, 3, l->family);
	sqlite3_bind_int(st, 4, (int)l->severity);
	bind_text(st, 5, l->redacted);
	sqlite3_bind_int64(st, 6, first);
	sqlite3_bind_int64(st, 7, last);
	bind_u64(st, 8, count);
	bind_u64(st, 9, received_ns);
	err = run(st);
	if (err)
		return err;

	st = s->st[ST_LOCATION];
	bind_text(st, 1, l->fingerprint);
	bind_text(st, 2, ev->host->hostname);
	if (l->source == LEAKWATCH__V1__LEAK_EVENT__SOURCE__SOURCE_JOURNAL) {
		const Leakwatch__V1__JournalEntry *j = l->journal;

		/* one location per unit (or identifier), as the agent coalesces */
		where = leak__journal_place(j ? j->unit : NULL, j ? j->syslog_identifier : NULL);
		if (!where)
			return -ENOMEM;
		sqlite3_bind_text(st, 3, where, -1, free);
		bind_text(st, 21, "journal");
		if (j) {
			bind_opt(st, 22, j->unit);
			bind_opt(st, 23, j->syslog_identifier);
			bind_opt(st, 24, j->cursor);
		}
	} else {
		bind_text(st, 3, l->path);
		bind_text(st, 21, l->source == LEAKWATCH__V1__LEAK_EVENT__SOURCE__SOURCE_CATCHUP ? "catchup" : "file");
		bind_opt(st, 30, l->previous_path);
	}
	if (l->origin) {
		bind_opt(st, 25, l->origin->comm);
		sqlite3_bind_int64(st, 26, l->origin->pid);
	}
	if (l->writer)
		bind_opt(st, 27, l->writer->comm);
	sqlite3_bind_int64(st, 4, first);
	sqlite3_bind_int64(st, 5, last);
	bind_u64(st, 6, count);
	bind_u64(st, 7, received_ns);
	sqlite3_bind_blob(st, 8, ev->id.data, (int)ev->id.len, SQLITE_STATIC);
	bind_text(st, 9, ev->host->machine_id);
	bind_opt(st, 10, l->device);
	bind_u64(st, 11, l->inode);
	bind_u64(st, 12, l->last_offset);
	if (p) {
		bind_opt(st, 13, p->comm);
		sqlite3_bind_int64(st, 14, p->pid);
		bind_opt(st, 15, p->exe);
	}
	sqlite3_bind_int(st, 28, host_verified);
	if (c) {
		bind_opt(st, 16, c->id);
		bind_opt(st, 17, c->pod_uid);
		bind_opt(st, 18, c->pod_name);
		bind_opt(st, 19, c->pod_namespace);
		bind_opt(st, 20, c->container_name);
		bind_opt(st, 29, c->image);
	}
	return run(st);
}

static int put_health(struct store *s, const char *agent_id, const Leakwatch__V1__Event *ev,
		      uint64_t received_ns)
{
	const Leakwatch__V1__AgentHealth *h = ev->health;
	const Leakwatch__V1__SpoolState *sp = h->spool;
	const Leakwatch__V1__Host *host = ev->host;
	sqlite3_stmt *st = s->st[ST_AGENT];
	uint64_t drops = 0;
	size_t plen = 1;
	char *programs;
	int err;

	agent_id = store__agent_id(agent_id, ev);
	for (size_t i = 0; i < h->n_drops; i++)
		drops += h->drops[i]->value;
	for (size_t i = 0; i < h->n_programs; i++)
		plen += strlen(h->programs[i]) + 1;
	programs = malloc(plen);
	if (!programs)
		return -ENOMEM;
	programs[0] = '\0';
	for (size_t i = 0; i < h->n_programs; i++) {
		if (i)
			strcat(programs, " ");
		strcat(programs, h->programs[i]);
	}

	bind_text(st, 1, agent_id);
	bind_text(st, 2, host->hostname);
	bind_text(st, 3, host->machine_id);
	bind_text(st, 4, host->boot_id);
	bind_text(st, 5, host->agent_version);
	bind_text(st, 6, host->node_name);
	sqlite3_bind_int64(st, 7, ev->time_unix_nano);
	bind_u64(st, 8, received_ns);
	sqlite3_bind_blob(st, 9, ev->id.data, (int)ev->id.len, SQLITE_STATIC);
	bind_u64(st, 10, h->uptime_seconds);
	bind_u64(st, 11, h->listeners_open);
	bind_u64(st, 12, h->bytes_scanned);
	bind_u64(st, 13, h->events_listener);
	bind_u64(st, 14, h->events_leak);
	bind_u64(st, 15, h->export_batches);
	bind_u64(st, 16, h->export_retries);
	bind_u64(st, 17, drops);
	bind_text(st, 18, programs);
	if (sp) {
		bind_u64(st, 19, sp->bytes);
		bind_u64(st, 20, sp->records);
		bind_u64(st, 21, sp->oldest_age_seconds);
		bind_u64(st, 22, sp->dropped_full);
		bind_u64(st, 23, sp->dropped_corrupt);
		bind_u64(st, 24, sp->write_errors);
	}
	err = run(st);
	free(programs);
	if (err)
		return err;
	if (!sqlite3_changes(s->db)) {
		st = s->st[ST_AGENT_SEEN];
		bind_text(st, 1, agent_id);
		sqlite3_bind_int64(st, 2, ev->time_unix_nano);
		bind_u64(st, 3, received_ns);
		return run(st);
	}

	/* the newest report's drop counters replace the previous ones */
	st = s->st[ST_DROPS_CLEAR];
	bind_text(st, 1, agent_id);
	if ((err = run(st)))
		return err;
	for (size_t i = 0; i < h->n_drops; i++) {
		st = s->st[ST_DROP];
		bind_text(st, 1, agent_id);
		bind_text(st, 2, h->drops[i]->key);
		bind_u64(st, 3, h->drops[i]->value);
		if ((err = run(st)))
			return err;
	}
	return 0;
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
	bind_text(st, 2, event_kind(ev));
	sqlite3_bind_int64(st, 3, ev->time_unix_nano);
	bind_u64(st, 4, received_ns);
	bind_text(st, 5, ev->host->hostname);
	bind_text(st, 6, ev->host->machine_id);
	bind_text(st, 7, b->agent_id);
	bind_u64(st, 8, b->sequence);
	sqlite3_bind_int(st, 9, event_severity(ev));
	if (ev->kind_case == LEAKWATCH__V1__EVENT__KIND_LEAK)
		bind_text(st, 10, ev->leak->fingerprint);
	sqlite3_bind_blob(st, 11, e->raw, (int)e->raw_len, SQLITE_STATIC);
	err = run(st);
	if (err)
		return err;
	*is_new = sqlite3_changes(s->db) > 0;
	if (!*is_new)
		return 0; /* a resend: derived state already counts it, and alerts too */
	switch (ev->kind_case) {
	case LEAKWATCH__V1__EVENT__KIND_LISTENER: err = put_listener(s, ev, received_ns, b->host_verified); break;
	case LEAKWATCH__V1__EVENT__KIND_LEAK: err = put_leak(s, ev, received_ns, b->host_verified); break;
	case LEAKWATCH__V1__EVENT__KIND_HEALTH: err = put_health(s, b->agent_id, ev, received_ns); break;
	default: return -EINVAL;
	}
	/* after the derived state, which the hook reads; in the same transaction,
	 * so an event and the notifications it causes are stored together or not */
	if (!err && s->hook)
		err = s->hook(s->hook_ctx, s->db, b, e, received_ns);
	return err;
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
	if (run(s->st[ST_BEGIN])) {
		err = -EIO;
		goto out;
	}
	err = fn(s->db, arg);
	if (!err)
		err = run(s->st[ST_COMMIT]);
	if (err)
		run(s->st[ST_ROLLBACK]);
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
	if (run(s->st[ST_BEGIN])) {
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
		err = run(s->st[ST_COMMIT]);
	if (err) {
		for (size_t i = 0; i < b->n_events; i++)
			b->events[i].stored = false;
		log_error("store: batch from agent %s not stored: %s", b->agent_id, sqlite3_errmsg(s->db));
		run(s->st[ST_ROLLBACK]);
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
	if (run(s->st[ST_BEGIN])) {
		err = -EIO;
		goto out;
	}
	for (int i = 0; i < 3 && s->expire[kind][i] && !err; i++) {
		sqlite3_stmt *st = s->expire[kind][i];

		bind_u64(st, 1, cutoff_ns);
		sqlite3_bind_int(st, 2, (int)max_rows);
		err = run(st);
		if (!err)
			*deleted += (unsigned)sqlite3_changes(s->db);
	}
	if (!err)
		err = run(s->st[ST_COMMIT]);
	if (err) {
		log_error("store: retention of %s failed: %s", store_kind__name(kind), sqlite3_errmsg(s->db));
		run(s->st[ST_ROLLBACK]);
		*deleted = 0;
	}
out:
	pthread_mutex_unlock(&s->lock);
	return err;
}
