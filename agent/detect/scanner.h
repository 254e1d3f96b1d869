/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finds credentials in bytes. One vectorscan database holds every rule (the
 * built-in table plus the operator's); candidates are then validated
 * (checksums, JWT headers, PEM bodies, entropy, allowlists) so that look-
 * alikes stay quiet. Streams carry state across chunks, so a secret split
 * across two writes is still found.
 */
#ifndef LW_SCANNER_H
#define LW_SCANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/hsdb.h"
#include "rules/rules.h"

struct lw_scan_match {
	const struct lw_rule_info *rule;
	/* The secret's bytes, valid only during the callback. */
	const char *secret;
	size_t secret_len;
	/* Where the secret lies: for scanner__scan, offsets into the buffer;
	 * for a stream, offsets from the start of the stream. end is exclusive. */
	uint64_t start;
	uint64_t end;
};

/* Return non-zero to stop scanning. */
typedef int (*scanner_match_fn)(void *ctx, const struct lw_scan_match *m);

struct scanner;
struct scanner_stream;

/* The built-in database where it fits (no user rules), else compiles one;
 * err names a user rule that does not compile. */
int scanner__new(const struct lw_user_rule *user_rules, size_t n_user, struct scanner **out, char *err,
		 size_t errlen);
/* The same, and where the built-in database does not fit, the compiled one
 * kept in cache_dir (hscache.h) and read back from there when nothing that
 * goes into it has changed. */
int scanner__new_cached(const struct lw_user_rule *user_rules, size_t n_user, const char *cache_dir,
			struct scanner **out, char *err, size_t errlen);

struct scanner_opts {
	const char *cache_dir; /* hscache.h; NULL: none */
	/* compile (or read the cache) even where the database built into the
	 * binary fits: for the start-up benchmark and tests */
	bool no_builtin_db;
	/* another serialised built-in database in its place (tests); NULL: the binary's */
	const void *builtin_blob;
	size_t builtin_blob_len;
	/* a scanner made with the same rules, whose database (read-only) this
	 * one uses rather than load its own: --jobs' workers. It must outlive
	 * this one. NULL: its own */
	const struct scanner *same_rules_as;
};
/*
 * The same, with the database from where hsdb.h says: built into the binary
 * when there are no operator rules, else the cache, else compiled.
 */
int scanner__new_opts(const struct lw_user_rule *user_rules, size_t n_user, const struct scanner_opts *o,
		      struct scanner **out, char *err, size_t errlen);
/* Where s's database came from. */
enum hsdb_source scanner__db_source(const struct scanner *s);
/* The built-in rules' patterns, as a scanner without operator rules
 * compiles them: what the build embeds (agent/detect/gen/builtin_db.c). */
int scanner__builtin_patterns(struct hsdb_patterns *p);
void scanner__patterns_free(struct hsdb_patterns *p);
void scanner__free(struct scanner *s);
size_t scanner__rule_count(const struct scanner *s);
/* Built-in rule table, for docs and tests. */
const struct lw_rule_info *scanner__rule(const struct scanner *s, size_t i);

/* One buffer on its own (a line, a file). Not thread-safe per scanner: one
 * scratch space per scanner; use one scanner per thread. It may be called
 * from a stream's callback (the feed that called it goes on undisturbed),
 * not from its own. */
int scanner__scan(struct scanner *s, const char *buf, size_t len, scanner_match_fn fn, void *ctx);

/* A byte stream fed in order (a log file as it is written). */
int scanner__stream_open(struct scanner *s, struct scanner_stream **out);
int scanner__stream_feed(struct scanner_stream *st, const char *buf, size_t len, scanner_match_fn fn,
			 void *ctx);
/* Bytes fed so far: the stream offset of the next byte. */
uint64_t scanner__stream_offset(const struct scanner_stream *st);
void scanner__stream_close(struct scanner_stream *st);

/*
 * Added with the implementation (additions only; the contract above is
 * unchanged):
 *
 * A secret is reported once its extent is known: a token that ends exactly
 * at the end of a feed waits for the next byte, a PEM key for its END line
 * (or 12 KiB of body). Offsets passed to the callback are therefore not
 * always increasing. feed and scan return 0, 1 when the callback stopped
 * them (the rest of that call's bytes are then not scanned; the stream
 * stays usable), or a negative errno.
 *
 * Memory per stream is bounded: at most LW_SCAN_TAIL_MAX bytes of recent
 * input (1 KiB in the common case) plus a fixed ~3.5 KiB of pending state
 * and vectorscan's stream state; scanner__stream_mem_bound() gives the
 * total (about 19 KiB). A secret whose extent is still unknown after that
 * many bytes is decided on what the tail holds. The scanner itself holds
 * scratch buffers shared by its streams (bounded by 64 KiB pieces).
 */
#define LW_SCAN_TAIL_MAX (16 * 1024)

/*
 * Reports what waits for more bytes as if the stream ended here (call it
 * when the file is closed, rotated or idle). Later feeds start afresh: a
 * secret split across a flush is not joined.
 */
int scanner__stream_flush(struct scanner_stream *st, scanner_match_fn fn, void *ctx);
/* Upper bound, in bytes, of what one open stream holds. */
size_t scanner__stream_mem_bound(const struct scanner *s);
/* Findings dropped because a buffer held more candidates than the bounds allow. */
uint64_t scanner__dropped(const struct scanner *s);

#endif
