// SPDX-License-Identifier: Apache-2.0
#include "extract/extract.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "extract/blocks.h"
#include "extract/kubedata.h"
#include "extract/uricred.h"
#include "rules/placeholder.h"
#include "rules/validate.h"

/* No secret is longer; extending past this is a blob, not a token. Below
 * the stream tail, so that a stream decides as one buffer would. */
#define EXT_MAX 8192

static inline bool in(const uint8_t map[32], unsigned char c)
{
	return map[c >> 3] & (1u << (c & 7));
}

/* One of the words (all of them, with all) occurs in s, in any case. */
static bool has_keyword(const struct lw_kwlist *l, bool all, const char *s, size_t n)
{
	char low[LW_KW_BACK + LW_KW_AHEAD + 512];
	size_t hits = 0;

	/* keywords stand before the secret: the window is cut after 512 bytes of it */
	if (n > sizeof(low))
		n = sizeof(low);
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	for (size_t k = 0; k < l->n; k++)
		if (memmem(low, n, l->w[k], l->len[k]) && (!all || ++hits == l->n))
			return true;
	return false;
}

/* Extends end over the alphabet (and up to two '=' when padded). */
static enum lw_verdict extend(const struct lw_rt_rule *rr, const struct lw_view *v, size_t start, size_t *end)
{
	size_t e = *end, pads = 0, cap = rr->r.max_len && rr->r.max_len < EXT_MAX ? rr->r.max_len + 2u : EXT_MAX;

	/* one past max_len already says "too long": no need to walk a blob to its end */
	while (e < v->len && in(rr->alpha, (unsigned char)v->buf[e])) {
		if (++e - start > cap) {
			*end = e;
			return LW_REJECT;
		}
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

/* At s: "name=", as after the '&' of a query string? 1 yes, 0 no, -1 the bytes end first. */
static int query_param(const char *s, size_t n)
{
	for (size_t i = 0; i < 40; i++) {
		if (i == n)
			return -1;
		if (s[i] == '=')
			return i > 0;
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return 0;
	}
	return 0;
}

/*
 * An unquoted value from vs over the rule's alphabet; for a free-form value
 * (password=a&b) '&' ends it only where a query parameter follows (&user=).
 */
static enum lw_verdict value_run(const struct lw_rt_rule *rr, const struct lw_view *v, size_t vs, size_t *end)
{
	const char *b = v->buf;
	size_t e = vs;

	if (extend(rr, v, vs, &e) == LW_OPEN)
		return LW_OPEN;
	while (rr->r.alphabet && rr->r.alphabet[0] == '^' && e < v->len && b[e] == '&' && e - vs < rr->r.max_len) {
		int q = query_param(b + e + 1, v->len - e - 1);

		if (q < 0 && !v->final)
			return LW_OPEN;
		if (q != 0)
			break;
		e++;
		if (extend(rr, v, e, &e) == LW_OPEN)
			return LW_OPEN;
	}
	*end = e;
	return LW_FOUND;
}

/*
 * From i, just after a key: the separator (quotes, blanks, ':' '=' ":=" "=>",
 * or ',' after a quoted key as in ('key', 'value')), maybe a bracket that
 * wraps the value (KEY=(value), ['value'], b'value'), then the value. A
 * quoted value runs to its closing quote.
 */
static enum lw_verdict sep_value(const struct lw_rt_rule *rr, const struct lw_view *v, size_t i, bool need_sep,
				 bool comma_ok, size_t *s0, size_t *e0, bool *quoted)
{
	const char *b = v->buf;
	size_t vs, e, stop = i + 20;
	char quote = 0;
	bool escaped = false, sep = false, saw_quote = false;

	for (; i < v->len && i < stop; i++) {
		char c = b[i];

		if (c == '"' || c == '\'' || c == '`') {
			quote = c;
			saw_quote = true;
			escaped = i > 0 && b[i - 1] == '\\';
		} else if ((c == ':' || c == '=') && i + 1 < v->len && b[i + 1] == c) {
			return LW_REJECT; /* a == b, Type::name: code, not an assignment */
		} else if (c == ':' || c == '=' || (c == ',' && comma_ok && saw_quote && !sep)) {
			/* the key's closing quote ("password": 1234) does not quote the value */
			sep = true;
			quote = 0;
		} else if (sep && (c == '(' || c == '[' || c == '{')) {
			quote = 0;
		} else if (sep && !quote && c == 'b' && i + 1 < v->len && (b[i + 1] == '\'' || b[i + 1] == '"')) {
			continue; /* Python bytes: b'value' */
		} else if (c != ' ' && c != '\t' && c != '\\' && c != '>') {
			break;
		}
	}
	if (i == v->len && !v->final)
		return LW_OPEN;
	if (need_sep && !sep)
		return LW_REJECT;
	vs = i;
	if (rr->r.quoted && quote) {
		/* a quoted value runs to its closing quote */
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
	if (value_run(rr, v, vs, &e) == LW_OPEN)
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

	/* keys hold no ':' '=' or ',': the first one ends the key ("azure client secret: ...") */
	while (i < to && b[i] != ':' && b[i] != '=' && b[i] != ',')
		i++;
	if (i == to)
		return LW_REJECT;
	if (b[i] == ',')
		return sep_value(rr, v, i + 1, false, false, s0, e0, quoted);
	return sep_value(rr, v, i, true, false, s0, e0, quoted);
}

/*
 * The value right after the match. Quoted when the match ends in a quote
 * or one follows: it then runs to the closing quote (\" when escaped).
 */
static enum lw_verdict tail(const struct lw_rt_rule *rr, const struct lw_view *v, size_t to, size_t *s0,
			    size_t *e0, bool *quoted)
{
	const char *b = v->buf;
	size_t st = to, e;
	bool esc = false;
	char q = 0;

	if (to > 0 && (b[to - 1] == '"' || b[to - 1] == '\'')) {
		q = b[to - 1];
		esc = to > 1 && b[to - 2] == '\\';
	} else if (to < v->len && (b[to] == '"' || b[to] == '\'')) {
		q = b[to];
		st = to + 1;
	} else if (to + 1 < v->len && b[to] == '\\' && b[to + 1] == '"') {
		q = '"';
		esc = true;
		st = to + 2;
	}
	*s0 = st;
	if (!q)
		return value_run(rr, v, st, e0);
	for (e = st; e < v->len && e - st <= rr->r.max_len && b[e] != '\n'; e++) {
		if (b[e] == q && e > st && (esc ? b[e - 1] == '\\' : b[e - 1] != '\\')) {
			*e0 = esc ? e - 1 : e;
			*quoted = true;
			return LW_FOUND;
		}
		if (b[e] == q && e == st && !esc) {
			*e0 = e;
			return LW_FOUND; /* an empty value: too short for any rule */
		}
	}
	return e == v->len && !v->final ? LW_OPEN : LW_REJECT;
}

/* --password value, --http-password value: the key is a long option */
static bool long_option(const char *b, size_t from)
{
	size_t t = from;

	while (t > 0 && from - t < 24 && (isalnum((unsigned char)b[t - 1]) || b[t - 1] == '-'))
		t--;
	return from - t >= 2 && b[t] == '-' && b[t + 1] == '-';
}

bool extract__may_assign(const char *b, size_t len, size_t from, size_t i)
{
	bool quote = false;

	/* --password value */
	if (i < len && b[i] == ' ' && from >= 2 && from <= len && long_option(b, from))
		return true;
	/* "key": value, key = value, "key" => 'value', ('key', 'value') */
	for (size_t k = 0; k < 8; k++, i++) {
		if (i >= len)
			return true;
		if (b[i] == ':' || b[i] == '=' || (b[i] == ',' && quote))
			return true;
		if (b[i] == '"' || b[i] == '\'')
			quote = true;
		else if (b[i] != '\\' && b[i] != ' ' && b[i] != '\t')
			return false;
	}
	return false;
}

static bool key_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.';
}

/* Where the key that ends in the keyword at from starts: db_password, spring.datasource.password */
static size_t key_begin(const char *b, size_t from)
{
	size_t t = from;

	while (t > 0 && from - t < 40 && key_char(b[t - 1]))
		t--;
	return t;
}

/*
 * Keys whose value is no credential though their last word says token or
 * secret: anti-forgery tokens, paging cursors, and the names of secrets.
 */
static bool harmless_key(const char *b, size_t len, size_t from)
{
	static const char *const words[] = {
		"csrf", "xsrf", "authenticity", "pagetoken", "page_token", "page-token", "nextpage", "next_page",
		"continuation", "cursor", "nexttoken", "next_token", "next-token", "forwardtoken", "backwardtoken",
		"secretname", "secret_name", "secret-name", "secretref", "secretkeyref",
	};
	char key[64];
	size_t n = 0;

	for (size_t i = key_begin(b, from); i < len && i < from + 12 && n < sizeof(key) - 1 && key_char(b[i]); i++)
		key[n++] = (char)tolower((unsigned char)b[i]);
	key[n] = '\0';
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(key, words[i]))
			return true;
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
	bool cli = from >= 2 && long_option(b, from) && to < v->len && (b[to] == ' ' || b[to] == '=');

	size_t key_start = key_begin(b, from);
	enum lw_verdict vd;

	/* a bare "pass" is a key of its own (db_pass, PASS=), not the end of "bypass" */
	if (to - from == 4 && from > 0 && isalpha((unsigned char)b[from - 1]))
		return LW_REJECT;
	/* /etc/security/passwd: a path, not a key */
	if (key_start > 0 && b[key_start - 1] == '/')
		return LW_REJECT;
	/* AWS::IAM::AccessKey, ring::aead::SecretKey: a type's name, not a key */
	if (key_start >= 2 && b[key_start - 1] == ':' && b[key_start - 2] == ':')
		return LW_REJECT;
	/* "PASS: test/name.exp": a test's result, not a key */
	if (to - from == 4 && !memcmp(b + from, "PASS", 4) && to < v->len && b[to] == ':' &&
	    (from == 0 || !isalnum((unsigned char)b[from - 1])) && (from == 0 || b[from - 1] != '_'))
		return LW_REJECT;
	if (cli) {
		vd = sep_value(rr, v, to + 1, false, false, s0, e0, quoted);
		if (vd == LW_FOUND && *e0 > *s0 && b[*s0] == '-')
			return LW_REJECT;
	} else {
		/* ('db_password', 'value'): a comma separates only a key in quotes */
		vd = sep_value(rr, v, to, true, key_start > 0 && (b[key_start - 1] == '\'' || b[key_start - 1] == '"'),
			       s0, e0, quoted);
	}
	/* the key's other words, once a value is there to judge (most keywords have none) */
	return vd == LW_FOUND && harmless_key(b, v->len, from) ? LW_REJECT : vd;
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
	case LW_LB_BASE64: return !isalnum(c) && c != '+' && c != '/';
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
	case LW_EX_KUBE:
		return kubedata__resolve(v, from, to, out);
	case LW_EX_URI:
		vd = uricred__resolve(v, from, to, &s, &e, &out->alt);
		break;
	case LW_EX_ASSIGN:
		vd = assign(rr, v, from, to, &s, &e, &quoted);
		break;
	case LW_EX_VALUE:
		vd = value(rr, v, from, to, &s, &e, &quoted);
		break;
	case LW_EX_TAIL:
		vd = tail(rr, v, to, &s, &e, &quoted);
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
			if (vd == LW_REJECT) {
				/* too long: where it stopped, for the veto */
				out->start = from;
				out->end = e;
			}
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

/*
 * The keywords a rule needs, and those that pick its alternate, on the
 * secret's own line: a neighbour's keyword says nothing.
 */
static enum lw_verdict context(const struct lw_rt_rule *rr, const struct lw_view *v, struct lw_extent *out)
{
	size_t lo = out->start > LW_KW_BACK ? out->start - LW_KW_BACK : 0;
	size_t hi = v->len - out->end > LW_KW_AHEAD ? out->end + LW_KW_AHEAD : v->len;
	const char *nl;
	bool more;

	if (!rr->kw.n && !rr->altkw.n)
		return LW_FOUND;
	if ((nl = memrchr(v->buf + lo, '\n', out->start - lo)))
		lo = (size_t)(nl - v->buf) + 1;
	if ((nl = memchr(v->buf + out->end, '\n', hi - out->end)))
		hi = (size_t)(nl - v->buf);
	/* the line goes on past what there is: its keywords may be still to come */
	more = !nl && hi == v->len && !v->final;
	if (rr->kw.n && !has_keyword(&rr->kw, rr->r.kw_all, v->buf + lo, hi - lo))
		return more ? LW_OPEN : LW_REJECT;
	if (rr->altkw.n && has_keyword(&rr->altkw, false, v->buf + lo, hi - lo))
		out->alt = true;
	else if (rr->altkw.n && more)
		return LW_OPEN;
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
	/* a vendor's prefix in the wrong shape ("...EXTRA", a length short) is no one's secret */
	out->veto = r->prio == LW_PRIO_TOKEN && r->ex == LW_EX_WHOLE && !rr->kw.n && !r->loose && out->end > out->start;
	if (vd == LW_REJECT && out->veto && !left_ok(rr, v, out->start))
		out->veto = false;
	if (vd != LW_FOUND)
		return vd;
	sec = v->buf + out->start;
	n = out->end - out->start;
	/* "abc\" + "/def" split across feeds: wait to see the escape whole */
	if (!v->final && out->end < v->len && v->len - out->end < 6 &&
	    (v->buf[out->end] == '\\' || v->buf[out->end] == '%'))
		return LW_OPEN;
	if (!left_ok(rr, v, out->start))
		return out->veto = false, LW_REJECT; /* inside a longer word: not this vendor's */
	if (n < (r->min_len ? r->min_len : 1) || (r->max_len && n > r->max_len))
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
	if (r->ex != LW_EX_PEM && r->ex != LW_EX_GCP_SA && placeholder__match(sec, n))
		return LW_REJECT;
	/* a token glued to junk ("...AA!", "...EXTRA") is a mangled copy, not the token */
	if (r->prio == LW_PRIO_TOKEN && out->end < v->len && v->buf[out->end] == '!')
		return LW_REJECT;
	out->veto = false;
	return context(rr, v, out);
}
