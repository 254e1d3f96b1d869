/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stored alerts read back for a notification: one alert, the members of a
 * group, or everything firing for a sink. Copies, so that the HTTP request
 * can be made after the store's lock is released.
 */
#ifndef COLLECTOR_ALERTVIEW_H
#define COLLECTOR_ALERTVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/store.h"

struct db;

#define ALERTVIEW_MAX_LISTED 20     /* members named in a group notification */
#define ALERTVIEW_MAX_RESEND 2000   /* alerts in one page of an Alertmanager resend */

struct alert_view {
	char *key;
	enum store_kind kind;
	bool firing;
	int severity;
	char *alertname;
	char *host;
	char *labels;      /* "name=value\n" lines */
	char *prev_labels; /* those it was announced with before an update changed them, or NULL */
	int64_t updated_ns; /* collector's clock */
	char *details;
	char *summary;
	char *description;
	char *fingerprint; /* leaks, or NULL */
	uint64_t count;
	int64_t starts_ns;
	int64_t last_ns;
	int64_t ends_ns;   /* 0 while firing */
	uint64_t hosts;    /* leaks: the hosts its fingerprint was seen on */
};

struct alert_views {
	struct alert_view *v;
	size_t n;          /* loaded */
	size_t total;      /* in all: more than n when a list was cut */
};

/* -ENOENT when there is no such alert. */
int alertview__load(struct db *db, const char *key, struct alert_view *out);
/* The alerts announced in group notification `row` (at most max). */
int alertview__group(struct db *db, int64_t row, size_t max, struct alert_views *out);
/* The alerts of a sink that were announced under group_key (for its end). */
int alertview__group_key(struct db *db, const char *sink, const char *group_key, size_t max,
			 struct alert_views *out);
/*
 * One page of the alerts firing that went to sink: at most max, by key,
 * after after_key ("" for the first page). out->total counts those left
 * from after_key on, this page included: more than n means another page.
 */
int alertview__firing(struct db *db, const char *sink, const char *after_key, size_t max,
		      struct alert_views *out);

void alertview__free(struct alert_view *v);
void alertview__free_all(struct alert_views *vs);

#endif
