/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the readers of findings share (query_listeners.c, query_leaks.c,
 * query_agents.c), and the reader of each kind, for query.c to put
 * together. Private to query/.
 */
#ifndef COLLECTOR_QUERYROW_H
#define COLLECTOR_QUERYROW_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "os/clock.h"
#include "wire/jsonw.h"
#include "wire/names.h"
#include "query/query.h"

/* --- column readers --- */

static inline const char *text(struct db_stmt *st, int i)
{
	return (const char *)db__column_text(st, i);
}

static inline uint64_t u64(struct db_stmt *st, int i)
{
	return (uint64_t)db__column_int64(st, i);
}

static inline void kv_time(struct jsonw *w, const char *key, uint64_t ns)
{
	char buf[LW_RFC3339_LEN];

	jsonw__kv_str(w, key, clock__rfc3339(ns, buf));
}

/* A 16-byte id as a UUID string; other lengths as plain hex. */
static inline void kv_id(struct jsonw *w, const char *key, struct db_stmt *st, int i)
{
	const uint8_t *b = db__column_blob(st, i);
	int n = db__column_bytes(st, i);
	char out[40];
	size_t len = 0;

	if (!b || n <= 0 || n > 16) {
		jsonw__kv_str(w, key, NULL);
		return;
	}
	for (int k = 0; k < n; k++) {
		if (n == 16 && (k == 4 || k == 6 || k == 8 || k == 10))
			out[len++] = '-';
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%02x", b[k]);
	}
	jsonw__kv_str(w, key, out);
}

static inline void kv_opt(struct jsonw *w, const char *key, struct db_stmt *st, int i)
{
	jsonw__kv_str(w, key, text(st, i)); /* NULL column: null */
}

/* A finding's object opened in w, with its kind and severity. */
static inline void begin_finding(struct jsonw *w, const char *kind, int severity)
{
	jsonw__init(w);
	jsonw__begin_object(w);
	jsonw__kv_str(w, "kind", kind);
	jsonw__kv_str(w, "severity", severity__wire_name(severity));
}

/* Where a reader's row holds a container's columns; -1: not in this row. */
struct container_cols {
	int id, runtime, pod_uid, pod_name, pod_namespace, name, image;
};

/* "container": {...} from its columns, or null when the row names none. */
static inline void kv_container(struct jsonw *w, struct db_stmt *st, const struct container_cols *c)
{
	jsonw__key(w, "container");
	if (!text(st, c->id) && !text(st, c->pod_uid)) {
		jsonw__null(w);
		return;
	}
	jsonw__begin_object(w);
	kv_opt(w, "id", st, c->id);
	if (c->runtime >= 0)
		kv_opt(w, "runtime", st, c->runtime);
	kv_opt(w, "pod_uid", st, c->pod_uid);
	kv_opt(w, "pod_name", st, c->pod_name);
	kv_opt(w, "pod_namespace", st, c->pod_namespace);
	kv_opt(w, "container_name", st, c->name);
	kv_opt(w, "image", st, c->image);
	jsonw__end_object(w);
}

static inline char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

__attribute__((format(printf, 1, 2)))
static inline char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static inline int push(struct findings *fs, const struct finding *f)
{
	struct finding *v = realloc(fs->v, (fs->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	fs->v = v;
	fs->v[fs->n++] = *f;
	return 0;
}

/* Takes what jsonw built, and the strings, into a finding; frees on failure. */
static inline int add(struct findings *fs, struct finding *f, struct jsonw *w)
{
	const char *json = jsonw__str(w);

	f->json = json ? strdup(json) : NULL;
	jsonw__free(w);
	if (!f->json || !f->host || !f->what || push(fs, f)) {
		free(f->json);
		free(f->host);
		free(f->what);
		free(f->id);
		return -ENOMEM;
	}
	return 0;
}

static inline void bind_filter(struct db_stmt *st, const struct query_filter *f)
{
	db__bind_int64(st, 1, (int64_t)f->since_ns);
	if (f->host)
		db__bind_text(st, 2, f->host, -1);
	else
		db__bind_null(st, 2);
	db__bind_int(st, 3, (int)f->limit);
	/* the readers' own conditions: severity, closed listeners, acknowledged leaks */
	db__bind_int(st, 4, f->min_severity);
	db__bind_int(st, 5, f->hide_closed || f->open_only);
	db__bind_int(st, 6, f->open_only);
}

int query_rows__listeners(struct db *db, const struct query_filter *f, struct findings *fs);
int query_rows__leaks(struct db *db, const struct query_filter *f, struct findings *fs);
int query_rows__agents(struct db *db, const struct query_filter *f, struct findings *fs);

#endif
