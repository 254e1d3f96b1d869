// SPDX-License-Identifier: Apache-2.0
#include "ingest/ingest.h"

#include <errno.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wire/gz.h"
#include "wire/utf8.h"


void ingest__default_limits(struct ingest_limits *l)
{
	memset(l, 0, sizeof(*l)); /* no shared total unless the server sets one */
	l->max_body = 4 << 20;
	l->max_inflated = 32 << 20;
	l->max_ratio = 200;
	l->max_events = 10000;
	l->max_event_bytes = 64 << 10;
	l->max_decoded = 128 << 20;
	l->max_unknown_fields = 256;
}

int ingest__parse_encoding(const char *h, enum ingest_encoding *out)
{
	size_t n;

	if (!h) {
		*out = INGEST_IDENTITY;
		return 0;
	}
	h += strspn(h, " \t");
	n = strlen(h);
	while (n && (h[n - 1] == ' ' || h[n - 1] == '\t'))
		n--;
	if (!n || (n == 8 && !strncasecmp(h, "identity", 8)))
		*out = INGEST_IDENTITY;
	else if ((n == 4 && !strncasecmp(h, "gzip", 4)) || (n == 6 && !strncasecmp(h, "x-gzip", 6)))
		*out = INGEST_GZIP;
	else
		return -EINVAL; /* deflate, br, or a list of codings: not ours */
	return 0;
}

/*
 * --- decode memory: an arena per batch ---
 * protobuf-c allocates per field, unknown fields included; a body of tiny
 * unknown fields turned 288 KB into 362 MB of small heap blocks that the
 * allocator then kept. Decoding into mapped chunks counts what is really
 * used (chunk granularity, no per-block overhead to miss), and unmapping
 * them gives it all back to the system at once.
 */
#define ARENA_CHUNK (256 * 1024)
#define ARENA_ALIGN 16

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
} __attribute__((aligned(ARENA_ALIGN))); /* the first block after it stays aligned */

/* Holds n more bytes against the server's total; false when that is full. */
static bool hold(struct ingest_alloc *a, size_t n)
{
	uint64_t cur;

	if (!a->inflight)
		return true;
	cur = __atomic_load_n(a->inflight, __ATOMIC_RELAXED);
	do {
		if (cur + n > a->max_inflight)
			return false;
	} while (!__atomic_compare_exchange_n(a->inflight, &cur, cur + n, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return true;
}

void ingest__cache_init(struct ingest_chunk_cache *c)
{
	pthread_mutex_init(&c->lock, NULL);
	c->free = NULL;
	c->n = 0;
}

void ingest__cache_fini(struct ingest_chunk_cache *c)
{
	while (c->free) {
		struct arena_chunk *k = c->free;

		c->free = k->next;
		munmap(k, k->size);
	}
	c->n = 0;
	pthread_mutex_destroy(&c->lock);
}

/* A standard-size chunk a finished batch left; NULL when there is none. */
static struct arena_chunk *cached_chunk(struct ingest_chunk_cache *cache)
{
	struct arena_chunk *c;

	if (!cache)
		return NULL;
	pthread_mutex_lock(&cache->lock);
	c = cache->free;
	if (c) {
		cache->free = c->next;
		cache->n--;
	}
	pthread_mutex_unlock(&cache->lock);
	return c;
}

/* Keeps a standard-size chunk for the next batch; false when it is not kept. */
static bool cache_chunk(struct ingest_chunk_cache *cache, struct arena_chunk *c)
{
	bool kept = false;

	if (!cache || c->size != ARENA_CHUNK)
		return false;
	pthread_mutex_lock(&cache->lock);
	if (cache->n < INGEST_CACHED_CHUNKS) {
		c->next = cache->free;
		cache->free = c;
		cache->n++;
		kept = true;
	}
	pthread_mutex_unlock(&cache->lock);
	return kept;
}

static void *arena_alloc(void *data, size_t size)
{
	struct ingest_alloc *a = data;
	struct arena_chunk *c;
	size_t want, map;
	void *p;

	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (size <= a->left) {
		p = a->next;
		a->next += size;
		a->left -= size;
		return p;
	}
	want = sizeof(*c) + size;
	map = want > ARENA_CHUNK ? (want + 4095) & ~(size_t)4095 : ARENA_CHUNK;
	if (size > a->limit || a->used + map > a->limit) {
		a->exhausted = true;
		return NULL;
	}
	if (!hold(a, map)) {
		a->busy = true;
		return NULL;
	}
	c = map == ARENA_CHUNK ? cached_chunk(a->cache) : NULL;
	if (!c)
		c = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED) {
		if (a->inflight)
			__atomic_fetch_sub(a->inflight, map, __ATOMIC_RELAXED);
		a->busy = true;
		return NULL;
	}
	c->size = map;
	c->next = a->chunks;
	a->chunks = c;
	a->used += map;
	p = (uint8_t *)(c + 1);
	a->next = (uint8_t *)p + size;
	a->left = map - sizeof(*c) - size;
	return p;
}

/* Blocks are freed with their batch, all at once. */
static void arena_free(void *data, void *p)
{
	(void)data;
	(void)p;
}

static void arena_release(struct ingest_alloc *a)
{
	while (a->chunks) {
		struct arena_chunk *c = a->chunks;

		a->chunks = c->next;
		if (a->inflight)
			__atomic_fetch_sub(a->inflight, c->size, __ATOMIC_RELAXED);
		if (!cache_chunk(a->cache, c))
			munmap(c, c->size);
	}
	a->used = a->left = 0;
	a->next = NULL;
}

/* --- the redaction contract: what an agent may store of a secret --- */

/*
 * The agent's redacted form is "****", or up to 4 leading and as many
 * trailing characters around "..." (README: `redacted`). A buggy or
 * compromised agent may send more; the collector never stores it.
 */
static bool redaction_ok(const char *r)
{
	size_t n = strlen(r), show;

	if (!n || !strcmp(r, "****"))
		return true;
	if (n < 5 || (n - 3) % 2)
		return false;
	show = (n - 3) / 2;
	return show <= 4 && !memcmp(r + show, "...", 3);
}

/* The agent's own rule, applied to what it sent: a sixth on each side, at most 4. */
static void redact_again(const char *sent, char out[16])
{
	size_t n = strlen(sent), show = n / 6 < 4 ? n / 6 : 4;

	for (size_t i = 0; i < show; i++)
		if ((unsigned char)sent[i] >= 0x80 || (unsigned char)sent[n - 1 - i] >= 0x80)
			show = 0; /* never cut a UTF-8 sequence */
	if (!show)
		snprintf(out, 16, "****");
	else
		snprintf(out, 16, "%.*s...%.*s", (int)show, sent, (int)show, sent + n - show);
}

/* Re-redacts a leak that showed too much, and re-encodes it for storage. */
static int enforce_redaction(struct ingest_event *e)
{
	Leakwatch__V1__LeakEvent *l = e->ev->leak;
	size_t len;

	if (e->ev->kind_case != LEAKWATCH__V1__EVENT__KIND_LEAK || !l || !l->redacted || redaction_ok(l->redacted))
		return 0;
	redact_again(l->redacted, e->redacted);
	l->redacted = e->redacted;
	len = leakwatch__v1__event__get_packed_size(e->ev);
	e->repacked = malloc(len ? len : 1);
	if (!e->repacked)
		return -ENOMEM;
	e->raw_len = leakwatch__v1__event__pack(e->ev, e->repacked);
	e->raw = e->repacked;
	return 1;
}

/* Unknown fields in the event and the message it carries: a newer agent
 * adds a few; thousands are an attack on the decoder. */
static size_t unknown_fields(const Leakwatch__V1__Event *ev)
{
	size_t n = ev->base.n_unknown_fields;

	if (ev->listener)
		n += ev->listener->base.n_unknown_fields;
	if (ev->leak)
		n += ev->leak->base.n_unknown_fields;
	if (ev->health)
		n += ev->health->base.n_unknown_fields;
	if (ev->host)
		n += ev->host->base.n_unknown_fields;
	if (ev->process)
		n += ev->process->base.n_unknown_fields;
	if (ev->container)
		n += ev->container->base.n_unknown_fields;
	return n;
}

/* --- the EventBatch frame, walked by hand before anything is allocated --- */

static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t r = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (*p >= end)
			return -1;
		b = *(*p)++;
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return 0;
		}
	}
	return -1; /* more than 10 bytes */
}

/*
 * One pass over the top-level fields: 1 agent_id, 2 sequence, 3 events.
 * With events NULL it only counts them. Unknown fields are skipped as
 * protobuf says; groups and bad wire types are malformed.
 */
static enum ingest_status walk_batch(const uint8_t *p, size_t len, size_t max_events,
				     struct ingest_batch *b, struct ingest_event *events,
				     size_t *n_events)
{
	const uint8_t *end, *agent = NULL;
	size_t n = 0, agent_len = 0;
	uint64_t seq = 0;

	if (!len)
		p = (const uint8_t *)""; /* an empty body may come as NULL */
	end = p + len;

	while (p < end) {
		uint64_t tag, v;
		uint32_t field;

		if (read_varint(&p, end, &tag))
			return INGEST_BAD_PROTOBUF;
		field = (uint32_t)(tag >> 3);
		if (!field || tag >> 3 > 0x1fffffff)
			return INGEST_BAD_PROTOBUF;
		switch (tag & 7) {
		case 0:
			if (read_varint(&p, end, &v))
				return INGEST_BAD_PROTOBUF;
			if (field == 2)
				seq = v;
			else if (field == 1 || field == 3)
				return INGEST_BAD_PROTOBUF;
			break;
		case 1:
			if (end - p < 8 || field <= 3)
				return INGEST_BAD_PROTOBUF;
			p += 8;
			break;
		case 5:
			if (end - p < 4 || field <= 3)
				return INGEST_BAD_PROTOBUF;
			p += 4;
			break;
		case 2:
			if (read_varint(&p, end, &v) || v > (uint64_t)(end - p))
				return INGEST_BAD_PROTOBUF;
			if (field == 1) {
				agent = p; /* the last one wins, as in protobuf */
				agent_len = (size_t)v;
			} else if (field == 3) {
				if (++n > max_events)
					return INGEST_TOO_MANY_EVENTS;
				if (events) {
					events[n - 1].raw = p;
					events[n - 1].raw_len = (size_t)v;
				}
			} else if (field == 2) {
				return INGEST_BAD_PROTOBUF; /* sequence is a varint */
			}
			p += v;
			break;
		default:
			return INGEST_BAD_PROTOBUF;
		}
	}
	*n_events = n;
	if (!b)
		return INGEST_OK;
	if (agent_len > INGEST_MAX_AGENT_ID || !utf8__valid((const char *)agent, agent_len) ||
	    (agent && memchr(agent, 0, agent_len)))
		return INGEST_BAD_BATCH;
	if (agent)
		memcpy(b->agent_id, agent, agent_len);
	b->agent_id[agent_len] = '\0';
	b->sequence = seq;
	return INGEST_OK;
}

enum ingest_status ingest__decode(const void *body, size_t len, enum ingest_encoding enc,
				  const struct ingest_limits *lim, uint64_t now_ns,
				  struct ingest_batch **out)
{
	struct ingest_batch *b;
	const uint8_t *data = body;
	size_t data_len = len, n = 0;
	enum ingest_status st;

	*out = NULL;
	if (len > lim->max_body)
		return INGEST_TOO_LARGE;
	b = calloc(1, sizeof(*b));
	if (!b)
		return INGEST_NOMEM;
	b->mem.limit = lim->max_decoded;
	b->mem.inflight = lim->inflight;
	b->mem.max_inflight = lim->max_inflight;
	b->mem.cache = lim->cache;
	b->pb_alloc.alloc = arena_alloc;
	b->pb_alloc.free = arena_free;
	b->pb_alloc.allocator_data = &b->mem;

	if (enc == INGEST_GZIP) {
		int err = gz__inflate(body, len, lim->max_inflated, lim->max_ratio, &b->inflated, &data_len);

		if (err) {
			ingest__free(b);
			return err == -EFBIG ? INGEST_BOMB : err == -ENOMEM ? INGEST_NOMEM : INGEST_BAD_GZIP;
		}
		data = b->inflated;
	}

	/* count first: the array is sized by what is there, never by a claim */
	st = walk_batch(data, data_len, lim->max_events, NULL, NULL, &n);
	if (st == INGEST_OK && n) {
		b->events = calloc(n, sizeof(*b->events));
		if (!b->events)
			st = INGEST_NOMEM;
	}
	if (st == INGEST_OK)
		st = walk_batch(data, data_len, lim->max_events, b, b->events, &n);
	if (st != INGEST_OK) {
		ingest__free(b);
		return st;
	}
	b->n_events = n;

	for (size_t i = 0; i < n; i++) {
		struct ingest_event *e = &b->events[i];

		if (e->raw_len > lim->max_event_bytes) {
			e->invalid = "event too large";
			b->n_invalid++;
			continue;
		}
		e->ev = leakwatch__v1__event__unpack(&b->pb_alloc, e->raw_len, e->raw);
		if (!e->ev) {
			/* a bad event makes the whole batch malformed protobuf */
			st = b->mem.busy ? INGEST_NOMEM : b->mem.exhausted ? INGEST_TOO_LARGE : INGEST_BAD_PROTOBUF;
			ingest__free(b);
			return st;
		}
		e->invalid = ingest__validate(e->ev, now_ns);
		if (!e->invalid && lim->max_unknown_fields && unknown_fields(e->ev) > lim->max_unknown_fields)
			e->invalid = "too many unknown fields";
		if (e->invalid) {
			b->n_invalid++;
			continue;
		}
		switch (enforce_redaction(e)) {
		case 1:
			b->n_unredacted++;
			break;
		case -ENOMEM:
			ingest__free(b);
			return INGEST_NOMEM;
		}
	}
	*out = b;
	return INGEST_OK;
}

void ingest__free(struct ingest_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n_events; i++) {
		struct ingest_event *e = &b->events[i];

		free(e->repacked);
	}
	arena_release(&b->mem); /* the decoded events, all at once */
	free(b->events);
	free(b->inflated);
	free(b);
}

int ingest__http_status(enum ingest_status s)
{
	switch (s) {
	case INGEST_OK: return 200;
	case INGEST_TOO_LARGE:
	case INGEST_BOMB:
	case INGEST_TOO_MANY_EVENTS: return 413;
	case INGEST_BAD_GZIP:
	case INGEST_BAD_PROTOBUF:
	case INGEST_BAD_BATCH: return 400;
	case INGEST_NOMEM: return 503;
	}
	return 500;
}

const char *ingest__status_text(enum ingest_status s)
{
	switch (s) {
	case INGEST_OK: return "ok";
	case INGEST_TOO_LARGE: return "batch too large";
	case INGEST_BOMB: return "body inflates past the limit";
	case INGEST_BAD_GZIP: return "body is not valid gzip";
	case INGEST_BAD_PROTOBUF: return "body is not a valid EventBatch";
	case INGEST_BAD_BATCH: return "agent_id too long or not UTF-8";
	case INGEST_TOO_MANY_EVENTS: return "too many events in one batch";
	case INGEST_NOMEM: return "out of memory";
	}
	return "error";
}
