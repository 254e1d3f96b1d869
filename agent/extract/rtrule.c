// SPDX-License-Identifier: Apache-2.0
/*
 * A rule made ready to run (extract.h's struct lw_rt_rule): its alphabet
 * as a bitmap, its keywords split and lower-cased, how far its extractor
 * reads behind a match. Done once per rule when a scanner is built;
 * extract.c reads the result on every match.
 */
#include "extract/extract.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void extract__alphabet(const char *spec, uint8_t map[32])
{
	bool neg = false;

	memset(map, 0, 32);
	if (!spec)
		return;
	if (*spec == '^') {
		neg = true;
		spec++;
	}
	for (const unsigned char *p = (const unsigned char *)spec; *p; p++) {
		unsigned lo = *p, hi = *p;

		/* "a-z" is a range; "_-." is three characters */
		if (p[1] == '-' && p[2] && p[2] >= p[0]) {
			hi = p[2];
			p += 2;
		}
		for (unsigned c = lo; c <= hi; c++)
			map[c >> 3] |= (uint8_t)(1u << (c & 7));
	}
	if (neg)
		for (int i = 0; i < 32; i++)
			map[i] = (uint8_t)~map[i];
}

static int kwlist(struct lw_kwlist *l, const char *const *words, size_t n)
{
	size_t total = 0, k = 0;
	char *p;

	for (size_t i = 0; i < n; i++)
		total += strlen(words[i]) + 1;
	l->buf = malloc(total ? total : 1);
	l->w = calloc(n ? n : 1, sizeof(*l->w));
	l->len = calloc(n ? n : 1, sizeof(*l->len));
	if (!l->buf || !l->w || !l->len)
		return -ENOMEM;
	p = l->buf;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(words[i]);

		if (!len)
			continue;
		for (size_t j = 0; j <= len; j++)
			p[j] = (char)tolower((unsigned char)words[i][j]);
		l->w[k] = p;
		l->len[k++] = len;
		p += len + 1;
	}
	l->n = k;
	return 0;
}

/* "a|b|c" split into a list */
static int kwlist_spec(struct lw_kwlist *l, const char *spec)
{
	const char *words[8];
	char buf[160];
	size_t n = 0;

	if (spec) {
		snprintf(buf, sizeof(buf), "%s", spec);
		for (char *save = NULL, *w = strtok_r(buf, "|", &save); w && n < 8; w = strtok_r(NULL, "|", &save))
			words[n++] = w;
	}
	return kwlist(l, words, n);
}

static void kwlist_free(struct lw_kwlist *l)
{
	free(l->buf);
	free(l->w);
	free(l->len);
	*l = (struct lw_kwlist){ 0 };
}

/* What an extractor reads before the match: keywords, or a whole document's start. */
static uint16_t behind(const struct lw_rule *r)
{
	/* a service account's "private_key" may stand before its "type" */
	return r->ex == LW_EX_GCP_SA ? LW_LOOK_BEHIND : LW_KW_BACK;
}

int extract__builtin(struct lw_rt_rule *rr, const struct lw_rule *r)
{
	rr->r = *r;
	rr->behind = behind(r);
	extract__alphabet(r->alphabet, rr->alpha);
	if (kwlist_spec(&rr->kw, r->keywords))
		return -ENOMEM;
	return kwlist_spec(&rr->altkw, r->alt_keywords);
}

int extract__user(struct lw_rt_rule *rr, const struct lw_user_rule *u)
{
	rr->r = (struct lw_rule){
		.info = { strdup(u->id ? u->id : "custom"), "custom", "operator rule", u->severity },
		.re = { strdup(u->regex ? u->regex : "") },
		.ex = LW_EX_WHOLE,
		.min_len = 1,
		.prio = LW_PRIO_SHAPE,
		.min_entropy = (float)u->min_entropy,
	};
	rr->owned = true;
	rr->behind = behind(&rr->r);
	if (!rr->r.info.id || !rr->r.re[0])
		return -ENOMEM;
	if (kwlist(&rr->kw, (const char *const *)u->keywords, u->n_keywords))
		return -ENOMEM;
	return kwlist(&rr->altkw, NULL, 0);
}

void extract__free(struct lw_rt_rule *rr)
{
	if (rr->owned) {
		free((char *)rr->r.info.id);
		free((char *)rr->r.re[0]);
		rr->r.info.id = rr->r.re[0] = NULL;
		rr->owned = false;
	}
	kwlist_free(&rr->kw);
	kwlist_free(&rr->altkw);
}
