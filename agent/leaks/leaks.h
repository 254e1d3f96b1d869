/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The log-write pipeline: judges files the kernel asks about, reassembles
 * what is written to watched ones, scans it, and turns matches into leak
 * reports (redacted, fingerprinted, attributed, coalesced).
 */
#ifndef LW_LEAKS_H
#define LW_LEAKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib/procinfo.h"
#include "leaks/finding.h"
#include "logfiles/uncaptured.h"
#include "leakwatch/events.h"
#include "detect/scanner.h"
#include "leaks/secret.h"
#include "logfiles/watch.h"

/* Tells the kernel a verdict (LW_VERDICT_*), or forgets the file (-1). */
typedef void (*leaks_verdict_fn)(void *ctx, const struct lw_file_key *key, uint32_t generation,
				 int state);
typedef void (*leaks_emit_fn)(void *ctx, const struct lw_leak *leak);

struct leaks_opts {
	const struct watch_set *watch; /* which files are logs: read at each verdict */
	size_t max_streams;            /* files scanned at once */
	uint64_t coalesce_delay_ms, coalesce_window_ms;
	uint64_t capture_max_bytes;    /* of a span read back (readback.h) */
	struct scanner *scanner;
	const struct lw_fpkey *key;
	struct procinfo *procs;        /* who wrote a secret */
	leaks_verdict_fn set_verdict;
	leaks_emit_fn emit;
	void *ctx;
};

struct leaks_stats {
	uint64_t files_watched;   /* verdicts given */
	uint64_t files_ignored;
	uint64_t chunks;          /* write records received */
	uint64_t chunks_ignored;  /* for files judged unwatched (sent while undecided) */
	uint64_t bytes_scanned;
	uint64_t truncated;       /* syscalls cut at capture.max_bytes */
	uint64_t gaps;            /* chunks after bytes the kernel could not read */
	uint64_t matches;         /* secrets found, before coalescing */
	uint64_t reports;         /* leak events emitted */
	uint64_t malformed;
	uint64_t spans;           /* sendfile, splice, copy_file_range, mmap seen */
	uint64_t spans_read;      /* read back */
	uint64_t uncaptured;      /* seen, bytes not read: the uncaptured_path drop */
	size_t open_streams;
	size_t files;
};

struct leaks;

int leaks__new(const struct leaks_opts *opts, struct leaks **out);

struct offsets;
/* How far each watched file was scanned (offsets.h): saved and loaded by the caller. */
struct offsets *leaks__offsets(struct leaks *l);
/*
 * Scans bytes [from, to) of an open file at rest, as written while the
 * agent was not running: findings are reported with source "catchup".
 * Returns the bytes scanned.
 */
uint64_t leaks__scan_range(struct leaks *l, int fd, const char *path, uint32_t dev, uint64_t ino,
			   uint32_t generation, uint64_t from, uint64_t to);
void leaks__free(struct leaks *l);

void leaks__on_file(struct leaks *l, const struct lw_file_event *e);
void leaks__on_write(struct leaks *l, const struct lw_write_event *e, size_t size);
/* Bytes that reached a watched file without a buffer (readback.h), or an mmap. */
void leaks__on_span(struct leaks *l, const struct lw_span_event *e);
/* The processes and files written to unseen, the busiest first. */
size_t leaks__uncaptured(const struct leaks *l, struct lw_uncaptured *out, size_t max);
/* Periodic work: due reports, idle streams. */
void leaks__tick(struct leaks *l, uint64_t now_ms);
/* Reports everything still held back, at shutdown. */
void leaks__flush(struct leaks *l);
void leaks__stats(const struct leaks *l, struct leaks_stats *out);
/*
 * Findings from another source (the journal), coalesced with the rest.
 * leaks__seen counts an occurrence of a secret already held for (dev, ino)
 * and returns true; otherwise the caller builds the leak and adds it
 * (leaks__add takes leak->path).
 */
bool leaks__seen(struct leaks *l, const char *fingerprint, uint32_t dev, uint64_t ino, uint64_t now_ns);
void leaks__add(struct leaks *l, struct lw_leak *leak);
/*
 * After a config reload: flushes and closes every stream with the old
 * scanner, forgets every file's verdict, and goes on with o's scanner,
 * watch set and coalescing times (the rest of o is as leaks__new had it).
 * The old scanner may be freed afterwards.
 */
void leaks__reconfigure(struct leaks *l, const struct leaks_opts *o);

#endif
