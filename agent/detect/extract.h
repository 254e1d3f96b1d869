/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From a vectorscan match to a secret: where the secret lies inside the
 * match (the token, the value of an assignment, the password of a URI, a
 * whole PEM block), whether its extent is known yet, and whether it passes
 * the rule's checks. Works on a view of bytes that may end before the data
 * does; then it answers "open" and the caller asks again with more bytes.
 */
#ifndef LW_EXTRACT_H
#define LW_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/rules.h"

/* Bytes of context searched for a rule's keywords around its match. */
#define LW_KW_BACK 160
#define LW_KW_AHEAD 64
/* A PEM block or service-account JSON is looked for this far. */
#define LW_PEM_MAX (12 * 1024)
/* A service-account key file (JSON, 4096-bit key included) fits in this. */
#define LW_SA_MAX (6 * 1024)
/* How far back a rule may look before its match: less than a stream keeps. */
#define LW_LOOK_BEHIND 768

/* A rule made ready to run: its alphabet as a bitmap, its keywords split. */
struct lw_rt_rule {
	struct lw_rule r;
	uint8_t alpha[32];
	char *kwbuf;    /* keywords, NUL-separated */
	size_t nkw;
	const char **kw;
	size_t *kwlen;
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
};

/* "A-Za-z0-9_-", or "^..." for the complement; NULL is the empty set. */
void extract__alphabet(const char *spec, uint8_t map[32]);
/* Splits "a|b|c" (or, for user rules, the given list) into rr's keywords. */
int extract__keywords(struct lw_rt_rule *rr, const char *const *words, size_t n);
void extract__free(struct lw_rt_rule *rr);

/*
 * For keyword rules (LW_EX_ASSIGN): could an assignment follow the keyword
 * buf[from, i)? A cheap look at the next bytes, for the match callback;
 * true when the bytes are not there to tell (from may lie before buf: pass
 * SIZE_MAX).
 */
bool extract__may_assign(const char *buf, size_t len, size_t from, size_t i);

/* from and to: the match, as vectorscan reported it, in view offsets. */
enum lw_verdict extract__resolve(const struct lw_rt_rule *rr, const struct lw_view *v, size_t from, size_t to,
				 struct lw_extent *out);

#endif
