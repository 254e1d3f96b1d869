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

#include "exposure.h" /* enum lw_severity */

/* An operator's rule from the config (scan.rules). */
struct lw_user_rule {
	char *id;
	char *regex;          /* the whole match is the secret */
	enum lw_severity severity;
	char **keywords;      /* optional: one must appear near the match */
	size_t n_keywords;
	double min_entropy;   /* bits per character; 0 for none */
};

struct lw_rule_info {
	const char *id;       /* "github-pat", "aws-access-key-id", ... */
	const char *family;   /* what labels and reports group by */
	const char *description;
	enum lw_severity severity;
};

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

/* Compiles the database; err names a user rule that does not compile. */
int scanner__new(const struct lw_user_rule *user_rules, size_t n_user, struct scanner **out, char *err,
		 size_t errlen);
void scanner__free(struct scanner *s);
size_t scanner__rule_count(const struct scanner *s);
/* Built-in rule table, for docs and tests. */
const struct lw_rule_info *scanner__rule(const struct scanner *s, size_t i);

/* One buffer on its own (a line, a file). Not thread-safe per scanner: one
 * scratch space per scanner; use one scanner per thread. */
int scanner__scan(struct scanner *s, const char *buf, size_t len, scanner_match_fn fn, void *ctx);

/* A byte stream fed in order (a log file as it is written). */
int scanner__stream_open(struct scanner *s, struct scanner_stream **out);
int scanner__stream_feed(struct scanner_stream *st, const char *buf, size_t len, scanner_match_fn fn,
			 void *ctx);
/* Bytes fed so far: the stream offset of the next byte. */
uint64_t scanner__stream_offset(const struct scanner_stream *st);
void scanner__stream_close(struct scanner_stream *st);

#endif
