// SPDX-License-Identifier: Apache-2.0
#include "logfiles/uncaptured.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/htab.h"

#define MAX_ENTRIES 1024 /* past this, only the total grows */

struct key {
	uint32_t pid;
	uint64_t ino;
	const char *via;
};

struct uncaptured {
	struct htab *entries;
	uint64_t total;
};

struct uncaptured *uncaptured__new(void)
{
	struct uncaptured *u = calloc(1, sizeof(*u));

	if (u && !(u->entries = htab__new(sizeof(struct key)))) {
		free(u);
		return NULL;
	}
	return u;
}

void uncaptured__free(struct uncaptured *u)
{
	if (!u)
		return;
	htab__free(u->entries, free);
	free(u);
}

void uncaptured__add(struct uncaptured *u, uint32_t pid, const char *comm, const char *path, uint64_t ino,
		     const char *via, uint64_t now_ns)
{
	struct lw_uncaptured *e;
	struct key k;

	u->total++;
	memset(&k, 0, sizeof(k));
	k.pid = pid;
	k.ino = ino;
	k.via = via;
	e = htab__get(u->entries, &k);
	if (!e) {
		if (htab__count(u->entries) >= MAX_ENTRIES || !(e = calloc(1, sizeof(*e))))
			return;
		e->pid = pid;
		e->via = via;
		snprintf(e->comm, sizeof(e->comm), "%s", comm);
		snprintf(e->path, sizeof(e->path), "%s", path ? path : "");
		if (htab__put(u->entries, &k, e)) {
			free(e);
			return;
		}
	}
	e->count++;
	e->last_ns = now_ns;
}

uint64_t uncaptured__total(const struct uncaptured *u)
{
	return u->total;
}

size_t uncaptured__top(const struct uncaptured *u, struct lw_uncaptured *out, size_t max)
{
	struct htab_iter it;
	size_t n = 0;
	void *v;

	htab__iter_init(&it);
	while (max && htab__next(u->entries, &it, NULL, &v)) {
		const struct lw_uncaptured *e = v;
		size_t at = n < max ? n++ : max;

		/* insertion into a short list kept sorted by count */
		if (at == max && e->count <= out[max - 1].count)
			continue;
		if (at == max)
			at = max - 1;
		while (at > 0 && out[at - 1].count < e->count) {
			out[at] = out[at - 1];
			at--;
		}
		out[at] = *e;
	}
	return n;
}
