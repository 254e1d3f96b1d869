// SPDX-License-Identifier: Apache-2.0
#include "notify/alertview.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"

#define COLUMNS                                                                                    \
	"a.key, a.kind, a.status, a.severity, a.alertname, a.hostname, a.labels, a.details,"       \
	" a.summary, a.description, a.fingerprint, a.count, a.starts_ns, a.last_ns,"               \
	" coalesce(a.ends_ns, 0), count(*) OVER (), a.prev_labels, a.updated_ns,"                 \
	" CASE a.kind WHEN 'leak' THEN (SELECT count(DISTINCT l.hostname) FROM leak_locations l"    \
	"  WHERE l.fingerprint = a.fingerprint) ELSE 0 END"

static char *col(struct db_stmt *st, int i)
{
	const char *s = (const char *)db__column_text(st, i);

	return strdup(s ? s : "");
}

static int read_row(struct db_stmt *st, struct alert_view *v)
{
	const char *kind = (const char *)db__column_text(st, 1);
	const char *status = (const char *)db__column_text(st, 2);

	memset(v, 0, sizeof(*v));
	if (store_kind__parse(kind ? kind : "", &v->kind))
		v->kind = STORE_HEALTH;
	v->firing = status && !strcmp(status, "firing");
	v->severity = db__column_int(st, 3);
	v->count = (uint64_t)db__column_int64(st, 11);
	v->starts_ns = db__column_int64(st, 12);
	v->last_ns = db__column_int64(st, 13);
	v->ends_ns = db__column_int64(st, 14);
	v->hosts = (uint64_t)db__column_int64(st, 18);
	v->key = col(st, 0);
	v->alertname = col(st, 4);
	v->host = col(st, 5);
	v->labels = col(st, 6);
	v->details = col(st, 7);
	v->summary = col(st, 8);
	v->description = col(st, 9);
	if (db__column_type(st, 10) != DB_NULL)
		v->fingerprint = col(st, 10);
	if (db__column_type(st, 16) != DB_NULL && !(v->prev_labels = col(st, 16))) {
		alertview__free(v);
		return -ENOMEM;
	}
	v->updated_ns = db__column_int64(st, 17);
	if (!v->key || !v->alertname || !v->host || !v->labels || !v->details || !v->summary ||
	    !v->description || (db__column_type(st, 10) != DB_NULL && !v->fingerprint)) {
		alertview__free(v);
		return -ENOMEM;
	}
	return 0;
}

void alertview__free(struct alert_view *v)
{
	free(v->key);
	free(v->alertname);
	free(v->host);
	free(v->labels);
	free(v->prev_labels);
	free(v->details);
	free(v->summary);
	free(v->description);
	free(v->fingerprint);
	memset(v, 0, sizeof(*v));
}

void alertview__free_all(struct alert_views *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		alertview__free(&vs->v[i]);
	free(vs->v);
	memset(vs, 0, sizeof(*vs));
}

int alertview__load(struct db *db, const char *key, struct alert_view *out)
{
	struct db_stmt *st;
	int rc, err;

	if (db__prepare(db, "SELECT " COLUMNS " FROM alerts a WHERE a.key = ?1", &st) !=
	    DB_OK)
		return -EIO;
	db__bind_text(st, 1, key, -1);
	rc = db__step(st);
	if (rc == DB_ROW)
		err = read_row(st, out);
	else
		err = rc == DB_DONE ? -ENOENT : -EIO;
	db__finalize(st);
	return err;
}

/* Runs a prepared list query into out; st is finalized. */
static int load_list(struct db_stmt *st, size_t max, struct alert_views *out)
{
	int rc = DB_DONE, err = 0;

	memset(out, 0, sizeof(*out));
	out->v = calloc(max ? max : 1, sizeof(*out->v));
	if (!out->v) {
		db__finalize(st);
		return -ENOMEM;
	}
	while (!err && out->n < max && (rc = db__step(st)) == DB_ROW) {
		out->total = (size_t)db__column_int64(st, 15);
		err = read_row(st, &out->v[out->n]);
		if (!err)
			out->n++;
	}
	if (!err && out->n < max && rc != DB_DONE)
		err = -EIO;
	db__finalize(st);
	if (err)
		alertview__free_all(out);
	return err;
}

/* The lists below share their join and load_list; their rows, order and
 * parameters differ, so each keeps its own statement. */
int alertview__group(struct db *db, int64_t row, size_t max, struct alert_views *out)
{
	struct db_stmt *st;

	if (db__prepare(db, "SELECT " COLUMNS " FROM alert_sinks s JOIN alerts a ON a.key = s.key"
			       " WHERE s.group_row = ?1 AND s.group_key IS NOT NULL"
			       " ORDER BY a.severity DESC, a.starts_ns, a.key LIMIT ?2", &st) != DB_OK)
		return -EIO;
	db__bind_int64(st, 1, row);
	db__bind_int64(st, 2, (int64_t)max);
	return load_list(st, max, out);
}

int alertview__group_key(struct db *db, const char *sink, const char *group_key, size_t max,
			 struct alert_views *out)
{
	struct db_stmt *st;

	if (db__prepare(db, "SELECT " COLUMNS " FROM alert_sinks s JOIN alerts a ON a.key = s.key"
			       " WHERE s.sink = ?1 AND s.group_key = ?2"
			       " ORDER BY a.ends_ns DESC, a.key LIMIT ?3", &st) != DB_OK)
		return -EIO;
	db__bind_text(st, 1, sink, -1);
	db__bind_text(st, 2, group_key, -1);
	db__bind_int64(st, 3, (int64_t)max);
	return load_list(st, max, out);
}

int alertview__firing(struct db *db, const char *sink, const char *after_key, size_t max,
		      struct alert_views *out)
{
	struct db_stmt *st;

	/* by key, so that a page starts where the last one ended whatever
	 * changed in between; count(*) OVER () is what is left from here */
	if (db__prepare(db, "SELECT " COLUMNS " FROM alert_sinks s JOIN alerts a ON a.key = s.key"
			       " WHERE s.sink = ?1 AND a.status = 'firing' AND a.key > ?3"
			       " ORDER BY a.key LIMIT ?2", &st) != DB_OK)
		return -EIO;
	db__bind_text(st, 1, sink, -1);
	db__bind_int64(st, 2, (int64_t)max);
	db__bind_text(st, 3, after_key ? after_key : "", -1);
	return load_list(st, max, out);
}
