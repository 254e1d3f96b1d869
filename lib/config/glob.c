// SPDX-License-Identifier: Apache-2.0
#include "config/glob.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Matches one [class] at p against c; *next is set past the class. */
static bool class_match(const char *p, char c, const char **next)
{
	const char *s = p + 1;
	bool negate = false, hit = false;

	if (*s == '!' || *s == '^') {
		negate = true;
		s++;
	}
	/* a ']' right after '[' or '[!' is a literal member */
	do {
		char lo = *s, hi = lo;

		if (s[1] == '-' && s[2] && s[2] != ']') {
			hi = s[2];
			s += 2;
		}
		if (c >= lo && c <= hi)
			hit = true;
		s++;
	} while (*s && *s != ']');
	*next = *s ? s + 1 : s;
	return hit != negate;
}

/*
 * Backtracking over `*` and `**` would be exponential on a pattern like
 * a*a*a*b; remembering which (pattern, path) positions already failed
 * bounds the work by their product.
 */
struct matcher {
	const char *pat, *path;
	size_t plen, slen;
	uint8_t *failed; /* bit per (pattern offset, path offset) */
};

static bool seen_failed(struct matcher *m, const char *p, const char *s)
{
	size_t bit = (size_t)(p - m->pat) * (m->slen + 1) + (size_t)(s - m->path);

	return m->failed[bit / 8] & (1u << (bit % 8));
}

static void mark_failed(struct matcher *m, const char *p, const char *s)
{
	size_t bit = (size_t)(p - m->pat) * (m->slen + 1) + (size_t)(s - m->path);

	m->failed[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static bool match(struct matcher *m, const char *p, const char *s);

static bool match_from(struct matcher *m, const char *p, const char *s)
{
	bool ok;

	if (seen_failed(m, p, s))
		return false;
	ok = match(m, p, s);
	if (!ok)
		mark_failed(m, p, s);
	return ok;
}

static bool match(struct matcher *m, const char *p, const char *s)
{
	while (*p) {
		if (p[0] == '*' && p[1] == '*') {
			p += 2;
			/* "**" followed by "/" may also match no directory at all */
			if (*p == '/' && match_from(m, p + 1, s))
				return true;
			for (const char *t = s;; t++) {
				if (match_from(m, p, t))
					return true;
				if (!*t)
					return false;
			}
		}
		if (*p == '*') {
			p++;
			for (const char *t = s;; t++) {
				if (match_from(m, p, t))
					return true;
				if (!*t || *t == '/')
					return false;
			}
		}
		if (!*s)
			return false;
		if (*p == '?') {
			if (*s == '/')
				return false;
			p++;
		} else if (*p == '[') {
			if (*s == '/' || !class_match(p, *s, &p))
				return false;
		} else {
			if (*p != *s)
				return false;
			p++;
		}
		s++;
	}
	return *s == '\0';
}

bool glob__match(const char *pattern, const char *path)
{
	struct matcher m = { pattern, path, strlen(pattern), strlen(path), NULL };
	size_t bits = (m.plen + 1) * (m.slen + 1);
	bool ok;

	/* patterns without wildcards need no memory */
	if (!strpbrk(pattern, "*?["))
		return !strcmp(pattern, path);
	m.failed = calloc(bits / 8 + 1, 1);
	if (!m.failed)
		return false;
	ok = match(&m, pattern, path);
	free(m.failed);
	return ok;
}

const char *glob__check(const char *pattern)
{
	if (!*pattern)
		return "empty pattern";
	if (pattern[0] != '/' && strncmp(pattern, "**", 2))
		return "must start with / or **";
	if (strlen(pattern) > 1024)
		return "longer than 1024 characters";
	for (const char *p = pattern; *p; p++) {
		if (*p == '[') {
			const char *close = strchr(p + 2, ']');

			if (!close)
				return "unclosed [";
			p = close;
		}
	}
	return NULL;
}
