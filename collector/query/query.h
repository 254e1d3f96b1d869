/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Findings out of the database, most severe and most recent first: for
 * GET /v1/findings (one JSON document) and `leakwatch-collector query`
 * (a table, or JSON lines). Read-only.
 */
#ifndef COLLECTOR_QUERY_H
#define COLLECTOR_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "storage/store.h"

#define QUERY_DEFAULT_LIMIT 100
#define QUERY_MAX_LIMIT 10000

struct query_filter {
	bool kinds[STORE_KIND_COUNT]; /* none set: every kind */
	uint64_t since_ns;            /* last seen at or after; 0 for all */
	const char *host;             /* host name, or NULL */
	unsigned limit;
	int min_severity;             /* leakwatch.v1.Severity; 0: any */
	bool hide_closed;             /* listeners that closed are left out */
	bool open_only;               /* and acknowledged leaks too: what is still a problem */
};

struct finding {
	enum store_kind kind;
	int severity;        /* leakwatch.v1.Severity */
	bool active;         /* false for a closed listener: sorts after open ones */
	uint64_t last_seen_ns;
	char *json;          /* the whole finding as one JSON object */
	char *host;          /* a host name, or "N hosts" */
	char *what;          /* one line for the table */
	char *id;            /* a leak's fingerprint, which ack takes; NULL for other kinds */
};

struct findings {
	struct finding *v;
	size_t n;
};

int query__findings(struct db *db, const struct query_filter *f, struct findings *out);
void query__free(struct findings *fs);

/* {"findings":[...],"count":N}; malloc'd, NULL when out of memory. */
char *query__json_document(const struct findings *fs);
void query__print_table(FILE *out, const struct findings *fs);
void query__print_json_lines(FILE *out, const struct findings *fs);

/* Unix seconds, RFC 3339 ("2026-11-29T06:45:29Z", offsets allowed, or a
 * date), or a duration before now ("24h", "7d"). -EINVAL if none fits. */
int query__parse_since(const char *s, uint64_t now_ns, uint64_t *out_ns);
/* "listener,leak": each kind into f->kinds. -EINVAL, naming the bad one in
 * *bad (a pointer into list, up to the next comma), if one is not a kind. */
int query__parse_kinds(const char *list, struct query_filter *f, const char **bad, size_t *bad_len);
/* 1..QUERY_MAX_LIMIT, digits only; -EINVAL otherwise. */
int query__parse_limit(const char *s, unsigned *out);


/*
 * The stored events themselves, oldest first, each as the JSON the agent
 * printed for it (render.h): for forensics, and to check a round trip.
 * since_ns filters on the event's own time. Returns how many, or -EIO.
 */
/*
 * The open problems now, for gauges: fn(ctx, STORE_LISTENER, severity,
 * service or "unknown", n) for open listeners on a public or private
 * address, and fn(ctx, STORE_LEAK, severity, rule, n) for unacknowledged
 * leaks. 0 or -EIO.
 */
int query__open_counts(struct db *db,
		       void (*fn)(void *ctx, enum store_kind k, int severity, const char *label, uint64_t n),
		       void *ctx);

int query__print_events(struct db *db, const struct query_filter *f, FILE *out);

#endif
