// SPDX-License-Identifier: Apache-2.0
/*
 * One vectorscan database in streaming mode holds every rule. A feed is
 * scanned once; vectorscan carries partial matches across feeds, and each
 * stream keeps a bounded tail of recent bytes so that a match that began in
 * an earlier feed can still be cut out whole. Raw reports (vectorscan
 * reports every end of an open-ended pattern) are merged per start, then
 * extract.c decides each candidate: found, rejected, or open (its extent
 * reaches past the bytes seen so far; asked again after the next feed).
 * Overlapping findings are settled by rule priority, so that one secret is
 * reported once. Lines holding JSON or URL escapes are decoded into a copy
 * and scanned again, with offsets mapped back to the original.
 *
 * scanner__scan() is a stream fed once and flushed: one engine for both.
 */
#include "detect/scanner.h"

#include <errno.h>
#include <hs/hs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/extract.h"
#include "detect/rules.h"
#include "detect/unescape.h"

/* Always kept: no built-in match starts further behind its first report,
 * and no rule looks further back than this (keywords, service accounts). */
#define KEEP 1024
_Static_assert(KEEP >= LW_LOOK_BEHIND + 128 && KEEP >= LW_KW_BACK + 512, "the tail must hold what rules look back at");
/* Feeds are scanned in pieces, which bounds the per-scanner buffers. */
#define PIECE_MAX (64 * 1024)
/* Per stream: candidates waiting for bytes (more than this and everything is
 * decided now), decided ones remembered against late reports, and escaped
 * line ranges waiting for their line end. Fixed, so a stream's size is. */
#define PEND_MAX 64
#define DONE_MAX 64
#define MARK_MAX 16
/* Per piece: raw candidates; past this a pathological piece loses some (counted). */
#define CAND_MAX (1u << 16)

/* Escapes worth decoding: the ones that occur inside tokens and URIs. */
static const char *const escape_res[] = {
	"\\\\/",
	"\\\\u00[0-9a-fA-F]{2}",
	"%(?:2[BbFf]|3[AaDd]|40|7[Ee])",
};
#define N_ESCAPE (sizeof(escape_res) / sizeof(escape_res[0]))

struct cand {
	uint64_t from, to;
	uint32_t pat;
	uint32_t state;
};

enum { C_NEW, C_OPEN, C_FOUND, C_DONE, C_KEEP };

struct range {
	uint64_t lo, hi;
};

/* Lines holding escapes, as window offsets; m0: the first mark on them. */
struct region {
	size_t rs, re, m0;
	bool complete;
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

struct scanner_stream {
	struct scanner *s;
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
};

struct scanner {
	hs_database_t *db;
	hs_scratch_t *scratch;
	hs_stream_t *dec_hs; /* for decoded copies */
	struct lw_rt_rule *rules;
	size_t nrules, nbuiltin;
	uint32_t *pat_rule; /* pattern id -> rule; ids from n_rule_pats on are escapes */
	size_t n_rule_pats;
	uint32_t *alt; /* rule -> its alternate (lw_rule.alt), or itself */
	struct scanner_stream *block;
	uint64_t dropped;

	/* per-feed scratch, shared by the streams of this scanner */
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
	struct range *veto; /* spans a specific rule rejected on structure */
	size_t nveto, veto_cap;
};

static int grow(void **p, size_t *cap, size_t want, size_t elem)
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

static bool done_has(const struct scanner_stream *st, uint32_t pat, uint64_t from)
{
	for (size_t i = 0; i < DONE_MAX; i++)
		if (st->done[i].used && st->done[i].pat == pat && st->done[i].from == from)
			return true;
	return false;
}

static void done_add(struct scanner_stream *st, uint32_t pat, uint64_t from)
{
	st->done[st->done_next] = (struct done){ .from = from, .pat = pat, .used = true };
	st->done_next = (st->done_next + 1) % DONE_MAX;
}

static void add_cand(struct scanner *s, struct scanner_stream *st, struct cand **arr, size_t *n, size_t *cap,
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
	if (st && f < s->scan_off && done_has(st, id, f))
		return;
	if (*n >= CAND_MAX || grow((void **)arr, cap, *n + 1, sizeof(**arr))) {
		s->dropped++;
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

static int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
		    void *ctx)
{
	struct scanner *s = ctx;
	struct scanner_stream *st = s->cur;
	const struct lw_rule *r;
	uint64_t base;

	(void)flags;
	if (id >= s->n_rule_pats) {
		if (!s->decoding)
			add_mark(st, st->hs_base + to);
		return 0;
	}
	r = &s->rules[s->pat_rule[id]].r;
	/* no start reported: the extractor looks back from the end */
	if (r->no_som)
		from = to > r->back ? to - r->back : 0;
	base = s->decoding ? 0 : st->hs_base;
	/* a keyword is a candidate only if an assignment may follow it */
	if (r->ex == LW_EX_ASSIGN && base + to >= s->scan_off &&
	    !extract__may_assign(s->scan_buf, s->scan_len,
				 base + from >= s->scan_off ? (size_t)(base + from - s->scan_off) : SIZE_MAX,
				 (size_t)(base + to - s->scan_off)))
		return 0;
	if (s->decoding)
		add_cand(s, NULL, &s->dcands, &s->ndcand, &s->dcand_cap, id, from, to);
	else
		add_cand(s, st, &s->cands, &s->ncand, &s->cand_cap, id, base + from, base + to);
	return 0;
}

static int by_from(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	return a->pat < b->pat ? -1 : a->pat > b->pat;
}

/* Sorts by start and folds duplicate (pattern, start) pairs into the longest. */
static size_t merge_cands(struct cand *c, size_t n)
{
	size_t k = 0;

	if (n < 2)
		return n;
	qsort(c, n, sizeof(*c), by_from);
	for (size_t i = 0; i < n; i++) {
		if (k && c[k - 1].pat == c[i].pat && c[k - 1].from == c[i].from) {
			if (c[i].to > c[k - 1].to)
				c[k - 1].to = c[i].to;
			continue;
		}
		c[k++] = c[i];
	}
	return k;
}

static struct finding *new_finding(struct scanner *s)
{
	if (grow((void **)&s->found, &s->found_cap, s->nfound + 1, sizeof(*s->found)))
		return NULL;
	return &s->found[s->nfound++];
}

static uint32_t found_rule(const struct scanner *s, uint32_t rule, const struct lw_extent *ext)
{
	return ext->alt ? s->alt[rule] : rule;
}

/*
 * Decodes win[rs, re) and scans the copy. Only findings whose match holds
 * an escape are kept: the others are the original scan's.
 */
static int scan_decoded(struct scanner *s, const char *win, uint64_t wbase, size_t rs, size_t re)
{
	size_t n = re - rs, dn;
	char *dbuf = s->dbuf + s->dpos;
	uint32_t *dmap = s->dmap + s->mpos;
	hs_error_t rc;

	dn = unescape__decode(win + rs, n, dbuf, dmap);
	if (dn == n)
		return 0;
	s->dpos += dn;
	s->mpos += dn + 1;
	s->decoding = true;
	s->ndcand = 0;
	s->scan_buf = dbuf;
	s->scan_len = dn;
	s->scan_off = 0;
	rc = hs_scan_stream(s->dec_hs, dbuf, dn, 0, s->scratch, on_match, s);
	if (rc == HS_SUCCESS)
		rc = hs_reset_stream(s->dec_hs, 0, s->scratch, on_match, s);
	s->decoding = false;
	if (rc != HS_SUCCESS)
		return -EIO;
	s->ndcand = merge_cands(s->dcands, s->ndcand);
	for (size_t i = 0; i < s->ndcand; i++) {
		struct cand *c = &s->dcands[i];
		uint32_t rule = s->pat_rule[c->pat];
		struct lw_view v = { dbuf, dn, true };
		struct lw_extent ext;
		struct finding *f;
		size_t lo, hi;

		if (extract__resolve(&s->rules[rule], &v, c->from, c->to, &ext) != LW_FOUND)
			continue;
		lo = c->from < ext.start ? c->from : ext.start;
		hi = c->to > ext.end ? c->to : ext.end;
		if (dmap[hi] - dmap[lo] == hi - lo)
			continue;
		f = new_finding(s);
		if (!f)
			return -ENOMEM;
		*f = (struct finding){
			.start = wbase + rs + dmap[ext.start],
			.end = wbase + rs + dmap[ext.end],
			.sec = dbuf + ext.start,
			.len = ext.end - ext.start,
			.rule = found_rule(s, rule, &ext),
			.cand = UINT32_MAX,
			.prio = s->rules[rule].r.prio,
		};
	}
	return 0;
}

static int by_start(const void *pa, const void *pb)
{
	const struct finding *a = pa, *b = pb;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->end > b->end ? -1 : a->end < b->end;
}

static int by_rank(const void *pa, const void *pb)
{
	const struct finding *a = *(const struct finding *const *)pa, *b = *(const struct finding *const *)pb;

	if (a->prio != b->prio)
		return b->prio - a->prio;
	if (a->len != b->len)
		return a->len > b->len ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return (int)a->rule - (int)b->rule;
}

/* Within each cluster of overlapping findings, the best ranked ones that do not overlap win. */
static int settle(struct finding *f, size_t n)
{
	struct finding *stack[16], **rank;

	if (n > 1)
		qsort(f, n, sizeof(*f), by_start);
	for (size_t i = 0, j; i < n; i = j) {
		uint64_t end = f[i].end;
		size_t m;

		for (j = i + 1; j < n && f[j].start < end; j++)
			if (f[j].end > end)
				end = f[j].end;
		m = j - i;
		if (m == 1) {
			f[i].win = true;
			continue;
		}
		rank = m <= 16 ? stack : malloc(m * sizeof(*rank));
		if (!rank)
			return -ENOMEM;
		for (size_t k = 0; k < m; k++)
			rank[k] = &f[i + k];
		qsort(rank, m, sizeof(*rank), by_rank);
		for (size_t k = 0; k < m; k++) {
			bool clash = false;

			for (size_t w = 0; w < k && !clash; w++)
				clash = rank[w]->win && rank[w]->start < rank[k]->end && rank[k]->start < rank[w]->end;
			rank[k]->win = !clash;
		}
		if (rank != stack)
			free(rank);
	}
	return 0;
}

static uint64_t sat_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* Keeps bytes [keep, end) of tail + data as the new tail. */
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

/*
 * One decision over the window: each candidate found, rejected or open,
 * escaped lines decoded and scanned, and what must wait for more bytes
 * (hold). Candidates older than force are decided on the bytes there are.
 * Marks from *first_kept on stay pending. Changes no stream state.
 */
static int decide(struct scanner_stream *st, const char *win, uint64_t wbase, size_t wlen, bool final,
		  uint64_t force, uint64_t *hold_out, size_t *first_kept, size_t *pending)
{
	struct scanner *s = st->s;
	struct region reg[MARK_MAX];
	uint64_t hold = UINT64_MAX;
	size_t nreg = 0;
	int rc;

	s->nfound = 0;
	s->nveto = 0;
	s->dpos = s->mpos = 0;
	*pending = 0;
	for (size_t i = 0; i < s->ncand; i++) {
		struct cand *c = &s->cands[i];
		uint32_t rule = s->pat_rule[c->pat];
		uint64_t f = c->from < wbase ? wbase : c->from, t = c->to < f ? f : c->to;
		struct lw_view v = { win, wlen, final || c->from < force };
		struct lw_extent ext;
		struct finding *fd;

		switch (extract__resolve(&s->rules[rule], &v, (size_t)(f - wbase), (size_t)(t - wbase), &ext)) {
		case LW_OPEN:
			c->state = C_OPEN;
			(*pending)++;
			if (c->from < hold)
				hold = c->from;
			break;
		case LW_FOUND:
			c->state = C_FOUND;
			fd = new_finding(s);
			if (!fd)
				return -ENOMEM;
			*fd = (struct finding){
				.start = wbase + ext.start,
				.end = wbase + ext.end,
				.sec = win + ext.start,
				.len = ext.end - ext.start,
				.rule = found_rule(s, rule, &ext),
				.cand = (uint32_t)i,
				.prio = s->rules[rule].r.prio,
			};
			break;
		default:
			c->state = C_DONE;
			if (ext.veto && s->rules[rule].r.prio >= LW_PRIO_SHAPE &&
			    grow((void **)&s->veto, &s->veto_cap, s->nveto + 1, sizeof(*s->veto)) == 0)
				s->veto[s->nveto++] = (struct range){ wbase + ext.start, wbase + ext.end };
		}
	}

	/* escaped lines: whole lines, decoded once complete */
	for (size_t m = 0; m < st->nmarks; m++) {
		uint64_t lo = st->marks[m].lo, hi = st->marks[m].hi;
		struct region *r = &reg[nreg];
		const char *nl;

		if (hi < wbase)
			continue;
		r->m0 = m;
		lo = lo < wbase ? wbase : lo;
		r->rs = (size_t)(lo - wbase);
		while (r->rs > 0 && win[r->rs - 1] != '\n')
			r->rs--;
		nl = memchr(win + (hi - wbase), '\n', wlen - (size_t)(hi - wbase));
		r->re = nl ? (size_t)(nl - win) + 1 : wlen;
		/* later marks on lines this region already covers */
		while (m + 1 < st->nmarks && st->marks[m + 1].lo < wbase + r->re) {
			hi = st->marks[++m].hi;
			nl = memchr(win + (hi - wbase), '\n', wlen - (size_t)(hi - wbase));
			r->re = nl ? (size_t)(nl - win) + 1 : wlen;
		}
		r->complete = nl || final || wbase + r->rs < force;
		nreg++;
	}

	/*
	 * What waits: everything from the first open candidate or undecodable
	 * region on, and anything overlapping what waits, since overlaps are
	 * settled together. hold only moves down, so this ends.
	 */
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t k = 0; k < nreg; k++) {
			if (!reg[k].complete || wbase + reg[k].re > hold) {
				if (wbase + reg[k].rs < hold) {
					hold = wbase + reg[k].rs;
					changed = true;
				}
				break;
			}
		}
		for (size_t i = 0; i < s->nfound; i++) {
			if (s->found[i].end > hold && s->found[i].start < hold) {
				hold = s->found[i].start;
				changed = true;
			}
		}
	}
	/* what is older than force cannot wait: the tail will not keep it */
	if (hold < force) {
		*pending = SIZE_MAX;
		return 0;
	}
	for (size_t i = 0; i < s->nfound; i++) {
		struct finding *f = &s->found[i];

		if (f->end > hold) {
			s->cands[f->cand].state = C_KEEP;
			f->len = 0; /* not settled: asked again with more bytes */
			(*pending)++;
		}
	}
	*first_kept = st->nmarks;
	for (size_t k = 0; k < nreg; k++) {
		if (!reg[k].complete || wbase + reg[k].re > hold) {
			*first_kept = reg[k].m0;
			break;
		}
		rc = scan_decoded(s, win, wbase, reg[k].rs, reg[k].re);
		if (rc)
			return rc;
	}
	*hold_out = hold;
	return 0;
}

/* Decides candidates and escape regions over tail + data; emits what is settled. */
static int process(struct scanner_stream *st, const char *data, size_t len, bool final, scanner_match_fn fn,
		   void *ctx, uint64_t *hold_out)
{
	struct scanner *s = st->s;
	uint64_t wbase = st->tail_off, hold, dstart = st->end - len, need = UINT64_MAX;
	size_t wlen, npend = 0, first_kept, pending;
	bool whole = st->nmarks > 0;
	const char *win;
	int rc = 0;

	/* the view: the feed itself when every candidate and its context lie in it */
	for (size_t i = 0; i < s->ncand; i++) {
		uint64_t lo = sat_sub(s->cands[i].from, LW_KW_BACK);

		whole |= s->rules[s->pat_rule[s->cands[i].pat]].r.ex == LW_EX_GCP_SA;
		need = lo < need ? lo : need;
	}
	if (!whole && len && need >= dstart) {
		win = data;
		wbase = dstart;
		wlen = len;
	} else {
		size_t skip = !whole && need > st->tail_off ? (size_t)(need - st->tail_off) : 0;

		wlen = st->tail_len - skip + len;
		if (grow((void **)&s->win, &s->win_cap, wlen + 1, 1))
			return -ENOMEM;
		if (st->tail_len > skip)
			memcpy(s->win, st->tail + skip, st->tail_len - skip);
		if (len)
			memcpy(s->win + st->tail_len - skip, data, len);
		wbase += skip;
		win = s->win;
	}
	/* regions are disjoint lines of the window: their copies fit in one window's room */
	if (st->nmarks && (grow((void **)&s->dbuf, &s->dbuf_cap, wlen + 1, 1) ||
			   grow((void **)&s->dmap, &s->dmap_cap, wlen + st->nmarks + 1, sizeof(*s->dmap))))
		return -ENOMEM;
	s->ncand = merge_cands(s->cands, s->ncand);
	/* a candidate that would outgrow the tail is decided on what is there */
	rc = decide(st, win, wbase, wlen, final, sat_sub(st->end, LW_SCAN_TAIL_MAX - LW_KW_BACK), &hold, &first_kept,
		    &pending);
	/* more waiting than a stream keeps (one long open block holding many), or
	 * waiting that would reach into what the tail drops: decide all now */
	if (!rc && pending > PEND_MAX)
		rc = decide(st, win, wbase, wlen, final, UINT64_MAX, &hold, &first_kept, &pending);
	if (rc)
		return rc;
	memmove(st->marks, st->marks + first_kept, (st->nmarks - first_kept) * sizeof(*st->marks));
	st->nmarks -= first_kept;

	/* drop the unsettled ones, and weak rules' findings on a vetoed span, before settling the rest */
	{
		size_t k = 0;

		for (size_t i = 0; i < s->nfound; i++) {
			const struct finding *f = &s->found[i];
			bool vetoed = false;

			for (size_t j = 0; j < s->nveto && f->prio < LW_PRIO_SHAPE && !vetoed; j++)
				vetoed = s->veto[j].lo < f->end && f->start < s->veto[j].hi;
			if (f->len && !vetoed)
				s->found[k++] = *f;
		}
		s->nfound = k;
	}
	rc = settle(s->found, s->nfound);
	if (rc)
		return rc;
	for (size_t i = 0; i < s->nfound && rc == 0; i++) {
		const struct finding *f = &s->found[i];
		struct lw_scan_match m = {
			.rule = &s->rules[f->rule].r.info,
			.secret = f->sec,
			.secret_len = f->len,
			.start = f->start,
			.end = f->end,
		};

		if (f->win && fn(ctx, &m))
			rc = 1;
	}
	for (size_t i = 0; i < s->ncand; i++) {
		struct cand *c = &s->cands[i];

		if (c->state == C_OPEN || c->state == C_KEEP) {
			st->pend[npend++] = *c; /* at most PEND_MAX: decide() saw to it */
			/* a held finding may start before hold: its bytes stay too */
			if (c->from < hold)
				hold = c->from;
		} else {
			done_add(st, c->pat, c->from);
		}
	}
	st->npend = npend;
	*hold_out = hold;
	return rc;
}

static int feed_piece(struct scanner_stream *st, const char *data, size_t len, bool final, scanner_match_fn fn,
		      void *ctx)
{
	struct scanner *s = st->s;
	uint64_t hold = UINT64_MAX;
	hs_error_t hrc = HS_SUCCESS;
	int rc = 0;

	s->cur = st;
	s->ncand = 0;
	if (st->npend) {
		if (grow((void **)&s->cands, &s->cand_cap, st->npend, sizeof(*s->cands)))
			return -ENOMEM;
		memcpy(s->cands, st->pend, st->npend * sizeof(*st->pend));
		s->ncand = st->npend;
		st->npend = 0;
	}
	s->scan_buf = data;
	s->scan_len = len;
	s->scan_off = st->end;
	if (len)
		hrc = hs_scan_stream(st->hs, data, len, 0, s->scratch, on_match, s);
	if (hrc == HS_SUCCESS && final)
		hrc = hs_reset_stream(st->hs, 0, s->scratch, on_match, s);
	if (hrc != HS_SUCCESS)
		return -EIO;
	st->end += len;
	if (final)
		st->hs_base = st->end;
	if (s->ncand || st->nmarks)
		rc = process(st, data, len, final, fn, ctx, &hold);
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
	if (hs_open_stream(s->db, 0, &st->hs) != HS_SUCCESS) {
		free(st);
		return -ENOMEM;
	}
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

static void stream_reset(struct scanner_stream *st)
{
	hs_reset_stream(st->hs, 0, NULL, NULL, NULL);
	st->end = st->hs_base = st->tail_off = 0;
	st->tail_len = st->npend = st->nmarks = st->done_next = 0;
	memset(st->done, 0, sizeof(st->done));
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

void scanner__free(struct scanner *s)
{
	if (!s)
		return;
	if (s->block)
		scanner__stream_close(s->block);
	if (s->dec_hs)
		hs_close_stream(s->dec_hs, s->scratch, NULL, NULL);
	for (size_t i = 0; i < s->nrules; i++) {
		extract__free(&s->rules[i]);
		if (i >= s->nbuiltin) {
			free((char *)s->rules[i].r.info.id);
			free((char *)s->rules[i].r.re[0]);
		}
	}
	hs_free_scratch(s->scratch);
	hs_free_database(s->db);
	free(s->rules);
	free(s->pat_rule);
	free(s->alt);
	free(s->cands);
	free(s->dcands);
	free(s->win);
	free(s->dbuf);
	free(s->dmap);
	free(s->found);
	free(s->veto);
	free(s);
}

static int builtin_rule(struct lw_rt_rule *rr, const struct lw_rule *r)
{
	const char *words[8];
	char buf[128];
	size_t n = 0;

	rr->r = *r;
	extract__alphabet(r->alphabet, rr->alpha);
	if (r->keywords) {
		snprintf(buf, sizeof(buf), "%s", r->keywords);
		for (char *save = NULL, *w = strtok_r(buf, "|", &save); w && n < 8; w = strtok_r(NULL, "|", &save))
			words[n++] = w;
	}
	return extract__keywords(rr, words, n);
}

static int user_rule(struct lw_rt_rule *rr, const struct lw_user_rule *u)
{
	rr->r = (struct lw_rule){
		.info = { strdup(u->id ? u->id : "custom"), "custom", "operator rule", u->severity },
		.re = { strdup(u->regex ? u->regex : "") },
		.ex = LW_EX_WHOLE,
		.min_len = 1,
		.prio = LW_PRIO_SHAPE,
		.min_entropy = (float)u->min_entropy,
	};
	if (!rr->r.info.id || !rr->r.re[0])
		return -ENOMEM;
	return extract__keywords(rr, (const char *const *)u->keywords, u->n_keywords);
}

static int compile(struct scanner *s, char *err, size_t errlen)
{
	size_t n = N_ESCAPE, k = 0;
	const char **exprs;
	unsigned *flags, *ids;
	hs_compile_error_t *cerr = NULL;
	int rc = 0;

	for (size_t i = 0; i < s->nrules; i++)
		for (int j = 0; j < LW_RULE_MAX_RE && s->rules[i].r.re[j]; j++)
			n++;
	exprs = calloc(n, sizeof(*exprs));
	flags = calloc(n, sizeof(*flags));
	ids = calloc(n, sizeof(*ids));
	s->pat_rule = calloc(n, sizeof(*s->pat_rule));
	if (!exprs || !flags || !ids || !s->pat_rule) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < s->nrules; i++) {
		for (int j = 0; j < LW_RULE_MAX_RE && s->rules[i].r.re[j]; j++) {
			exprs[k] = s->rules[i].r.re[j];
			flags[k] = i < s->nbuiltin ? rules__hs_flags(&s->rules[i].r) : rules__user_hs_flags();
			ids[k] = (unsigned)k;
			s->pat_rule[k++] = (uint32_t)i;
		}
	}
	s->n_rule_pats = k;
	for (size_t j = 0; j < N_ESCAPE; j++, k++) {
		exprs[k] = escape_res[j];
		ids[k] = (unsigned)k;
	}
	if (hs_compile_multi(exprs, flags, ids, (unsigned)n, HS_MODE_STREAM | HS_MODE_SOM_HORIZON_LARGE, NULL,
			     &s->db, &cerr) != HS_SUCCESS) {
		const char *msg = cerr && cerr->message ? cerr->message : "does not compile";
		int e = cerr ? cerr->expression : -1;

		if (e >= 0 && (size_t)e < s->n_rule_pats && s->pat_rule[e] >= s->nbuiltin)
			snprintf(err, errlen, "rules[%zu].regex (%s): %s", s->pat_rule[e] - s->nbuiltin,
				 s->rules[s->pat_rule[e]].r.info.id, msg);
		else if (e >= 0 && (size_t)e < s->n_rule_pats)
			snprintf(err, errlen, "built-in rule %s: %s", s->rules[s->pat_rule[e]].r.info.id, msg);
		else
			snprintf(err, errlen, "vectorscan: %s", msg);
		hs_free_compile_error(cerr);
		rc = -EINVAL;
		goto out;
	}
	if (hs_alloc_scratch(s->db, &s->scratch) != HS_SUCCESS || hs_open_stream(s->db, 0, &s->dec_hs) != HS_SUCCESS) {
		snprintf(err, errlen, "vectorscan: cannot allocate scratch space");
		rc = -ENOMEM;
	}
out:
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

int scanner__new(const struct lw_user_rule *user_rules, size_t n_user, struct scanner **out, char *err,
		 size_t errlen)
{
	struct scanner *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (!s)
		return -ENOMEM;
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
		rc = builtin_rule(&s->rules[i], rules__get(i));
		if (rc)
			goto fail;
		/* a stream keeps KEEP bytes: no rule may need more behind its match */
		if (s->rules[i].r.back + LW_KW_BACK > KEEP) {
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
		rc = user_rule(&s->rules[s->nbuiltin + i], &user_rules[i]);
		if (rc)
			goto fail;
	}
	rc = compile(s, err, errlen);
	if (rc)
		goto fail;
	rc = scanner__stream_open(s, &s->block);
	if (rc)
		goto fail;
	*out = s;
	return 0;
fail:
	if (errlen && !err[0])
		snprintf(err, errlen, "%s", strerror(-rc));
	scanner__free(s);
	return rc;
}
