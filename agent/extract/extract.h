/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From a vectorscan match to a secret: where the secret lies inside the
 * match (the token, the value of an assignment, the password of a URI, a
 * whole PEM block: blocks.h), whether its extent is known yet, and whether it
 * passes the rule's checks. Works on a view of bytes that may end before the data
 * does; then it answers "open" and the caller asks again with more bytes.
 */
#ifndef LW_EXTRACT_H
#define LW_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"

/* Bytes of context searched for a rule's keywords around its match. */
#define LW_KW_BACK 160
#define LW_KW_AHEAD 64
/* How far back a rule may look before its match: less than a stream keeps. */
#define LW_LOOK_BEHIND 768

/* Keywords split and lower-cased. */
struct lw_kwlist {
	char *buf;      /* the words, NUL-separated */
	size_t n;
	const char **w;
	size_t *len;
};

/* A rule made ready to run: its alphabet as a bitmap, its keywords split. */
struct lw_rt_rule {
	struct lw_rule r;
	uint8_t alpha[32];
	struct lw_kwlist kw;    /* one (or all, kw_all) must occur near the match */
	struct lw_kwlist altkw; /* one near the match: report the alternate */
	/* Bytes before the match's start that the extractor may read: its
	 * keywords' context, or further for a rule that looks behind. */
	uint16_t behind;
	bool owned;     /* an operator's rule: id and regex are copies */
};

struct lw_view {
	const char *buf;
	size_t len;
	bool final; /* the data ends with buf; nothing more will come */
};

enum lw_verdict {
	LW_REJECT,
	LW_OPEN,  /* needs bytes beyond the view */
	LW_FOUND,
};

struct lw_extent {
	size_t start, end; /* the secret, in view offsets */
	/* Report the rule's alternate: an encrypted key, a URI that is not a
	 * database's. */
	bool alt;
	/* Rejected on its structure (checksum, JWT header, entropy, a known
	 * example): the span is not a secret, whatever a weaker rule says. */
	bool veto;
	/* More secrets follow in the same structure (a Secret's data: map):
	 * resolve again with from = to = next. 0 when there are none. */
	size_t next;
};

/* A rule made ready to run (rtrule.c). */
/* "A-Za-z0-9_-", or "^..." for the complement; NULL is the empty set. */
void extract__alphabet(const char *spec, uint8_t map[32]);
/* Makes a built-in rule ready to run. */
int extract__builtin(struct lw_rt_rule *rr, const struct lw_rule *r);
/* Makes an operator's rule ready to run: the whole match, checked for its keywords and entropy. */
int extract__user(struct lw_rt_rule *rr, const struct lw_user_rule *u);
void extract__free(struct lw_rt_rule *rr);

/*
 * For keyword rules (LW_EX_ASSIGN): could an assignment follow the keyword
 * buf[from, i)? A cheap look at the next bytes, for the match callback;
 * true when the bytes are not there to tell (from may lie before buf: pass
 * SIZE_MAX).
 */
bool extract__may_assign(const char *buf, size_t len, size_t from, size_t i);

/*
 * Could the match buf[from, to) be the rule's? A cheap look, for the match
 * callback, that only some rules can take (a keyword needs an assignment
 * after it); true when the rule cannot tell. Inline: it runs on every
 * report vectorscan makes.
 */
static inline bool extract__plausible(const struct lw_rt_rule *rr, const char *buf, size_t len, size_t from,
				      size_t to)
{
	return rr->r.ex != LW_EX_ASSIGN || extract__may_assign(buf, len, from, to);
}

/* from and to: the match, as vectorscan reported it, in view offsets. */
enum lw_verdict extract__resolve(const struct lw_rt_rule *rr, const struct lw_view *v, size_t from, size_t to,
				 struct lw_extent *out);

#endif
