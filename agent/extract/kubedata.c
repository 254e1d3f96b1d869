// SPDX-License-Identifier: Apache-2.0
#include "extract/kubedata.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "rules/placeholder.h"
#include "rules/validate.h"

struct span {
	size_t s, e;
};

/* ---- one entry: is its value a secret? ---- */

static bool key_has(const char *key, const char *const *words)
{
	for (; *words; words++)
		if (strstr(key, *words))
			return true;
	return false;
}

static bool contains(const uint8_t *b, size_t n, const char *s)
{
	return memmem(b, n, s, strlen(s)) != NULL;
}

static bool secret_value(const char *b, struct span k, struct span val)
{
	static const char *const credential[] = {
		"pass", "pwd", "secret", "token", "key", "auth", "cred", "private", "cookie", "session", "signing",
		"dockerconfig", "dockercfg", "salt", "htpasswd", NULL,
	};
	static const char *const harmless[] = {
		"user", "login", "host", "port", "database", "dbname", "namespace", "region", "endpoint", "email",
		".crt", "cert", "ca-bundle", "ca_bundle", NULL,
	};
	uint8_t dec[2048];
	char key[64];
	size_t kn = k.e - k.s, n = val.e - val.s;
	long dn;

	/* kubectl writes padded base64 */
	if (n < 8 || n % 4 || n / 4 * 3 > sizeof(dec))
		return false;
	dn = validate__b64_decode(b + val.s, n, dec, sizeof(dec));
	while (dn > 0 && (dec[dn - 1] == '\n' || dec[dn - 1] == '\r'))
		dn--;
	if (dn < 4 || !validate__text(dec, (size_t)dn) || placeholder__match((const char *)dec, (size_t)dn))
		return false;
	if (kn >= sizeof(key))
		kn = sizeof(key) - 1;
	for (size_t i = 0; i < kn; i++)
		key[i] = (char)tolower((unsigned char)b[k.s + i]);
	key[kn] = '\0';
	if (contains(dec, (size_t)dn, "-----BEGIN "))
		return contains(dec, (size_t)dn, "PRIVATE KEY");
	/* a connection string holds its password whatever its key is called */
	if (contains(dec, (size_t)dn, "://") && memchr(dec, '@', (size_t)dn) && memchr(dec, ':', (size_t)dn))
		return true;
	if (key_has(key, credential))
		return true;
	if (key_has(key, harmless))
		return false;
	return dn >= 12 && validate__entropy((const char *)dec, (size_t)dn) >= 3.0 &&
	       validate__class_count((const char *)dec, (size_t)dn) >= 2;
}

/* ---- YAML: "  key: dmFsdWU=" lines under "data:" ---- */

static size_t indent_of(const char *b, size_t i, size_t len)
{
	size_t k = i;

	while (k < len && (b[k] == ' ' || b[k] == '\t'))
		k++;
	return k - i;
}

static size_t line_end(const char *b, size_t i, size_t len)
{
	const char *nl = memchr(b + i, '\n', len - i);

	return nl ? (size_t)(nl - b) : len;
}

/* key: value on [i, e); false for anything else (a comment, a block scalar) */
static bool yaml_entry(const char *b, size_t i, size_t e, struct span *k, struct span *val)
{
	size_t c;

	while (e > i && (b[e - 1] == '\r' || b[e - 1] == ' ' || b[e - 1] == '\t'))
		e--;
	i += indent_of(b, i, e);
	if (i < e && (b[i] == '"' || b[i] == '\''))
		i++;
	k->s = i;
	for (c = i; c < e && b[c] != ':' && b[c] != ' ' && b[c] != '"' && b[c] != '\''; c++)
		;
	k->e = c;
	while (c < e && (b[c] == '"' || b[c] == '\''))
		c++;
	if (c >= e || b[c] != ':' || k->e == k->s)
		return false;
	for (c++; c < e && (b[c] == ' ' || b[c] == '\t');)
		c++;
	if (c < e && (b[c] == '"' || b[c] == '\'') && e - c >= 2 && b[e - 1] == b[c]) {
		c++;
		e--;
	}
	val->s = c;
	val->e = e;
	return e > c;
}

/*
 * The entries at indent ind from line start i: the first secret among them.
 * Open while the map may go on past the view.
 */
static enum lw_verdict yaml_walk(const struct lw_view *v, size_t i, size_t ind, size_t limit, struct lw_extent *out)
{
	const char *b = v->buf;
	bool found = false;

	while (i < v->len && i < limit) {
		size_t e = line_end(b, i, v->len), in = indent_of(b, i, e);
		struct span k, val;

		if (e == v->len && !v->final && e < limit)
			return LW_OPEN;
		if (in == e - i || (in + i < e && b[in + i] == '\r')) {
			i = e + 1; /* a blank line */
			continue;
		}
		if (in < ind)
			break;
		if (in == ind && !found && yaml_entry(b, i, e, &k, &val) && secret_value(b, k, val)) {
			out->start = val.s;
			out->end = val.e;
			out->next = e < v->len ? e + 1 : 0;
			found = true;
			if (out->next >= v->len)
				out->next = 0;
			/* the rest of the map is for the next call; only its end must be in view */
		}
		i = e + 1;
	}
	if (i >= v->len && !v->final && i < limit)
		return LW_OPEN;
	return found ? LW_FOUND : LW_REJECT;
}

/* ---- JSON: "data": {"key": "dmFsdWU=", ...} ---- */

static size_t ws(const char *b, size_t i, size_t len)
{
	while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
		i++;
	return i;
}

/* A string at i ("..." or \"...\" escaped into another string); its inside in sp. */
static bool json_string(const char *b, size_t len, size_t *i, struct span *sp)
{
	size_t k = *i;
	bool esc = k < len && b[k] == '\\';

	if (esc)
		k++;
	if (k >= len || b[k] != '"')
		return false;
	sp->s = ++k;
	for (; k < len && b[k] != '\n'; k++) {
		if (esc && b[k] == '\\' && k + 1 < len && b[k + 1] == '"')
			break;
		if (!esc && b[k] == '\\') {
			k++;
			continue;
		}
		if (!esc && b[k] == '"')
			break;
	}
	if (k >= len || b[k] == '\n')
		return false;
	sp->e = k;
	*i = k + (esc ? 2 : 1);
	return true;
}

/* Skips a value that is not a string: a number, or a nested object or array. */
static bool json_skip(const char *b, size_t len, size_t *i)
{
	int depth = 0;

	for (size_t k = *i; k < len; k++) {
		if (b[k] == '{' || b[k] == '[')
			depth++;
		else if ((b[k] == '}' || b[k] == ']') && depth-- == 0)
			return *i = k, true;
		else if (b[k] == ',' && depth == 0)
			return *i = k, true;
	}
	return false;
}

/* From i (just inside the '{', or at the ',' after an entry): the first secret. */
static enum lw_verdict json_walk(const struct lw_view *v, size_t i, size_t limit, struct lw_extent *out)
{
	const char *b = v->buf;
	size_t len = v->len < limit ? v->len : limit;

	for (;;) {
		struct span k, val;

		i = ws(b, i, len);
		if (i < len && b[i] == ',')
			i = ws(b, i + 1, len);
		if (i < len && b[i] == '}')
			return LW_REJECT;
		if (!json_string(b, len, &i, &k))
			break;
		i = ws(b, i, len);
		if (i >= len || b[i] != ':')
			break;
		i = ws(b, i + 1, len);
		if (json_string(b, len, &i, &val)) {
			if (secret_value(b, k, val)) {
				out->start = val.s;
				out->end = val.e;
				out->next = i;
				return LW_FOUND;
			}
		} else if (!json_skip(b, len, &i)) {
			break;
		}
	}
	return i >= len && !v->final && len == v->len ? LW_OPEN : LW_REJECT;
}

enum lw_verdict kubedata__resolve(const struct lw_view *v, size_t from, size_t to, struct lw_extent *out)
{
	const char *b = v->buf;
	size_t limit = from + LW_KUBE_MAX, first;

	if (from == to) {
		/* a later entry of a map whose end was in view at the first call */
		if (b[from] == ',')
			return json_walk(v, from, limit, out) == LW_FOUND ? LW_FOUND : LW_REJECT;
		return yaml_walk(v, from, indent_of(b, from, v->len), limit, out) == LW_FOUND ? LW_FOUND
												: LW_REJECT;
	}
	if (b[to - 1] == '{') {
		/* the later entries are read by later calls: the map's end must be in view now */
		int depth = 0;
		size_t k;

		for (k = to; k < v->len && k < limit && depth >= 0; k++)
			depth += b[k] == '{' ? 1 : b[k] == '}' ? -1 : 0;
		if (depth >= 0 && k == v->len && !v->final)
			return LW_OPEN;
		return json_walk(v, to, limit, out);
	}
	/* YAML: entries are indented deeper than "data:" itself */
	first = ws(b, to, v->len);
	while (first > to && b[first - 1] != '\n')
		first--;
	if (first >= v->len)
		return v->final ? LW_REJECT : LW_OPEN;
	if (indent_of(b, first, v->len) <= indent_of(b, from + (b[from] == '\n'), v->len))
		return LW_REJECT;
	return yaml_walk(v, first, indent_of(b, first, v->len), limit, out);
}
