/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The files the kernel has asked about: their path, the agent's verdict,
 * and for watched files the scanner stream that reassembles what is
 * appended to them, so a secret split across writes is still found.
 */
#ifndef LW_FILETAB_H
#define LW_FILETAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leakwatch/events.h"
#include "detect/scanner.h"

struct file_entry {
	struct lw_file_key key;
	uint32_t dev;             /* kernel dev_t, 0 if unknown */
	uint32_t generation;
	char *path;
	bool watched;
	struct scanner_stream *stream; /* NULL until bytes arrive, or after idling */
	uint64_t stream_base;     /* file offset of the stream's first byte */
	uint64_t next_offset;     /* where the next contiguous chunk starts */
	bool line_start;          /* and that a line begins there */
	uint64_t last_ms;
	/* the last write's header: who a secret found when the stream is
	 * flushed (closed, evicted, rewritten) is attributed to */
	struct lw_task last_task;
	uint8_t last_syscall;
	int32_t last_fd;
};

struct filetab;

/*
 * Called with a stream about to be closed, so that what it holds back (a
 * token at the very end of the file) is reported first.
 */
typedef void (*filetab_flush_fn)(void *ctx, struct file_entry *e);

struct filetab *filetab__new(struct scanner *s, size_t max_streams, filetab_flush_fn flush, void *ctx);
void filetab__free(struct filetab *t);

struct file_entry *filetab__get(struct filetab *t, const struct lw_file_key *key);
/* Adds or replaces the entry for key; takes ownership of path. */
struct file_entry *filetab__put(struct filetab *t, const struct lw_file_key *key, uint32_t dev,
				uint32_t generation, char *path, bool watched);

/*
 * The stream to feed a chunk at `offset` into: the open one when the chunk
 * follows on, else a fresh one starting at `offset` (rewrites, truncation,
 * lost bytes). NULL when no stream can be opened.
 */
struct scanner_stream *filetab__stream_for(struct filetab *t, struct file_entry *e, uint64_t offset,
					   bool gap, uint64_t now_ms);

/* Closes idle streams and forgets files not seen for a while. */
void filetab__sweep(struct filetab *t, uint64_t now_ms);
/* Forgets every verdict: after the watch set changes. */
void filetab__clear(struct filetab *t);

/* Streams opened from now on use s (after filetab__clear closed the rest). */
void filetab__set_scanner(struct filetab *t, struct scanner *s);

size_t filetab__count(const struct filetab *t);
size_t filetab__streams(const struct filetab *t);

/* Builds "/a/b/c.log" from the kernel's leaf-first names. */
char *filetab__join_path(const struct lw_file_event *e);
/* The path behind /proc/<tgid>/fd/<fd> when it is still the file `ino`. */
char *filetab__path_from_proc(uint32_t tgid, int32_t fd, uint64_t ino);

#endif
