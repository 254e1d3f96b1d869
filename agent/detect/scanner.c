// SPDX-License-Identifier: Apache-2.0
/*
 * One vectorscan database in streaming mode holds every rule. A feed is
 * scanned once; vectorscan carries partial matches across feeds, and each
 * stream keeps a bounded tail of recent bytes so that a match that began in
 * an earlier feed can still be cut out whole. Raw reports (vectorscan
 * reports every end of an open-ended pattern) are collected here, with
 * marks where escapes stand; decide.c decides them over tail + feed and
 * reports what is settled. This file builds the database and feeds streams.
 *
 * scanner__scan() is a stream fed once and flushed: one engine for both.
 */
#include "detect/scanner.h"

#include <errno.h>
#include <hs/hs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/decide.h"
#include "detect/hsdb.h"
#include "extract/extract.h"
#include "rules/rules.h"

/* Always kept: no built-in match starts further behind its first report,
 * and no rule looks further back than this (keywords, service accounts). */
#define KEEP 1024
_Static_assert(KEEP >= LW_LOOK_BEHIND + 128 && KEEP >= LW_KW_BACK + 512, "the tail must hold what rules look back at");
/* Feeds are scanned in pieces, which bounds the per-scanner buffers. */
#define PIECE_MAX (64 * 1024)
/* Per piece: raw candidates; past this a pathological piece loses some (counted). */
#define CAND_MAX (1u << 16)

/* Escapes worth decoding: the ones that occur inside tokens and URIs. */
static const char *const escape_res[] = {
	"\\\\/",
	"\\\\u00[0-9a-fA-F]{2}",
	"%(?:2[BbFf]|3[AaDd]|40|7[Ee])",
};
#define N_ESCAPE (sizeof(escape_res) / sizeof(escape_res[0]))

static bool done_has(const struct scanner_stream *st, uint32_t pat, uint64_t from)
{
	for (size_t i = 0; i < DONE_MAX; i++)
		if (st->done[i].used && st->done[i].pat == pat && st->done[i].from == from)
			return true;
	return false;
}

static void add_cand(struct work *wk, struct scanner_stream *st, struct cand **arr, size_t *n, size_t *cap,
		     uint32_t id, uint64_t f, uint64_t t)
{
	struct cand *c = *arr;

	/* an open-ended pattern reports every end: extend the last few instead */
	for (size_t k = *n, stop = *n > 8 ? *n - 8 : 0; k > stop; k--) {
		if (c[k - 1].pat == id && c[k - 1].from == f) {
			if (t > c[k - 1].to)
				c[k - 1].to = t;
			return;
		}
	}
	/* only a match that began in an earlier feed can have been decided already */
	if (st && f < wk->scan_off && done_has(st, id, f))
		return;
	if (*n >= CAND_MAX || grow((void **)arr, cap, *n + 1, sizeof(**arr))) {
		wk->s->dropped++;
		return;
	}
	(*arr)[(*n)++] = (struct cand){ .from = f, .to = t, .pat = id };
}

static void add_mark(struct scanner_stream *st, uint64_t at)
{
	struct range *last = st->nmarks ? &st->marks[st->nmarks - 1] : NULL;

	if (last && at - last->hi < 256) {
		last->hi = at;
	} else if (st->nmarks < MARK_MAX) {
		st->marks[st->nmarks++] = (struct range){ at, at };
	} else {
		last->hi = at; /* one wider region; still correct, a little more to decode */
	}
}

int scanner_on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
		     void *ctx)
{
	struct work *wk = ctx;
	const struct scanner *s = wk->s;
	struct scanner_stream *st = wk->cur;
	const struct lw_rt_rule *rr;
	uint64_t base;

	(void)flags;
	if (id >= s->n_rule_pats) {
		if (!wk->decoding)
			add_mark(st, st->hs_base + to);
		return 0;
	}
	rr = &s->rules[s->pat_rule[id]];
	/* no start reported: the extractor looks back from the end */
	if (rr->r.no_som)
		from = to > rr->r.back ? to - rr->r.back : 0;
	base = wk->decoding ? 0 : st->hs_base;
	/* the bytes after the match, where this feed holds them, may already say no */
	if (base + to >= wk->scan_off &&
	    !extract__plausible(rr, wk->scan_buf, wk->scan_len,
				base + from >= wk->scan_off ? (size_t)(base + from - wk->scan_off) : SIZE_MAX,
				(size_t)(base + to - wk->scan_off)))
		return 0;
	if (wk->decoding)
		add_cand(wk, NULL, &wk->dcands, &wk->ndcand, &wk->dcand_cap, id, from, to);
	else
		add_cand(wk, st, &wk->cands, &wk->ncand, &wk->cand_cap, id, base + from, base + to);
	return 0;
}

static int tail_keep(struct scanner_stream *st, const char *data, size_t len, uint64_t keep)
{
	uint64_t old_end = st->tail_off + st->tail_len;
	size_t need;

	if (keep < st->tail_off)
		keep = st->tail_off;
	need = (size_t)(st->end - keep);
	if (grow((void **)&st->tail, &st->tail_cap, need, 1))
		return -ENOMEM;
	if (keep >= old_end) {
		if (need)
			memcpy(st->tail, data + (keep - old_end), need);
	} else {
		size_t from_tail = (size_t)(old_end - keep);

		memmove(st->tail, st->tail + (keep - st->tail_off), from_tail);
		if (len)
			memcpy(st->tail + from_tail, data, len);
	}
	st->tail_off = keep;
	st->tail_len = need;
	return 0;
}

static uint64_t keep_from(const struct scanner_stream *st, uint64_t hold)
{
	uint64_t keep = sat_sub(hold < st->end ? hold : st->end, LW_KW_BACK);
	uint64_t floor_keep = sat_sub(st->end, KEEP);

	if (keep > floor_keep)
		keep = floor_keep;
	if (keep < sat_sub(st->end, LW_SCAN_TAIL_MAX))
		keep = sat_sub(st->end, LW_SCAN_TAIL_MAX);
	return keep;
}

static int feed_piece(struct scanner_stream *st, const char *data, size_t len, bool final, scanner_match_fn fn,
		      void *ctx)
{
	struct work *wk = st->wk;
	uint64_t hold = UINT64_MAX;
	hs_error_t hrc = HS_SUCCESS;
	int rc = 0;

	wk->cur = st;
	wk->ncand = 0;
	if (st->npend) {
		if (grow((void **)&wk->cands, &wk->cand_cap, st->npend, sizeof(*wk->cands)))
			return -ENOMEM;
		memcpy(wk->cands, st->pend, st->npend * sizeof(*st->pend));
		wk->ncand = st->npend;
		st->npend = 0;
	}
	wk->scan_buf = data;
	wk->scan_len = len;
	wk->scan_off = st->end;
	if (len) {
		st->fresh = false;
		hrc = hs_scan_stream(st->hs, data, len, 0, st->s->scratch, scanner_on_match, wk);
	}
	if (hrc == HS_SUCCESS && final)
		hrc = hs_reset_stream(st->hs, 0, st->s->scratch, scanner_on_match, wk);
	if (hrc != HS_SUCCESS)
		return -EIO;
	st->fresh |= final;
	st->end += len;
	if (final)
		st->hs_base = st->end;
	if (wk->ncand || st->nmarks)
		rc = decide__feed(st, data, len, final, fn, ctx, &hold);
	if (rc < 0)
		return rc;
	if (tail_keep(st, data, len, keep_from(st, hold)))
		return -ENOMEM;
	return rc;
}

int scanner__stream_feed(struct scanner_stream *st, const char *buf, size_t len, scanner_match_fn fn, void *ctx)
{
	while (len) {
		size_t n = len < PIECE_MAX ? len : PIECE_MAX;
		int rc = feed_piece(st, buf, n, false, fn, ctx);

		if (rc)
			return rc;
		buf += n;
		len -= n;
	}
	return 0;
}

int scanner__stream_flush(struct scanner_stream *st, scanner_match_fn fn, void *ctx)
{
	return feed_piece(st, NULL, 0, true, fn, ctx);
}

uint64_t scanner__stream_offset(const struct scanner_stream *st)
{
	return st->end;
}

int scanner__stream_open(struct scanner *s, struct scanner_stream **out)
{
	struct scanner_stream *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (!st)
		return -ENOMEM;
	st->s = s;
	st->wk = &s->streams_wk;
	if (hs_open_stream(s->db, 0, &st->hs) != HS_SUCCESS) {
		free(st);
		return -ENOMEM;
	}
	st->fresh = true;
	*out = st;
	return 0;
}

void scanner__stream_close(struct scanner_stream *st)
{
	if (!st)
		return;
	/* no callback: an unflushed stream's pending candidates are dropped */
	hs_close_stream(st->hs, st->s->scratch, NULL, NULL);
	free(st->tail);
	free(st);
}

/* Per scanner__scan, which the journal calls per entry: what the last flush
 * left as new is not cleared again. */
static void stream_reset(struct scanner_stream *st)
{
	if (!st->fresh)
		hs_reset_stream(st->hs, 0, NULL, NULL, NULL);
	st->fresh = true;
	/* the ring fills from 0 and wraps back to 0 only once full: nothing at
	 * 0 and nothing at the end means nothing was decided */
	if (st->done_next || st->done[DONE_MAX - 1].used)
		memset(st->done, 0, sizeof(st->done));
	st->end = st->hs_base = st->tail_off = 0;
	st->tail_len = st->npend = st->nmarks = st->done_next = 0;
}

int scanner__scan(struct scanner *s, const char *buf, size_t len, scanner_match_fn fn, void *ctx)
{
	int rc;

	stream_reset(s->block);
	rc = scanner__stream_feed(s->block, buf, len, fn, ctx);
	if (!rc)
		rc = scanner__stream_flush(s->block, fn, ctx);
	return rc;
}

size_t scanner__stream_mem_bound(const struct scanner *s)
{
	size_t state = 0;

	hs_stream_size(s->db, &state);
	return sizeof(struct scanner_stream) + LW_SCAN_TAIL_MAX + state;
}

uint64_t scanner__dropped(const struct scanner *s)
{
	return s->dropped;
}

size_t scanner__rule_count(const struct scanner *s)
{
	return s->nrules;
}

const struct lw_rule_info *scanner__rule(const struct scanner *s, size_t i)
{
	return i < s->nrules ? &s->rules[i].r.info : NULL;
}

static void work_free(struct work *wk)
{
	if (wk->dec_hs)
		hs_close_stream(wk->dec_hs, wk->s->scratch, NULL, NULL);
	free(wk->cands);
	free(wk->dcands);
	free(wk->win);
	free(wk->dbuf);
	free(wk->dmap);
	free(wk->found);
	free(wk->veto);
}

void scanner__free(struct scanner *s)
{
	if (!s)
		return;
	if (s->block)
		scanner__stream_close(s->block);
	work_free(&s->streams_wk);
	work_free(&s->block_wk);
	for (size_t i = 0; i < s->nrules; i++)
		extract__free(&s->rules[i]);
	hs_free_scratch(s->scratch);
	if (!s->db_borrowed)
		hsdb__free(s->db, s->db_src);
	free(s->rules);
	free(s->pat_rule);
	free(s->alt);
	free(s);
}

/*
 * Every rule's expressions in table order, then the escapes: the ids are the
 * positions, and pat_rule (n entries) maps each back to its rule. The
 * generator of the built-in database calls this too, so that what the build
 * compiles is what a scanner would.
 */
static int patterns_build(const struct lw_rt_rule *rules, size_t nrules, size_t nbuiltin, struct hsdb_patterns *p,
			  uint32_t **pat_rule, size_t *n_rule_pats)
{
	size_t n = N_ESCAPE, k = 0;

	for (size_t i = 0; i < nrules; i++)
		for (int j = 0; j < LW_RULE_MAX_RE && rules[i].r.re[j]; j++)
			n++;
	p->exprs = calloc(n, sizeof(*p->exprs));
	p->flags = calloc(n, sizeof(*p->flags));
	p->ids = calloc(n, sizeof(*p->ids));
	*pat_rule = calloc(n, sizeof(**pat_rule));
	if (!p->exprs || !p->flags || !p->ids || !*pat_rule)
		return -ENOMEM;
	for (size_t i = 0; i < nrules; i++) {
		for (int j = 0; j < LW_RULE_MAX_RE && rules[i].r.re[j]; j++) {
			p->exprs[k] = rules[i].r.re[j];
			p->flags[k] = i < nbuiltin ? rules__hs_flags(&rules[i].r) : rules__user_hs_flags();
			p->ids[k] = (unsigned)k;
			(*pat_rule)[k++] = (uint32_t)i;
		}
	}
	*n_rule_pats = k;
	for (size_t j = 0; j < N_ESCAPE; j++, k++) {
		p->exprs[k] = escape_res[j];
		p->ids[k] = (unsigned)k;
	}
	p->n = (unsigned)n;
	return 0;
}

static void patterns_free(struct hsdb_patterns *p)
{
	free(p->exprs);
	free(p->flags);
	free(p->ids);
}

/* Names the rule whose expression vectorscan refused: the operator's by its index. */
static void compile_error(const struct scanner *s, const uint32_t *pat_rule, hs_compile_error_t *cerr, char *err,
			  size_t errlen)
{
	const char *msg = cerr && cerr->message ? cerr->message : "does not compile";
	int e = cerr ? cerr->expression : -1;

	if (e >= 0 && (size_t)e < s->n_rule_pats && pat_rule[e] >= s->nbuiltin)
		snprintf(err, errlen, "rules[%zu].regex (%s): %s", pat_rule[e] - s->nbuiltin,
			 s->rules[pat_rule[e]].r.info.id, msg);
	else if (e >= 0 && (size_t)e < s->n_rule_pats)
		snprintf(err, errlen, "built-in rule %s: %s", s->rules[pat_rule[e]].r.info.id, msg);
	else
		snprintf(err, errlen, "vectorscan: %s", msg);
}

static int compile(struct scanner *s, const struct scanner_opts *o, char *err, size_t errlen)
{
	struct hsdb_opts ho = {
		.cache_dir = o->cache_dir,
		.no_builtin = o->no_builtin_db,
		.blob = o->builtin_blob,
		.blob_len = o->builtin_blob_len,
	};
	struct hsdb_patterns p = { 0 };
	hs_compile_error_t *cerr = NULL;
	int rc;

	rc = patterns_build(s->rules, s->nrules, s->nbuiltin, &p, &s->pat_rule, &s->n_rule_pats);
	if (!rc && o->same_rules_as) {
		/* its rules are these: the same ids, the same patterns */
		s->db = o->same_rules_as->db;
		s->db_src = o->same_rules_as->db_src;
		s->db_borrowed = true;
	} else if (!rc) {
		rc = hsdb__open(&p, &ho, &s->db, &s->db_src, &cerr);
	}
	if (rc == -EINVAL)
		compile_error(s, s->pat_rule, cerr, err, errlen);
	hs_free_compile_error(cerr);
	patterns_free(&p);
	if (rc)
		return rc;
	if (hs_alloc_scratch(s->db, &s->scratch) != HS_SUCCESS ||
	    hs_open_stream(s->db, 0, &s->streams_wk.dec_hs) != HS_SUCCESS ||
	    hs_open_stream(s->db, 0, &s->block_wk.dec_hs) != HS_SUCCESS) {
		snprintf(err, errlen, "vectorscan: cannot allocate scratch space");
		return -ENOMEM;
	}
	return 0;
}

int scanner__builtin_patterns(struct hsdb_patterns *p)
{
	size_t n = rules__count(), n_rule_pats;
	struct lw_rt_rule *rules = calloc(n ? n : 1, sizeof(*rules));
	uint32_t *pat_rule = NULL;
	int rc;

	memset(p, 0, sizeof(*p));
	if (!rules)
		return -ENOMEM;
	/* the expressions and flags are the table's, as extract__builtin copies them */
	for (size_t i = 0; i < n; i++)
		rules[i].r = *rules__get(i);
	rc = patterns_build(rules, n, n, p, &pat_rule, &n_rule_pats);
	if (rc)
		patterns_free(p);
	free(pat_rule);
	free(rules);
	return rc;
}

void scanner__patterns_free(struct hsdb_patterns *p)
{
	patterns_free(p);
}

enum hsdb_source scanner__db_source(const struct scanner *s)
{
	return s->db_src;
}

int scanner__new(const struct lw_user_rule *user_rules, size_t n_user, struct scanner **out, char *err,
		 size_t errlen)
{
	return scanner__new_cached(user_rules, n_user, NULL, out, err, errlen);
}

int scanner__new_cached(const struct lw_user_rule *user_rules, size_t n_user, const char *cache_dir,
			struct scanner **out, char *err, size_t errlen)
{
	struct scanner_opts o = { .cache_dir = cache_dir };

	return scanner__new_opts(user_rules, n_user, &o, out, err, errlen);
}

int scanner__new_opts(const struct lw_user_rule *user_rules, size_t n_user, const struct scanner_opts *o,
		      struct scanner **out, char *err, size_t errlen)
{
	struct scanner *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (!s)
		return -ENOMEM;
	s->streams_wk.s = s->block_wk.s = s;
	s->nbuiltin = rules__count();
	s->nrules = s->nbuiltin + n_user;
	s->rules = calloc(s->nrules, sizeof(*s->rules));
	if (!s->rules) {
		free(s);
		return -ENOMEM;
	}
	s->alt = calloc(s->nrules, sizeof(*s->alt));
	if (!s->alt) {
		rc = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < s->nbuiltin; i++) {
		rc = extract__builtin(&s->rules[i], rules__get(i));
		if (rc)
			goto fail;
		/* a stream keeps KEEP bytes: no rule may need more behind its match */
		if (s->rules[i].r.back + s->rules[i].behind > KEEP) {
			snprintf(err, errlen, "built-in rule %s looks back too far", s->rules[i].r.info.id);
			rc = -EINVAL;
			goto fail;
		}
	}
	for (size_t i = 0; i < s->nrules; i++) {
		s->alt[i] = (uint32_t)i;
		for (size_t j = 0; s->rules[i].r.alt && j < s->nbuiltin; j++)
			if (!strcmp(s->rules[j].r.info.id, s->rules[i].r.alt))
				s->alt[i] = (uint32_t)j;
	}
	for (size_t i = 0; i < n_user; i++) {
		rc = extract__user(&s->rules[s->nbuiltin + i], &user_rules[i]);
		if (rc)
			goto fail;
	}
	rc = compile(s, o, err, errlen);
	if (rc)
		goto fail;
	rc = scanner__stream_open(s, &s->block);
	if (rc)
		goto fail;
	s->block->wk = &s->block_wk;
	*out = s;
	return 0;
fail:
	if (errlen && !err[0])
		snprintf(err, errlen, "%s", strerror(-rc));
	scanner__free(s);
	return rc;
}
