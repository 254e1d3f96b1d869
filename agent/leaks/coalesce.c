// SPDX-License-Identifier: Apache-2.0
#include "leaks/coalesce.h"

#include <stdlib.h>
#include <string.h>

#include "os/clock.h"
#include "data/htab.h"

struct key {
	char fingerprint[LW_FINGERPRINT_LEN];
	uint32_t dev;
	uint64_t ino;
};

struct entry {
	struct lw_leak leak; /* count = occurrences not yet reported */
	uint64_t due_ms;     /* when the pending count is reported */
};

struct coalesce {
	struct htab *entries;
	uint64_t delay_ms;
	uint64_t window_ms;
	size_t max_entries;
	coalesce_emit_fn emit;
	void *ctx;
};

static void make_key(struct key *k, const char *fingerprint, uint32_t dev, uint64_t ino)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->fingerprint, fingerprint, LW_FINGERPRINT_LEN);
	k->dev = dev;
	k->ino = ino;
}

static void free_entry(void *p)
{
	struct entry *e = p;

	free(e->leak.path);
	free(e->leak.previous_path);
	free(e);
}

struct coalesce *coalesce__new(uint64_t delay_ms, uint64_t window_ms, size_t max_entries,
			       coalesce_emit_fn emit, void *ctx)
{
	struct coalesce *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->entries = htab__new(sizeof(struct key));
	if (!c->entries) {
		free(c);
		return NULL;
	}
	c->delay_ms = delay_ms;
	c->window_ms = window_ms;
	c->max_entries = max_entries;
	c->emit = emit;
	c->ctx = ctx;
	return c;
}

void coalesce__free(struct coalesce *c)
{
	if (!c)
		return;
	htab__free(c->entries, free_entry);
	free(c);
}

void coalesce__set_timing(struct coalesce *c, uint64_t delay_ms, uint64_t window_ms)
{
	c->delay_ms = delay_ms;
	c->window_ms = window_ms;
}

int coalesce__repeat(struct coalesce *c, const char *fingerprint, uint32_t dev, uint64_t ino,
		     uint64_t offset, uint64_t now_ns)
{
	struct entry *e;
	struct key k;

	make_key(&k, fingerprint, dev, ino);
	e = htab__get(c->entries, &k);
	if (!e)
		return 0;
	e->leak.count++;
	e->leak.total++;
	e->leak.last_ns = now_ns;
	e->leak.last_offset = offset;
	return 1;
}

static void report(struct coalesce *c, struct entry *e, uint64_t now_ms)
{
	c->emit(c->ctx, &e->leak);
	e->leak.count = 0;
	e->leak.repeat = true;
	/* later occurrences wait for the window */
	e->due_ms = now_ms + c->window_ms;
}

void coalesce__add(struct coalesce *c, struct lw_leak *leak, uint64_t now_ms)
{
	struct entry *e = calloc(1, sizeof(*e));
	struct key k;

	if (!e || htab__count(c->entries) >= c->max_entries) {
		/* no room to hold it back: report it now rather than lose it */
		leak->count = leak->total = 1;
		c->emit(c->ctx, leak);
		free(leak->path);
		free(leak->previous_path);
		leak->path = leak->previous_path = NULL;
		free(e);
		return;
	}
	e->leak = *leak;
	e->leak.count = e->leak.total = 1;
	e->leak.repeat = false;
	e->due_ms = now_ms + c->delay_ms;
	leak->path = leak->previous_path = NULL;
	make_key(&k, e->leak.fingerprint, e->leak.dev, e->leak.ino);
	if (htab__put(c->entries, &k, e)) {
		c->emit(c->ctx, &e->leak);
		free_entry(e);
		return;
	}
	if (!c->delay_ms)
		report(c, e, now_ms);
}

void coalesce__tick(struct coalesce *c, uint64_t now_ms)
{
	struct htab_iter it;
	const void *k;
	void *v;

	htab__iter_init(&it);
	while (htab__next(c->entries, &it, &k, &v)) {
		struct entry *e = v;

		if (now_ms < e->due_ms)
			continue;
		if (e->leak.count)
			report(c, e, now_ms);
		else
			free_entry(htab__del(c->entries, k));
	}
}

void coalesce__flush(struct coalesce *c)
{
	struct htab_iter it;
	void *v;

	htab__iter_init(&it);
	while (htab__next(c->entries, &it, NULL, &v)) {
		struct entry *e = v;

		if (e->leak.count)
			c->emit(c->ctx, &e->leak);
		e->leak.count = 0;
	}
}

size_t coalesce__count(const struct coalesce *c)
{
	return htab__count(c->entries);
}
