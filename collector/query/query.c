// SPDX-License-Identifier: Apache-2.0
#include "query/query.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "net/addr.h"
#include "os/clock.h"
#include "wire/jsonw.h"
#include "wire/names.h"
#include "leakwatch/v1/leakwatch.pb-c.h"
#include "wire/render.h"
#include "query/queryrow.h"
#include "config/yamlcfg.h"
#include "db/db.h"

/* --- all together --- */

static int by_urgency(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;

	if (x->severity != y->severity)
		return y->severity - x->severity;
	if (x->active != y->active)
		return (int)y->active - (int)x->active;
	if (x->last_seen_ns != y->last_seen_ns)
		return y->last_seen_ns > x->last_seen_ns ? 1 : -1;
	return (int)x->kind - (int)y->kind;
}

int query__findings(struct db *db, const struct query_filter *f, struct findings *out)
{
	static int (*const load[STORE_KIND_COUNT])(struct db *, const struct query_filter *,
						    struct findings *) = {
		[STORE_LISTENER] = query_rows__listeners,
		[STORE_LEAK] = query_rows__leaks,
		[STORE_HEALTH] = query_rows__agents,
	};
	struct query_filter q = *f;
	bool any = false;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!q.limit)
		q.limit = QUERY_DEFAULT_LIMIT;
	if (q.limit > QUERY_MAX_LIMIT)
		q.limit = QUERY_MAX_LIMIT;
	for (int k = 0; k < STORE_KIND_COUNT; k++)
		any |= q.kinds[k];
	/* one consistent snapshot across the three tables */
	if (db__exec(db, "BEGIN") != DB_OK)
		return -EIO;
	for (int k = 0; k < STORE_KIND_COUNT && !err; k++)
		if (!any || q.kinds[k])
			err = load[k](db, &q, out);
	db__exec(db, "COMMIT");
	if (err) {
		query__free(out);
		return err;
	}
	/* agent problems carry a severity of their own, judged as they are read */
	for (size_t i = 0; i < out->n;) {
		if (out->v[i].severity >= q.min_severity) {
			i++;
			continue;
		}
		free(out->v[i].json);
		free(out->v[i].host);
		free(out->v[i].what);
		free(out->v[i].id);
		out->v[i] = out->v[--out->n];
	}
	qsort(out->v, out->n, sizeof(*out->v), by_urgency);
	while (out->n > q.limit) {
		struct finding *d = &out->v[--out->n];

		free(d->json);
		free(d->host);
		free(d->what);
		free(d->id);
	}
	return 0;
}

void query__free(struct findings *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->v[i].json);
		free(fs->v[i].host);
		free(fs->v[i].what);
		free(fs->v[i].id);
	}
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
}

char *query__json_document(const struct findings *fs)
{
	size_t len = 64;
	char *doc, *p;

	for (size_t i = 0; i < fs->n; i++)
		len += strlen(fs->v[i].json) + 1;
	doc = malloc(len);
	if (!doc)
		return NULL;
	p = doc + sprintf(doc, "{\"count\":%zu,\"findings\":[", fs->n);
	for (size_t i = 0; i < fs->n; i++) {
		size_t n = strlen(fs->v[i].json);

		if (i)
			*p++ = ',';
		memcpy(p, fs->v[i].json, n);
		p += n;
	}
	strcpy(p, "]}\n");
	return doc;
}

/* Agents send these strings: keep their control characters off the terminal. */
static void print_clean(FILE *out, const char *s, int width)
{
	int n = 0;

	for (; s && *s; s++, n++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
	for (; n < width; n++)
		fputc(' ', out);
}

void query__print_table(FILE *out, const struct findings *fs)
{
	int host_w = 4, id_w = 0;

	for (size_t i = 0; i < fs->n; i++) {
		int n = (int)strlen(fs->v[i].host);

		if (n > host_w)
			host_w = n < 40 ? n : 40;
	}
	/* a leak's fingerprint, for ack, in a column of its own when there are leaks */
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i].id && (int)strlen(fs->v[i].id) > id_w)
			id_w = (int)strlen(fs->v[i].id);
	fprintf(out, "%-8s %-8s %-*s %-16s ", "SEVERITY", "KIND", host_w, "HOST", "LAST SEEN (UTC)");
	if (id_w)
		fprintf(out, "%-*s ", id_w, "FINGERPRINT");
	fprintf(out, "%s\n", "FINDING");
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		char when[LW_RFC3339_LEN];

		fprintf(out, "%-8s %-8s ", severity__wire_name(f->severity), store_kind__name(f->kind));
		print_clean(out, f->host, host_w);
		/* minutes are enough to read; JSON keeps the full time */
		clock__rfc3339(f->last_seen_ns, when);
		when[10] = ' ';
		fprintf(out, " %-16.16s ", when);
		if (id_w)
			fprintf(out, "%-*s ", id_w, f->id ? f->id : "-");
		print_clean(out, f->what, 0);
		fputc('\n', out);
	}
	if (!fs->n)
		fprintf(out, "(no findings)\n");
}

void query__print_json_lines(FILE *out, const struct findings *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		fprintf(out, "%s\n", fs->v[i].json);
}

/* --- time arguments --- */

static int parse_rfc3339(const char *s, uint64_t *out_ns)
{
	struct tm tm;
	const char *p;
	uint64_t frac = 0, scale = 1000000000ULL;
	long offset = 0;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%d", &tm);
	if (!p)
		return -EINVAL;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p = strptime(p + 1, "%H:%M:%S", &tm);
		if (!p)
			return -EINVAL;
		if (*p == '.') {
			for (p++; *p >= '0' && *p <= '9'; p++) {
				if (scale > 1) {
					scale /= 10;
					frac += (uint64_t)(*p - '0') * scale;
				}
			}
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p == '-' ? -1 : 1, hh, mm;

			if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2 || hh > 23 || mm > 59)
				return -EINVAL;
			offset = sign * (hh * 3600L + mm * 60L);
			p += 6;
		} else {
			return -EINVAL; /* RFC 3339 wants the offset */
		}
	}
	if (*p)
		return -EINVAL;
	t = timegm(&tm);
	if (t < 0 || t - offset < 0)
		return -EINVAL;
	*out_ns = (uint64_t)(t - offset) * 1000000000ULL + frac;
	return 0;
}

int query__parse_kinds(const char *list, struct query_filter *f, const char **bad, size_t *bad_len)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		char one[16];
		enum store_kind k;

		if (n >= sizeof(one) || (memcpy(one, p, n), one[n] = '\0', store_kind__parse(one, &k))) {
			*bad = p;
			*bad_len = n;
			return -EINVAL;
		}
		f->kinds[k] = true;
		p += n;
		p += *p == ',';
	}
	return 0;
}

int query__parse_limit(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !v || v > QUERY_MAX_LIMIT)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

int query__parse_since(const char *s, uint64_t now_ns, uint64_t *out_ns)
{
	uint64_t ms;

	if (!s || !*s)
		return -EINVAL;
	if (strspn(s, "0123456789") == strlen(s)) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno || v > 9000000000ULL)
			return -EINVAL;
		*out_ns = (uint64_t)v * 1000000000ULL;
		return 0;
	}
	if (!parse_rfc3339(s, out_ns))
		return 0;
	if (!parse_duration_ms(s, &ms) && ms <= now_ns / 1000000ULL) {
		*out_ns = now_ns - ms * 1000000ULL;
		return 0;
	}
	return -EINVAL;
}

int query__print_events(struct db *db, const struct query_filter *f, FILE *out)
{
	static const char *const sql =
		"SELECT body FROM events WHERE time_ns >= ?1 AND (hostname = ?2 OR ?2 IS NULL)"
		" AND (?3 <> 0 OR kind IN (?4, ?5, ?6)) ORDER BY time_ns, id LIMIT ?7";
	const char *kinds[STORE_KIND_COUNT] = { "", "", "" };
	bool any = false;
	struct db_stmt *st;
	int n = 0, rc;

	for (int k = 0; k < STORE_KIND_COUNT; k++) {
		any |= f->kinds[k];
		if (f->kinds[k])
			kinds[k] = store_kind__name((enum store_kind)k);
	}
	if (db__prepare(db, sql, &st) != DB_OK)
		return -EIO;
	db__bind_int64(st, 1, (int64_t)f->since_ns);
	if (f->host)
		db__bind_text(st, 2, f->host, -1);
	db__bind_int(st, 3, !any);
	for (int k = 0; k < STORE_KIND_COUNT; k++)
		db__bind_text(st, 4 + k, kinds[k], -1);
	/* no limit: the largest, since PostgreSQL refuses SQLite's -1 */
	db__bind_int64(st, 7, f->limit ? (int64_t)f->limit : INT64_MAX);
	while ((rc = db__step(st)) == DB_ROW) {
		const void *body = db__column_blob(st, 0);
		size_t len = (size_t)db__column_bytes(st, 0);
		Leakwatch__V1__Event *ev = leakwatch__v1__event__unpack(NULL, len, body);
		char *json = ev ? render__event_string(ev) : NULL;

		if (json) {
			fprintf(out, "%s\n", json);
			n++;
		}
		free(json);
		if (ev)
			leakwatch__v1__event__free_unpacked(ev, NULL);
	}
	db__finalize(st);
	return rc == DB_DONE ? n : -EIO;
}

int query__open_counts(struct db *db,
		       void (*fn)(void *ctx, enum store_kind k, int severity, const char *label, uint64_t n),
		       void *ctx)
{
	static const struct {
		enum store_kind kind;
		const char *sql;
	} q[] = {
		{ STORE_LISTENER, "SELECT severity, coalesce(service, 'unknown'), count(*) FROM listeners"
				  " WHERE state = 'open' AND exposure IN ('public', 'private') GROUP BY 1, 2" },
		{ STORE_LEAK, "SELECT severity, rule, count(*) FROM leaks WHERE acked_ns IS NULL GROUP BY 1, 2" },
	};

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		struct db_stmt *st;
		int rc;

		if (db__prepare(db, q[i].sql, &st) != DB_OK)
			return -EIO;
		while ((rc = db__step(st)) == DB_ROW)
			fn(ctx, q[i].kind, db__column_int(st, 0), text(st, 1) ?: "unknown", u64(st, 2));
		db__finalize(st);
		if (rc != DB_DONE)
			return -EIO;
	}
	return 0;
}
