// SPDX-License-Identifier: Apache-2.0
#include "storage/rowlocks.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "ingest/ingest.h"

/* the two-key form, its first key "LW" (0x4c57): apart from alertdb's
 * one-key locks, whose key space PostgreSQL keeps separate */
#define ROWLOCK_SQL "SELECT pg_advisory_xact_lock(19543, ?1::int)"

int rowlocks__prepare(struct db *db, struct db_stmt **out)
{
	*out = NULL;
	if (db__driver(db) != DB_POSTGRES)
		return 0;
	return db__prepare(db, ROWLOCK_SQL, out) == DB_OK ? 0 : -EIO;
}

/* FNV-1a of a kind's letter and a name, to 32 bits: two names that share a
 * hash only wait for each other, they cannot deadlock, since every batch
 * takes its keys in one order */
static int32_t key_of(char kind, const char *name)
{
	uint32_t h = 2166136261u;

	h = (h ^ (unsigned char)kind) * 16777619u;
	for (const unsigned char *p = (const unsigned char *)(name ? name : ""); *p; p++)
		h = (h ^ *p) * 16777619u;
	return (int32_t)h;
}

static int cmp_key(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

int rowlocks__take(struct db_stmt *lock, const struct ingest_batch *b)
{
	int32_t *keys;
	size_t n = 0;
	int err = 0;

	if (!lock)
		return 0;
	keys = malloc((2 * b->n_events + 1) * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < b->n_events; i++) {
		const Leakwatch__V1__Event *ev = b->events[i].ev;

		if (b->events[i].invalid)
			continue;
		keys[n++] = key_of('H', ev->host->hostname);
		if (ev->kind_case == LEAKWATCH__V1__EVENT__KIND_LEAK)
			keys[n++] = key_of('F', ev->leak->fingerprint);
	}
	qsort(keys, n, sizeof(*keys), cmp_key);
	/* one statement each, deferred: pipelined, they cost one round trip */
	for (size_t i = 0; i < n && !err; i++) {
		if (i && keys[i] == keys[i - 1])
			continue;
		db__bind_int64(lock, 1, keys[i]);
		err = db__defer(lock) == DB_DONE ? 0 : -EIO;
		db__clear_bindings(lock);
	}
	free(keys);
	return err;
}
