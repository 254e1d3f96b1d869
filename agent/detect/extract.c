// SPDX-License-Identifier: Apache-2.0
#include "detect/extract.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/blocks.h"
#include "detect/validate.h"

/* No secret is longer; extending past this is a blob, not a token. Below
 * the stream tail, so that a stream decides as one buffer would. */
#define EXT_MAX 8192

static inline bool in(const uint8_t map[32], unsigned char c)
{
	return map[c >> 3] & (1u << (c & 7));
}

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

static int keywords(struct lw_rt_rule *rr, const char *const *words, size_t n)
{
	size_t total = 0, k = 0;
	char *p;

	for (size_t i = 0; i < n; i++)
		total += strlen(words[i]) + 1;
	rr->kwbuf = malloc(total ? total : 1);
	rr->kw = calloc(n ? n : 1, sizeof(*rr->kw));
	rr->kwlen = calloc(n ? n : 1, sizeof(*rr->kwlen));
	if (!rr->kwbuf || !rr->kw || !rr->kwlen)
		return -ENOMEM;
	p = rr->kwbuf;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(words[i]);

		if (!len)
			continue;
		for (size_t j = 0; j <= len; j++)
			p[j] = (char)tolower((unsigned char)words[i][j]);
		rr->kw[k] = p;
		rr->kwlen[k++] = len;
		p += len + 1;
	}
	rr->nkw = k;
	return 0;
}

/* What an extractor reads before the match: keywords, or a whole document's start. */
static uint16_t behind(const struct lw_rule *r)
{
	/* a service account's "private_key" may stand before its "type" */
	return r->ex == LW_EX_GCP_SA ? LW_LOOK_BEHIND : LW_KW_BACK;
}

int extract__builtin(struct lw_rt_rule *rr, const struct lw_rule *r)
{
	const char *words[8];
	char buf[128];
	size_t n = 0;

	rr->r = *r;
	rr->behind = behind(r);
	extract__alphabet(r->alphabet, rr->alpha);
	if (r->keywords) {
		snprintf(buf, sizeof(buf), "%s", r->keywords);
		for (char *save = NULL, *w = strtok_r(buf, "|", &save); w && n < 8; w = strtok_r(NULL, "|", &save))
			words[n++] = w;
	}
	return keywords(rr, words, n);
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
	return keywords(rr, (const char *const *)u->keywords, u->n_keywords);
}

void extract__free(struct lw_rt_rule *rr)
{
	if (rr->owned) {
		free((char *)rr->r.info.id);
		free((char *)rr->r.re[0]);
		rr->r.info.id = rr->r.re[0] = NULL;
		rr->owned = false;
	}
	free(rr->kwbuf);
	free(rr->kw);
	free(rr->kwlen);
	rr->kwbuf = NULL;
	rr->kw = NULL;
	rr->kwlen = NULL;
	rr->nkw = 0;
}

static bool has_keyword(const struct lw_rt_rule *rr, const char *s, size_t n)
{
	char low[LW_KW_BACK + LW_KW_AHEAD + 512];

	/* keywords stand before the secret: the window is cut after 512 bytes of it */
	if (n > sizeof(low))
		n = sizeof(low);
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	for (size_t k = 0; k < rr->nkw; k++)
		if (memmem(low, n, rr->kw[k], rr->kwlen[k]))
			return true;
	return false;
}

/* Extends end over the alphabet (and up to two '=' when padded). */
static enum lw_verdict extend(const struct lw_rt_rule *rr, const struct lw_view *v, size_t start, size_t *end)
{
	size_t e = *end, pads = 0, cap = rr->r.max_len && rr->r.max_len < EXT_MAX ? rr->r.max_len + 2u : EXT_MAX;

	/* one past max_len already says "too long": no need to walk a blob to its end */
	while (e < v->len && in(rr->alpha, (unsigned char)v->buf[e])) {
		if (++e - start > cap)
			return LW_REJECT;
	}
	while (rr->r.pad && e < v->len && v->buf[e] == '=' && pads < 2) {
		e++;
		pads++;
	}
	if (e == v->len && !v->final)
		return LW_OPEN;
	*end = e;
	return LW_FOUND;
}

/*
 * From i, just after a key: the separator (quotes, blanks, ':' '=' ":=" "=>"),
 * then the value. A quoted value runs to its closing quote.
 */
static enum lw_verdict sep_value(const struct lw_rt_rule *rr, const struct lw_view *v, size_t i, bool need_sep,
				 size_t *s0, size_t *e0, bool *quoted)
{
	const char *b = v->buf;
	size_t vs, e, stop = i + 16;
	char quote = 0;
	bool escaped = false, sep = false;

	while (i < v->len && i < stop && b[i] && strchr(" \t\\\"':=>", b[i])) {
		if (b[i] == '"' || b[i] == '\'') {
			quote = b[i];
			escaped = i > 0 && b[i - 1] == '\\';
		} else if (b[i] == ':' || b[i] == '=') {
			/* the key's closing quote ("password": 1234) does not quote the value */
			sep = true;
			quote = 0;
		}
		i++;
	}
	if (i == v->len && !v->final)
		return LW_OPEN;
	if (need_sep && !sep)
		return LW_REJECT;
	vs = i;
	if (rr->r.quoted && quote) {
		/* a quoted value runs to its closing quote: passwords hold spaces */
		for (e = vs; e < v->len && e - vs <= rr->r.max_len && b[e] != '\n'; e++) {
			if (b[e] == quote && (!escaped || (e > vs && b[e - 1] == '\\'))) {
				*s0 = vs;
				*e0 = escaped ? e - 1 : e;
				*quoted = true;
				return LW_FOUND;
			}
		}
		if (e == v->len && !v->final)
			return LW_OPEN;
	}
	e = vs;
	if (extend(rr, v, vs, &e) == LW_OPEN)
		return LW_OPEN;
	*s0 = vs;
	*e0 = e;
	return LW_FOUND;
}

/* "key" : "value", where the match holds the key, the separator and the value's start. */
static enum lw_verdict value(const struct lw_rt_rule *rr, const struct lw_view *v, size_t from, size_t to,
			     size_t *s0, size_t *e0, bool *quoted)
{
	const char *b = v->buf;
	size_t i = from;

	/* keys hold no ':' or '=': the first one ends the key ("azure client secret: ...") */
	while (i < to && b[i] != ':' && b[i] != '=')
		i++;
	if (i == to)
		return LW_REJECT;
	return sep_value(rr, v, i, true, s0, e0, quoted);
}

bool extract__may_assign(const char *b, size_t len, size_t from, size_t i)
{
	/* --password value */
	if (i < len && b[i] == ' ' && from >= 2 && from <= len && b[from - 1] == '-' && b[from - 2] == '-')
		return true;
	/* "key": value, key = value, "key" => 'value' */
	for (size_t k = 0; k < 8; k++, i++) {
		if (i >= len)
			return true;
		if (b[i] == ':' || b[i] == '=')
			return true;
		if (b[i] != '"' && b[i] != '\'' && b[i] != '\\' && b[i] != ' ' && b[i] != '\t')
			return false;
	}
	return false;
}

/*
 * The match is a keyword (password, token, api_key ...): it must end the
 * key, and an assignment must follow; or "--password value" on a command line.
 */
static enum lw_verdict assign(const struct lw_rt_rule *rr, const struct lw_view *v, size_t from, size_t to,
			      size_t *s0, size_t *e0, bool *quoted)
{
	const char *b = v->buf;
	bool cli = from >= 2 && b[from - 1] == '-' && b[from - 2] == '-' && to < v->len && (b[to] == ' ' || b[to] == '=');

	/* a bare "pass" is a key of its own (db_pass, PASS=), not the end of "bypass" */
	if (to - from == 4 && from > 0 && isalpha((unsigned char)b[from - 1]))
		return LW_REJECT;
	if (cli) {
		enum lw_verdict vd = sep_value(rr, v, to + 1, false, s0, e0, quoted);

		return vd == LW_FOUND && *e0 > *s0 && b[*s0] == '-' ? LW_REJECT : vd;
	}
	return sep_value(rr, v, to, true, s0, e0, quoted);
}

static bool scheme_in(const char *sch, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == n && !strncasecmp(sch, *list, n))
			return true;
	return false;
}

/*
 * scheme://user:password@host. The match ends at the '@' and starts no
 * later than "://"; the scheme picks the rule: a database or broker's, or
 * (alt) any other URL's, which must also name a host.
 */
static enum lw_verdict uri(const struct lw_view *v, size_t from, size_t to, size_t *s0, size_t *e0, bool *alt)
{
	static const char *const db[] = {
		"postgres", "postgresql", "mysql", "mariadb", "mongodb", "redis", "rediss", "amqp", "amqps",
		"clickhouse", "mssql", "sqlserver", "cockroachdb", "couchdb", "couchdbs", "neo4j", "cassandra",
		"nats", "kafka", "mqtt", "mqtts", "memcached", "oracle", "db2", "snowflake", "influxdb", NULL,
	};
	const char *b = v->buf, *sep = NULL, *colon, *at = b + to - 1;
	size_t sch, user, base;

	if (to - from < 5 || *at != '@')
		return LW_REJECT;
	/* the last "://" before the '@': the userinfo holds no '/' */
	for (size_t k = to - 3; k-- > from && !sep;)
		if (!memcmp(b + k, "://", 3))
			sep = b + k;
	if (!sep)
		return LW_REJECT;
	user = (size_t)(sep - b) + 3;
	colon = memchr(b + user, ':', (size_t)(at - b) - user);
	if (!colon)
		return LW_REJECT;
	for (sch = (size_t)(sep - b); sch > 0 && (isalnum((unsigned char)b[sch - 1]) || strchr("+.-", b[sch - 1]));)
		sch--;
	/* postgresql+psycopg2://: the driver suffix does not change the kind */
	for (base = sch; base < (size_t)(sep - b) && b[base] != '+';)
		base++;
	if (base - sch < 2)
		return LW_REJECT;
	*s0 = (size_t)(colon - b) + 1;
	*e0 = (size_t)(at - b);
	*alt = !scheme_in(b + sch, base - sch, db);
	if (*alt) {
		/* a URL's password: a host must follow, and it must look chosen */
		if (to == v->len)
			return v->final ? LW_REJECT : LW_OPEN;
		if (!isalnum((unsigned char)b[to]) && b[to] != '[')
			return LW_REJECT;
		if (*e0 - *s0 < 6 || validate__entropy(b + *s0, *e0 - *s0) < 2.5)
			return LW_REJECT;
	}
	/* postgres://postgres:postgres@localhost is a default, not a leak */
	if (*e0 - *s0 == (size_t)(colon - b) - user && !memcmp(b + user, b + *s0, *e0 - *s0))
		return LW_REJECT;
	return LW_FOUND;
}

static bool left_ok(const struct lw_rt_rule *rr, const struct lw_view *v, size_t s)
{
	unsigned char c;

	if (s == 0)
		return true;
	c = (unsigned char)v->buf[s - 1];
	switch (rr->r.left) {
	case LW_LB_ALNUM: return !isalnum(c);
	case LW_LB_DIGIT: return !isdigit(c);
	case LW_LB_ALPHABET: return !in(rr->alpha, c);
	default: return true;
	}
}

static enum lw_verdict locate(const struct lw_rt_rule *rr, const struct lw_view *v, size_t from, size_t to,
			      struct lw_extent *out)
{
	size_t s = from, e = to, k;
	bool quoted = false;
	enum lw_verdict vd;

	switch (rr->r.ex) {
	case LW_EX_PEM:
		return blocks__pem(v, from, to, out);
	case LW_EX_GCP_SA:
		return blocks__service_account(v, from, to, out);
	case LW_EX_URI:
		vd = uri(v, from, to, &s, &e, &out->alt);
		break;
	case LW_EX_ASSIGN:
		vd = assign(rr, v, from, to, &s, &e, &quoted);
		break;
	case LW_EX_VALUE:
		vd = value(rr, v, from, to, &s, &e, &quoted);
		break;
	case LW_EX_RUN:
		/* the run ends the match; its context ("Bearer ") does not count toward max_len */
		vd = extend(rr, v, to, &e);
		if (vd != LW_FOUND)
			return vd;
		for (k = e; k > from && v->buf[k - 1] == '=' && e - k < 2;)
			k--;
		for (s = k; s > from && in(rr->alpha, (unsigned char)v->buf[s - 1]);)
			s--;
		break;
	default:
		if (rr->r.alphabet) {
			vd = extend(rr, v, from, &e);
		} else {
			/* an operator's regex: the match is the secret, once it stops growing */
			vd = e == v->len && !v->final ? LW_OPEN : LW_FOUND;
		}
		break;
	}
	if (vd != LW_FOUND)
		return vd;
	/* a token at the end of a sentence */
	while (!quoted && e > s + rr->r.min_len && v->buf[e - 1] == '.')
		e--;
	out->start = s;
	out->end = e;
	return LW_FOUND;
}

enum lw_verdict extract__resolve(const struct lw_rt_rule *rr, const struct lw_view *v, size_t from, size_t to,
				 struct lw_extent *out)
{
	const struct lw_rule *r = &rr->r;
	enum lw_verdict vd;
	const char *sec;
	size_t n;

	*out = (struct lw_extent){ 0 };
	vd = locate(rr, v, from, to, out);

	if (vd != LW_FOUND)
		return vd;
	sec = v->buf + out->start;
	n = out->end - out->start;
	/* "abc\" + "/def" split across feeds: wait to see the escape whole */
	if (!v->final && out->end < v->len && v->len - out->end < 6 &&
	    (v->buf[out->end] == '\\' || v->buf[out->end] == '%'))
		return LW_OPEN;
	if (n < (r->min_len ? r->min_len : 1) || (r->max_len && n > r->max_len))
		return LW_REJECT;
	if (!left_ok(rr, v, out->start))
		return LW_REJECT;
	/* cheapest first: structure, then statistics, then the word lists */
	out->veto = true;
	if (r->check && !r->check(sec, n))
		return LW_REJECT;
	if (r->ex != LW_EX_PEM && r->ex != LW_EX_GCP_SA) {
		if (r->min_classes && validate__class_count(sec, n) < r->min_classes)
			return LW_REJECT;
		if (r->min_entropy > 0 && validate__entropy(sec, n) < r->min_entropy)
			return LW_REJECT;
	}
	if (validate__is_example(sec, n))
		return LW_REJECT;
	if (r->ex != LW_EX_PEM && r->ex != LW_EX_GCP_SA && validate__is_placeholder(sec, n))
		return LW_REJECT;
	out->veto = false;
	if (rr->nkw) {
		/* the context is the secret's own line: a neighbour's keyword says nothing */
		size_t lo = out->start > LW_KW_BACK ? out->start - LW_KW_BACK : 0;
		size_t hi = v->len - out->end > LW_KW_AHEAD ? out->end + LW_KW_AHEAD : v->len;
		const char *nl;

		if ((nl = memrchr(v->buf + lo, '\n', out->start - lo)))
			lo = (size_t)(nl - v->buf) + 1;
		if ((nl = memchr(v->buf + out->end, '\n', hi - out->end)))
			hi = (size_t)(nl - v->buf);
		if (!has_keyword(rr, v->buf + lo, hi - lo))
			return !nl && hi == v->len && !v->final ? LW_OPEN : LW_REJECT;
	}
	return LW_FOUND;
}
