// SPDX-License-Identifier: Apache-2.0
/*
 * Deciding a window of tail + feed: extract/extract.c decides each candidate
 * (found, rejected, or open: its extent reaches past the bytes seen so far,
 * and it is asked again after the next feed). Lines holding JSON or URL
 * escapes are decoded into a copy and scanned again, with offsets mapped
 * back to the original. Overlapping findings are settled by rule priority,
 * so that one secret is reported once. Whatever waits, and whatever
 * overlaps what waits, is kept for the next feed.
 */
#include "detect/decide.h"

#include <string.h>

#include "extract/unescape.h"

/* The bytes a decision sees: part of the tail, and the feed. */
struct window {
	const char *buf;
	uint64_t base; /* stream offset of buf[0] */
	size_t len;
	bool final;    /* nothing more will come */
};

/* Lines holding escapes, as window offsets; m0: the first mark on them. */
struct region {
	size_t rs, re, m0;
	bool complete;
};

static void done_add(struct scanner_stream *st, uint32_t pat, uint64_t from)
{
	st->done[st->done_next] = (struct done){ .from = from, .pat = pat, .used = true };
	st->done_next = (st->done_next + 1) % DONE_MAX;
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

/* A finding of `rule` (or its alternate, as the extent says) at stream [start, end). */
static int add_finding(struct work *wk, uint32_t rule, const struct lw_extent *ext, uint64_t start,
		       uint64_t end, const char *sec, uint32_t cand)
{
	const struct scanner *s = wk->s;

	if (grow((void **)&wk->found, &wk->found_cap, wk->nfound + 1, sizeof(*wk->found)))
		return -ENOMEM;
	wk->found[wk->nfound++] = (struct finding){
		.start = start,
		.end = end,
		.sec = sec,
		.len = ext->end - ext->start,
		.rule = ext->alt ? s->alt[rule] : rule,
		.cand = cand,
		.prio = s->rules[rule].r.prio,
	};
	return 0;
}

/*
 * Decodes win[rs, re) and scans the copy. Only findings whose match holds
 * an escape are kept: the others are the original scan's.
 */
static int scan_decoded(struct work *wk, const struct window *w, size_t rs, size_t re)
{
	const struct scanner *s = wk->s;
	size_t n = re - rs, dn;
	char *dbuf = wk->dbuf + wk->dpos;
	uint32_t *dmap = wk->dmap + wk->mpos;
	uint64_t at = w->base + rs;
	hs_error_t rc;

	dn = unescape__decode(w->buf + rs, n, dbuf, dmap);
	if (dn == n)
		return 0;
	wk->dpos += dn;
	wk->mpos += dn + 1;
	wk->decoding = true;
	wk->ndcand = 0;
	wk->scan_buf = dbuf;
	wk->scan_len = dn;
	wk->scan_off = 0;
	rc = hs_scan_stream(wk->dec_hs, dbuf, dn, 0, s->scratch, scanner_on_match, wk);
	if (rc == HS_SUCCESS)
		rc = hs_reset_stream(wk->dec_hs, 0, s->scratch, scanner_on_match, wk);
	wk->decoding = false;
	if (rc != HS_SUCCESS)
		return -EIO;
	wk->ndcand = merge_cands(wk->dcands, wk->ndcand);
	for (size_t i = 0; i < wk->ndcand; i++) {
		struct cand *c = &wk->dcands[i];
		uint32_t rule = s->pat_rule[c->pat];
		struct lw_view v = { dbuf, dn, true };
		struct lw_extent ext;
		size_t lo, hi;

		if (extract__resolve(&s->rules[rule], &v, c->from, c->to, &ext) != LW_FOUND)
			continue;
		do {
			lo = c->from < ext.start ? c->from : ext.start;
			hi = c->to > ext.end ? c->to : ext.end;
			if (dmap[hi] - dmap[lo] != hi - lo &&
			    add_finding(wk, rule, &ext, at + dmap[ext.start], at + dmap[ext.end], dbuf + ext.start,
					UINT32_MAX))
				return -ENOMEM;
		} while (ext.next && extract__resolve(&s->rules[rule], &v, ext.next, ext.next, &ext) == LW_FOUND);
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

/*
 * Each candidate found, rejected or open. Candidates older than force are
 * decided on the bytes there are. hold: lowered to the first open one.
 */
static int resolve_cands(struct work *wk, const struct window *w, uint64_t force, uint64_t *hold,
			 size_t *pending)
{
	const struct scanner *s = wk->s;
	for (size_t i = 0; i < wk->ncand; i++) {
		struct cand *c = &wk->cands[i];
		uint32_t rule = s->pat_rule[c->pat];
		uint64_t f = c->from < w->base ? w->base : c->from, t = c->to < f ? f : c->to;
		struct lw_view v = { w->buf, w->len, w->final || c->from < force };
		struct lw_extent ext;

		switch (extract__resolve(&s->rules[rule], &v, (size_t)(f - w->base), (size_t)(t - w->base), &ext)) {
		case LW_OPEN:
			c->state = C_OPEN;
			(*pending)++;
			if (c->from < *hold)
				*hold = c->from;
			break;
		case LW_FOUND:
			c->state = C_FOUND;
			/* a structure may hold more secrets after this one (extract.h: next) */
			do {
				if (add_finding(wk, rule, &ext, w->base + ext.start, w->base + ext.end,
						w->buf + ext.start, (uint32_t)i))
					return -ENOMEM;
			} while (ext.next && extract__resolve(&s->rules[rule], &v, ext.next, ext.next, &ext) == LW_FOUND);
			break;
		default:
			c->state = C_DONE;
			if (ext.veto && s->rules[rule].r.prio >= LW_PRIO_SHAPE &&
			    grow((void **)&wk->veto, &wk->veto_cap, wk->nveto + 1, sizeof(*wk->veto)) == 0)
				wk->veto[wk->nveto++] = (struct veto){ w->base + ext.start, w->base + ext.end,
								       s->rules[rule].r.prio };
		}
	}
	return 0;
}

/* Past the '\n' that ends the line holding stream offset at, or the window's end (*nl NULL). */
static size_t line_end(const struct window *w, uint64_t at, const char **nl)
{
	*nl = memchr(w->buf + (at - w->base), '\n', w->len - (size_t)(at - w->base));
	return *nl ? (size_t)(*nl - w->buf) + 1 : w->len;
}

/* Escaped lines: whole lines, decoded once complete. Returns how many. */
static size_t find_regions(const struct scanner_stream *st, const struct window *w, uint64_t force,
			   struct region reg[MARK_MAX])
{
	size_t nreg = 0;

	for (size_t m = 0; m < st->nmarks; m++) {
		uint64_t lo = st->marks[m].lo, hi = st->marks[m].hi;
		struct region *r = &reg[nreg];
		const char *nl;

		if (hi < w->base)
			continue;
		r->m0 = m;
		lo = lo < w->base ? w->base : lo;
		r->rs = (size_t)(lo - w->base);
		while (r->rs > 0 && w->buf[r->rs - 1] != '\n')
			r->rs--;
		r->re = line_end(w, hi, &nl);
		/* later marks on lines this region already covers */
		while (m + 1 < st->nmarks && st->marks[m + 1].lo < w->base + r->re)
			r->re = line_end(w, st->marks[++m].hi, &nl);
		r->complete = nl || w->final || w->base + r->rs < force;
		nreg++;
	}
	return nreg;
}

/*
 * What waits: everything from the first open candidate or undecodable
 * region on, and anything overlapping what waits, since overlaps are
 * settled together. hold only moves down, so this ends.
 */
static uint64_t hold_overlaps(const struct work *wk, const struct region *reg, size_t nreg, uint64_t base,
			      uint64_t hold)
{
	for (bool changed = true; changed;) {
		changed = false;
		for (size_t k = 0; k < nreg; k++) {
			if (!reg[k].complete || base + reg[k].re > hold) {
				if (base + reg[k].rs < hold) {
					hold = base + reg[k].rs;
					changed = true;
				}
				break;
			}
		}
		for (size_t i = 0; i < wk->nfound; i++) {
			if (wk->found[i].end > hold && wk->found[i].start < hold) {
				hold = wk->found[i].start;
				changed = true;
			}
		}
	}
	return hold;
}

/*
 * Findings that reach past hold are not settled: asked again with more
 * bytes, with every other finding of their candidate (a structure's
 * secrets are reported together, or not yet).
 */
static size_t keep_unsettled(struct work *wk, uint64_t hold)
{
	size_t kept = 0;

	for (size_t i = 0; i < wk->nfound; i++) {
		struct finding *f = &wk->found[i];

		if (f->end > hold && f->cand != UINT32_MAX) {
			wk->cands[f->cand].state = C_KEEP;
			kept++;
		}
	}
	for (size_t i = 0; kept && i < wk->nfound; i++) {
		struct finding *f = &wk->found[i];

		if (f->cand != UINT32_MAX && wk->cands[f->cand].state == C_KEEP)
			f->len = 0;
	}
	return kept;
}

/* Scans the regions before hold decoded; *first_kept: the first mark of the rest. */
static int decode_regions(struct scanner_stream *st, const struct window *w, const struct region *reg,
			  size_t nreg, uint64_t hold, size_t *first_kept)
{
	*first_kept = st->nmarks;
	for (size_t k = 0; k < nreg; k++) {
		int rc;

		if (!reg[k].complete || w->base + reg[k].re > hold) {
			*first_kept = reg[k].m0;
			break;
		}
		rc = scan_decoded(st->wk, w, reg[k].rs, reg[k].re);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * One decision over the window: each candidate found, rejected or open,
 * escaped lines decoded and scanned, and what must wait for more bytes
 * (hold). Candidates older than force are decided on the bytes there are;
 * if one of them would have to wait, *pending is SIZE_MAX. Marks from
 * *first_kept on stay pending. Changes no stream state.
 */
static int decide(struct scanner_stream *st, const struct window *w, uint64_t force, uint64_t *hold_out,
		  size_t *first_kept, size_t *pending)
{
	struct work *wk = st->wk;
	struct region reg[MARK_MAX];
	uint64_t hold = UINT64_MAX;
	size_t nreg;
	int rc;

	wk->nfound = 0;
	wk->nveto = 0;
	wk->dpos = wk->mpos = 0;
	*pending = 0;
	rc = resolve_cands(wk, w, force, &hold, pending);
	if (rc)
		return rc;
	nreg = find_regions(st, w, force, reg);
	hold = hold_overlaps(wk, reg, nreg, w->base, hold);
	/* what is older than force cannot wait: the tail will not keep it */
	if (hold < force) {
		*pending = SIZE_MAX;
		return 0;
	}
	*pending += keep_unsettled(wk, hold);
	rc = decode_regions(st, w, reg, nreg, hold, first_kept);
	if (rc)
		return rc;
	*hold_out = hold;
	return 0;
}

/* The view: the feed itself when every candidate and its context lie in it, else tail + feed. */
static int choose_window(struct scanner_stream *st, const char *data, size_t len, bool final, struct window *w)
{
	struct work *wk = st->wk;
	const struct scanner *s = st->s;
	uint64_t dstart = st->end - len, need = UINT64_MAX;
	/* an escape region reaches back to its line's start */
	bool whole = st->nmarks > 0;
	size_t skip;

	for (size_t i = 0; i < wk->ncand; i++) {
		uint64_t lo = sat_sub(wk->cands[i].from, s->rules[s->pat_rule[wk->cands[i].pat]].behind);

		need = lo < need ? lo : need;
	}
	w->final = final;
	if (!whole && len && need >= dstart) {
		*w = (struct window){ data, dstart, len, final };
	} else {
		skip = !whole && need > st->tail_off ? (size_t)(need - st->tail_off) : 0;
		w->len = st->tail_len - skip + len;
		if (grow((void **)&wk->win, &wk->win_cap, w->len + 1, 1))
			return -ENOMEM;
		if (st->tail_len > skip)
			memcpy(wk->win, st->tail + skip, st->tail_len - skip);
		if (len)
			memcpy(wk->win + st->tail_len - skip, data, len);
		w->base = st->tail_off + skip;
		w->buf = wk->win;
	}
	/* regions are disjoint lines of the window: their copies fit in one window's room */
	if (st->nmarks && (grow((void **)&wk->dbuf, &wk->dbuf_cap, w->len + 1, 1) ||
			   grow((void **)&wk->dmap, &wk->dmap_cap, w->len + st->nmarks + 1, sizeof(*wk->dmap))))
		return -ENOMEM;
	return 0;
}

/* Drops the unsettled findings, and weaker rules' findings on a vetoed span. */
static void drop_unsettled(struct work *wk)
{
	size_t k = 0;

	for (size_t i = 0; i < wk->nfound; i++) {
		const struct finding *f = &wk->found[i];
		bool vetoed = false;

		for (size_t j = 0; j < wk->nveto && !vetoed; j++)
			vetoed = f->prio < wk->veto[j].prio && wk->veto[j].lo < f->end && f->start < wk->veto[j].hi;
		if (f->len && !vetoed)
			wk->found[k++] = *f;
	}
	wk->nfound = k;
}

/* Reports the winners; 1 when fn stopped it. */
static int emit(const struct work *wk, scanner_match_fn fn, void *ctx)
{
	const struct scanner *s = wk->s;
	for (size_t i = 0; i < wk->nfound; i++) {
		const struct finding *f = &wk->found[i];
		struct lw_scan_match m = {
			.rule = &s->rules[f->rule].r.info,
			.secret = f->sec,
			.secret_len = f->len,
			.start = f->start,
			.end = f->end,
		};

		if (f->win && fn(ctx, &m))
			return 1;
	}
	return 0;
}

/* Keeps open and held candidates for the next feed and remembers the rest; the new hold. */
static uint64_t keep_pending(struct scanner_stream *st, uint64_t hold)
{
	struct work *wk = st->wk;
	size_t npend = 0;

	for (size_t i = 0; i < wk->ncand; i++) {
		struct cand *c = &wk->cands[i];

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
	return hold;
}

int decide__feed(struct scanner_stream *st, const char *data, size_t len, bool final, scanner_match_fn fn,
		 void *ctx, uint64_t *hold_out)
{
	struct work *wk = st->wk;
	size_t first_kept, pending;
	struct window w;
	uint64_t hold;
	int rc;

	if (choose_window(st, data, len, final, &w))
		return -ENOMEM;
	wk->ncand = merge_cands(wk->cands, wk->ncand);
	/* a candidate that would outgrow the tail is decided on what is there */
	rc = decide(st, &w, sat_sub(st->end, LW_SCAN_TAIL_MAX - LW_KW_BACK), &hold, &first_kept, &pending);
	/* more waiting than a stream keeps (one long open block holding many), or
	 * waiting that would reach into what the tail drops: decide all now */
	if (!rc && pending > PEND_MAX)
		rc = decide(st, &w, UINT64_MAX, &hold, &first_kept, &pending);
	if (rc)
		return rc;
	memmove(st->marks, st->marks + first_kept, (st->nmarks - first_kept) * sizeof(*st->marks));
	st->nmarks -= first_kept;
	drop_unsettled(wk);
	rc = settle(wk->found, wk->nfound);
	if (rc)
		return rc;
	rc = emit(wk, fn, ctx);
	*hold_out = keep_pending(st, hold);
	return rc;
}
