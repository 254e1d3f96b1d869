/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's durable queue: every event is appended here before it is
 * sent, and a segment is deleted only once the collector has acknowledged
 * every record in it. Records are framed with a magic, their length and a
 * CRC32, so a restart can replay what was not delivered, cut a torn tail,
 * and step over a damaged record, counting what was lost.
 */
#ifndef LW_SPOOL_H
#define LW_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#define SPOOL_MAX_RECORD (1u << 20)

struct spool_opts {
	const char *dir;
	uint64_t max_bytes;     /* total on disk; beyond it the oldest segment goes */
	uint64_t segment_bytes; /* a segment is closed once it is this large */
};

/* A place in the spool: a segment and a byte offset in it. */
struct spool_pos {
	uint64_t segment;
	uint64_t offset;
};

struct spool_stats {
	uint64_t bytes;          /* on disk */
	uint64_t records;        /* not yet acknowledged */
	uint64_t segments;
	uint64_t oldest_ms;      /* append time of the oldest unacknowledged record, 0 if none */
	uint64_t appended;
	uint64_t acked;
	uint64_t dropped_full;   /* deleted unsent to stay under max_bytes */
	uint64_t dropped_corrupt;/* damaged records found on replay */
	uint64_t write_errors;   /* appends that failed (disk full, I/O) */
	uint64_t syncs;
};

/* Called for each record read; return non-zero to stop. */
typedef int (*spool_record_fn)(void *ctx, const void *data, size_t len, const struct spool_pos *next);

struct spool;

/* Opens (creating) the directory and replays it: counts, truncates torn tails. */
int spool__open(const struct spool_opts *opts, struct spool **out);
void spool__close(struct spool *s);

/* Appends one record. Thread-safe. -ENOSPC and friends are counted. */
int spool__append(struct spool *s, const void *data, size_t len);
/* fsyncs what was appended since the last sync. */
int spool__sync(struct spool *s);

/* Where reading starts: the oldest record not yet acknowledged. */
struct spool_pos spool__start(struct spool *s);
/*
 * Reads records from *cursor on (skipping damaged ones), at most
 * max_records or max_bytes, advancing *cursor. Returns the count.
 */
int spool__read(struct spool *s, struct spool_pos *cursor, size_t max_records, size_t max_bytes,
		spool_record_fn fn, void *ctx);
/* Everything before `upto` is delivered: delete what is no longer needed. */
int spool__ack(struct spool *s, const struct spool_pos *upto);

void spool__stats(struct spool *s, struct spool_stats *out);

#endif
