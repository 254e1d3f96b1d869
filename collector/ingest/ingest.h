/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A POSTed body to a checked EventBatch: inflate, frame, decode and validate,
 * each step under a hard limit, with no HTTP in sight, so that the server and
 * the fuzzer run exactly the same code on the same bytes.
 */
#ifndef COLLECTOR_INGEST_H
#define COLLECTOR_INGEST_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leakwatch/v1/leakwatch.pb-c.h"

enum ingest_encoding { INGEST_IDENTITY, INGEST_GZIP };

/* What became of a body; each maps to one HTTP status and one metric. */
enum ingest_status {
	INGEST_OK,
	INGEST_TOO_LARGE,       /* 413: body, or memory to decode it */
	INGEST_BOMB,            /* 413: inflates past max_inflated or max_ratio */
	INGEST_BAD_GZIP,        /* 400 */
	INGEST_BAD_PROTOBUF,    /* 400 */
	INGEST_BAD_BATCH,       /* 400: agent_id too long or not UTF-8 */
	INGEST_TOO_MANY_EVENTS, /* 413 */
	INGEST_NOMEM,           /* 503: the collector itself ran short */
};

/*
 * Decode chunks that finished batches leave for the next. Mapping, faulting
 * in and unmapping fresh pages for every batch cost a tenth of ingest (page
 * faults, and the TLB shootdowns of munmap across the server's threads).
 * Shared by those threads; it keeps at most INGEST_CACHED_CHUNKS.
 */
#define INGEST_CACHED_CHUNKS 16
struct ingest_chunk_cache {
	pthread_mutex_t lock;
	struct arena_chunk *free;
	unsigned n;
};

void ingest__cache_init(struct ingest_chunk_cache *c);
void ingest__cache_fini(struct ingest_chunk_cache *c);

struct ingest_limits {
	size_t max_body;        /* bytes as received */
	size_t max_inflated;    /* bytes after gunzip */
	size_t max_ratio;       /* inflated / received, against bombs */
	size_t max_events;      /* per batch */
	size_t max_event_bytes; /* one encoded Event; larger ones are rejected */
	size_t max_decoded;     /* memory one batch may decode into, overhead included */
	size_t max_unknown_fields; /* per event: fields this collector does not know */
	/* optional: decode memory is also held against the server's total of
	 * request memory (limits.max_inflight); NULL for none */
	uint64_t *inflight;
	uint64_t max_inflight;
	struct ingest_chunk_cache *cache; /* optional: chunks to reuse */
};

#define INGEST_MAX_AGENT_ID 256

struct ingest_event {
	const uint8_t *raw; /* the encoded Event as sent, inside the batch */
	size_t raw_len;
	Leakwatch__V1__Event *ev; /* NULL if too large to decode */
	const char *invalid;      /* why it will not be stored; NULL if valid */
	bool stored;              /* set by store__write_batch: new, and committed */
	/* private: a leak whose redacted form broke the contract, redacted again */
	uint8_t *repacked;        /* raw points here then */
	char redacted[16];
};

/* An arena for one batch's decoded events: mapped in chunks, freed whole. */
struct ingest_alloc {
	size_t used, limit;        /* bytes mapped for this batch */
	bool exhausted;            /* over limit: the batch is too large */
	bool busy;                 /* over the server's max_inflight: retry later */
	uint64_t *inflight;
	uint64_t max_inflight;
	struct ingest_chunk_cache *cache;
	struct arena_chunk *chunks;
	uint8_t *next;
	size_t left;
};

struct ingest_batch {
	char agent_id[INGEST_MAX_AGENT_ID + 1];
	uint64_t sequence;
	size_t n_events;
	size_t n_invalid;
	size_t n_unredacted;      /* leaks whose redacted form showed too much */
	/* set by the server: the credential that sent it may report for its hosts only */
	bool host_verified;
	struct ingest_event *events;
	/* private */
	uint8_t *inflated;
	struct ingest_alloc mem;
	ProtobufCAllocator pb_alloc;
};

void ingest__default_limits(struct ingest_limits *l);

/* A Content-Encoding header value (NULL when absent); -EINVAL if unsupported. */
int ingest__parse_encoding(const char *header, enum ingest_encoding *out);

/*
 * Decodes a body. On INGEST_OK, *out holds every event, each either valid or
 * marked invalid with a reason; free it with ingest__free. now_ns bounds how
 * far in the future an event's time may be. The body must outlive *out when
 * it was sent uncompressed (events point into it).
 */
enum ingest_status ingest__decode(const void *body, size_t len, enum ingest_encoding enc,
				  const struct ingest_limits *lim, uint64_t now_ns,
				  struct ingest_batch **out);
void ingest__free(struct ingest_batch *b);

/* NULL when the event may be stored, else a short reason. */
const char *ingest__validate(const Leakwatch__V1__Event *ev, uint64_t now_ns);

int ingest__http_status(enum ingest_status s);
const char *ingest__status_text(enum ingest_status s);

#endif
