// SPDX-License-Identifier: Apache-2.0
/*
 * A batch written: each new event stored once by its id, then what it
 * changes (storestate.c) and the alert hook, all in one transaction that
 * runs again when it meets another writer. On PostgreSQL the events go in
 * multi-row INSERTs; SQLite, in-process, inserts them one at a time.
 */
#include "storage/storeint.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "os/log.h"
#include "storage/rowlocks.h"
#include "storage/storesql.h"

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

/* Binds an event as the columns of ST_EVENT, from parameter base + 1 on. */
static void bind_event(struct db_stmt *st, int base, const struct ingest_batch *b, const struct ingest_event *e,
		       uint64_t received_ns)
{
	const Leakwatch__V1__Event *ev = e->ev;

	db__bind_blob(st, base + 1, ev->id.data, (int)ev->id.len);
	store_bind_text(st, base + 2, event_kind(ev));
	db__bind_int64(st, base + 3, ev->time_unix_nano);
	store_bind_u64(st, base + 4, received_ns);
	store_bind_text(st, base + 5, ev->host->hostname);
	store_bind_text(st, base + 6, ev->host->machine_id);
	store_bind_text(st, base + 7, b->agent_id);
	store_bind_u64(st, base + 8, b->sequence);
	db__bind_int(st, base + 9, event_severity(ev));
	if (ev->kind_case == LEAKWATCH__V1__EVENT__KIND_LEAK)
		store_bind_text(st, base + 10, ev->leak->fingerprint);
	db__bind_blob(st, base + 11, e->raw, (int)e->raw_len);
}

/* What a new event (its row: event_rowid) changes besides itself: the state
 * it updates, then the alerts. */
static int derive_event(struct store *s, const struct ingest_batch *b, const struct ingest_event *e,
			uint64_t received_ns, int64_t event_rowid)
{
	const Leakwatch__V1__Event *ev = e->ev;
	int err;

	switch (ev->kind_case) {
	case LEAKWATCH__V1__EVENT__KIND_LISTENER:
		err = store_put_listener(s, ev, received_ns, b->host_verified, event_rowid);
		break;
	case LEAKWATCH__V1__EVENT__KIND_LEAK:
		err = store_put_leak(s, ev, received_ns, b->host_verified, event_rowid);
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

/* Inserts one event; *is_new says whether it was not there before. */
static int put_event(struct store *s, const struct ingest_batch *b, const struct ingest_event *e,
		     uint64_t received_ns, bool *is_new)
{
	struct db_stmt *st = s->st[ST_EVENT];
	int64_t rowid = 0;
	int rc;

	bind_event(st, 0, b, e, received_ns);
	/* a row comes back only when the event is new (its rowid, for histories);
	 * SQLite's RETURNING costs more than asking after the insert */
	rc = db__step(st);
	if (rc == DB_ROW)
		rowid = db__column_int64(st, 0);
	else if (rc == DB_DONE && s->event_no_returning && db__changes(s->db) > 0)
		rc = DB_ROW, rowid = db__last_insert_rowid(s->db);
	db__reset(st);
	db__clear_bindings(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return -EIO;
	*is_new = rc == DB_ROW;
	if (!*is_new)
		return 0; /* a resend: derived state already counts it, and alerts too */
	return derive_event(s, b, e, received_ns, rowid);
}

/*
 * PostgreSQL: a batch's events go in multi-row INSERTs, STORE_EVENT_ROWS
 * to a round trip, instead of one each; the ids that come back say which
 * were new. An id the batch holds twice is sent once, at its first place,
 * so that the first is the one stored, as one INSERT each would have it.
 */
struct id_ref {
	const uint8_t *id;
	size_t len;
	size_t i; /* the event's place in the batch */
};

struct batch_plan {
	struct id_ref *ids; /* one per distinct id, by id */
	size_t n_ids;
	unsigned char *send; /* per event: the first with its id, to insert */
	int64_t *rowid;      /* per event: its new row, 0 when not new */
};

static int id_cmp(const void *a, const void *b)
{
	const struct id_ref *x = a, *y = b;
	int c;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	c = memcmp(x->id, y->id, x->len);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

static int id_key_cmp(const void *a, const void *b)
{
	const struct id_ref *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->id, y->id, x->len);
}

static void plan_free(struct batch_plan *p)
{
	free(p->ids);
	free(p->send);
	free(p->rowid);
}

static int plan_batch(const struct ingest_batch *b, struct batch_plan *p)
{
	size_t n = 0;

	memset(p, 0, sizeof(*p));
	p->ids = malloc((b->n_events ?: 1) * sizeof(*p->ids));
	p->send = calloc(b->n_events ?: 1, 1);
	p->rowid = calloc(b->n_events ?: 1, sizeof(*p->rowid));
	if (!p->ids || !p->send || !p->rowid) {
		plan_free(p);
		return -ENOMEM;
	}
	for (size_t i = 0; i < b->n_events; i++) {
		const struct ingest_event *e = &b->events[i];

		if (!e->invalid)
			p->ids[n++] = (struct id_ref){ e->ev->id.data, e->ev->id.len, i };
	}
	qsort(p->ids, n, sizeof(*p->ids), id_cmp);
	/* of each id, the first place only */
	for (size_t k = 0; k < n; k++) {
		if (p->n_ids && !id_key_cmp(&p->ids[p->n_ids - 1], &p->ids[k]))
			continue;
		p->ids[p->n_ids++] = p->ids[k];
		p->send[p->ids[k].i] = 1;
	}
	return 0;
}

/* The statement for n rows: the full one is kept, and the last other size,
 * switched outside a transaction (a statement prepared on the server is
 * let go only there). */
static int rows_stmt_ready(struct store *s, int n)
{
	struct db_stmt **slot = n == STORE_EVENT_ROWS ? &s->rows_full : &s->rows_tail;
	char *sql;
	int rc;

	if (n == STORE_EVENT_ROWS ? !!s->rows_full : s->rows_tail && s->rows_tail_n == n)
		return 0;
	db__finalize(*slot);
	*slot = NULL;
	sql = store_event_rows_sql(n);
	if (!sql)
		return -ENOMEM;
	rc = db__prepare(s->db, sql, slot);
	free(sql);
	if (rc != DB_OK)
		return -EIO;
	if (n != STORE_EVENT_ROWS)
		s->rows_tail_n = n;
	return 0;
}

static int rows_ready(struct store *s, const struct batch_plan *p)
{
	int err = 0;

	if (p->n_ids >= STORE_EVENT_ROWS)
		err = rows_stmt_ready(s, STORE_EVENT_ROWS);
	if (!err && p->n_ids % STORE_EVENT_ROWS)
		err = rows_stmt_ready(s, (int)(p->n_ids % STORE_EVENT_ROWS));
	return err;
}

/* Inserts the n events to send from *next on; p->rowid gets the new ones' rows. */
static int put_rows(struct store *s, const struct ingest_batch *b, struct batch_plan *p, size_t *next, int n,
		    uint64_t received_ns)
{
	struct db_stmt *st = n == STORE_EVENT_ROWS ? s->rows_full : s->rows_tail;
	size_t i = *next;
	int rc;

	for (int r = 0; r < n; i++) {
		if (p->send[i])
			bind_event(st, r++ * STORE_EVENT_PARAMS, b, &b->events[i], received_ns);
	}
	*next = i;
	while ((rc = db__step(st)) == DB_ROW) {
		struct id_ref key = { db__column_blob(st, 0), (size_t)db__column_bytes(st, 0), 0 };
		struct id_ref *hit = key.id ? bsearch(&key, p->ids, p->n_ids, sizeof(*p->ids), id_key_cmp) : NULL;

		if (!hit) {
			log_error("store: PostgreSQL returned an event id the batch does not hold");
			rc = DB_ERROR;
			break;
		}
		p->rowid[hit->i] = db__column_int64(st, 1);
	}
	db__reset(st);
	db__clear_bindings(st);
	return rc == DB_DONE ? 0 : -EIO;
}

static int put_events(struct store *s, struct ingest_batch *b, struct batch_plan *p, uint64_t received_ns,
		      struct store_result *res)
{
	size_t next = 0;
	int err = 0;

	memset(p->rowid, 0, b->n_events * sizeof(*p->rowid));
	for (size_t left = p->n_ids; left && !err;) {
		int n = left >= STORE_EVENT_ROWS ? STORE_EVENT_ROWS : (int)left;

		err = put_rows(s, b, p, &next, n, received_ns);
		left -= (size_t)n;
	}
	/* then what each new one changes, in the batch's order */
	for (size_t i = 0; i < b->n_events && !err; i++) {
		const struct ingest_event *e = &b->events[i];
		bool is_new = p->rowid[i] != 0;

		if (e->invalid)
			continue;
		if (is_new)
			err = derive_event(s, b, e, received_ns, p->rowid[i]);
		if (is_new)
			res->accepted++;
		else
			res->duplicates++;
		b->events[i].stored = is_new;
	}
	return err;
}

/* One attempt at a batch's transaction; the caller holds the lock. plan:
 * PostgreSQL's, whose events go in several at a time. */
static int write_once(struct store *s, struct ingest_batch *b, struct batch_plan *plan, uint64_t received_ns,
		      struct store_result *res)
{
	int err = 0;

	res->accepted = res->duplicates = 0;
	if (db__begin(s->db))
		return -EIO;
	err = rowlocks__take(s->row_lock, b);
	if (plan && !err)
		err = put_events(s, b, plan, received_ns, res);
	for (size_t i = 0; i < b->n_events && !err && !plan; i++) {
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
		err = db__commit(s->db) ? -EIO : 0;
	if (err) {
		for (size_t i = 0; i < b->n_events; i++)
			b->events[i].stored = false;
		res->accepted = res->duplicates = 0;
		db__rollback(s->db);
	}
	return err;
}

/* two collectors' batches that lock the same rows in another order: one
 * of them is chosen to fail (a deadlock), and simply runs again */
#define WRITE_ATTEMPTS 5

int store__write_batch(struct store *s, struct ingest_batch *b, uint64_t received_ns,
		       struct store_result *res)
{
	struct batch_plan plan_buf, *plan = NULL;
	int err = 0;

	memset(res, 0, sizeof(*res));
	res->rejected = (uint32_t)b->n_invalid;
	if (s->read_only)
		return -EROFS;
	if (b->n_invalid == b->n_events)
		return 0; /* nothing to write */
	pthread_mutex_lock(&s->lock);
	if (!s->event_no_returning && !(err = plan_batch(b, &plan_buf))) {
		plan = &plan_buf;
		err = rows_ready(s, plan);
	}
	for (int attempt = 1; attempt <= WRITE_ATTEMPTS && (attempt > 1 || !err); attempt++) {
		err = write_once(s, b, plan, received_ns, res);
		if (s->hook_end)
			s->hook_end(s->hook_ctx, !err);
		if (!err || err == -ENOMEM || !db__retryable(s->db))
			break;
		log_debug("store: batch from agent %s met another writer (%s); attempt %d", b->agent_id,
			  db__errmsg(s->db), attempt + 1);
	}
	if (err) {
		log_error("store: batch from agent %s not stored: %s", b->agent_id, db__errmsg(s->db));
		err = err == -ENOMEM ? -ENOMEM : -EIO;
	}
	if (plan)
		plan_free(plan);
	store_note_reach(s);
	pthread_mutex_unlock(&s->lock);
	return err;
}
