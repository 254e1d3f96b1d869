// SPDX-License-Identifier: Apache-2.0
#include "glob.h"

#include <stddef.h>
#include <string.h>

/* Matches one [class] at *p against c; advances *p past it. */
static bool class_match(const char **p, char c)
{
	const char *s = *p + 1;
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
	*p = *s ? s + 1 : s;
	return hit != negate;
}

/* Depth bounds the backtracking a hostile pattern could cause. */
static bool match(const char *p, const char *s, int depth)
{
	if (depth > 64)
		return false;
	while (*p) {
		if (p[0] == '*' && p[1] == '*') {
			p += 2;
			/* "**" followed by "/" may also match no directory at all */
			if (*p == '/' && match(p + 1, s, depth + 1))
				return true;
			for (const char *t = s;; t++) {
				if (match(p, t, depth + 1))
					return true;
				if (!*t)
					return false;
			}
		}
		if (*p == '*') {
			p++;
			for (const char *t = s;; t++) {
				if (match(p, t, depth + 1))
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
			if (*s == '/' || !class_match(&p, *s))
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
	return match(pattern, path, 0);
}

const char *glob__check(const char *pattern)
{
	if (!*pattern)
		return "empty pattern";
	if (pattern[0] != '/' && strncmp(pattern, "**", 2))
		return "must start with / or **";
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
