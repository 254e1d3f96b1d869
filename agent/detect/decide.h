/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scanner's inside, shared by its two halves: scanner.c builds the
 * database, feeds streams to vectorscan and collects raw candidates and
 * escape marks; decide.c decides them over a window of tail + feed and
 * reports what is settled. Nothing outside detect/scanner.c and
 * detect/decide.c includes this.
 */
#ifndef LW_DECIDE_H
#define LW_DECIDE_H

#include <errno.h>
#include <hs/hs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "extract/extract.h"
#include "detect/scanner.h"

/* Per stream: candidates waiting for bytes (more than this and everything is
 * decided now), decided ones remembered against late reports, and escaped
 * line ranges waiting for their line end. Fixed, so a stream's size is. */
#define PEND_MAX 64
#define DONE_MAX 64
#define MARK_MAX 16

/* A raw report, merged per (pattern, start). */
struct cand {
	uint64_t from, to;
	uint32_t pat;
	uint32_t state;
};

enum { C_NEW, C_OPEN, C_FOUND, C_DONE, C_KEEP };

struct range {
	uint64_t lo, hi;
};

/* A span a rule rejected on structure, and that rule's priority. */
struct veto {
	uint64_t lo, hi;
	int prio;
};

struct done {
	uint64_t from;
	uint32_t pat;
	bool used;
};

struct finding {
	uint64_t start, end;
	const char *sec;
	size_t len;
	uint32_t rule;
	uint32_t cand; /* UINT32_MAX when found in a decoded copy */
	int prio;
	bool win;
};

/*
 * What one feed works with: its candidates, window, decoded copies and
 * findings. A scanner has two, one for its streams and one for
 * scanner__scan, so that a stream's callback may scan a buffer (the agent
 * scrubs the writer's command line there) without disturbing the feed that
 * called it.
 */
struct work {
	struct scanner *s;
	hs_stream_t *dec_hs; /* for decoded copies */
	struct scanner_stream *cur;
	const char *scan_buf; /* what vectorscan is scanning, for a look in the callback */
	size_t scan_len;
	uint64_t scan_off;
	bool decoding;
	struct cand *cands, *dcands;
	size_t ncand, cand_cap, ndcand, dcand_cap;
	char *win, *dbuf;
	uint32_t *dmap;
	size_t win_cap, dbuf_cap, dmap_cap;
	size_t dpos, mpos; /* used so far: findings point into every region decoded */
	struct finding *found;
	size_t nfound, found_cap;
	struct veto *veto; /* spans a specific rule rejected on structure */
	size_t nveto, veto_cap;
};

struct scanner_stream {
	struct scanner *s;
	struct work *wk;
	hs_stream_t *hs;
	uint64_t end;     /* bytes fed */
	uint64_t hs_base; /* stream offset of vectorscan's offset 0 */
	char *tail;       /* bytes [tail_off, end) */
	size_t tail_len, tail_cap;
	uint64_t tail_off;
	struct cand pend[PEND_MAX];
	size_t npend;
	struct range marks[MARK_MAX];
	size_t nmarks;
	struct done done[DONE_MAX]; /* decided candidates, so a late report is not decided twice */
	size_t done_next;
	bool fresh;       /* vectorscan's stream is as opened: no reset needed */
};

struct scanner {
	hs_database_t *db;
	enum hsdb_source db_src; /* how it is freed (hsdb__free), and for the logs and tests */
	bool db_borrowed;        /* another scanner's (scanner_opts.same_rules_as): not freed here */
	hs_scratch_t *scratch; /* free again by the time a callback is called */
	struct lw_rt_rule *rules;
	size_t nrules, nbuiltin;
	uint32_t *pat_rule; /* pattern id -> rule; ids from n_rule_pats on are escapes */
	size_t n_rule_pats;
	uint32_t *alt; /* rule -> its alternate (lw_rule.alt), or itself */
	struct scanner_stream *block;
	uint64_t dropped;
	struct work streams_wk, block_wk;
};

/*
 * Decides the candidates and escape regions over tail + data (the stream has
 * already counted data in its end), reports what is settled to fn, and keeps
 * what waits for more bytes. hold_out: the first stream offset still needed.
 * Returns 0, 1 when fn stopped it, or a negative errno.
 */
int decide__feed(struct scanner_stream *st, const char *data, size_t len, bool final, scanner_match_fn fn,
		 void *ctx, uint64_t *hold_out);

/* vectorscan's match callback (scanner.c), also for the decoded copies decide.c scans. */
int scanner_on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
		     void *ctx);

/* Makes room for want elements; the array doubles from 64. */
static inline int grow(void **p, size_t *cap, size_t want, size_t elem)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (want <= *cap)
		return 0;
	while (n < want)
		n *= 2;
	q = realloc(*p, n * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

static inline uint64_t sat_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

#endif
