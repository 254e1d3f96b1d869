// SPDX-License-Identifier: Apache-2.0
#include "probes/json.h"

#include <string.h>

static size_t skip_ws(const uint8_t *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

/* Past the string opening at s[i] == '"'. */
static size_t skip_string(const uint8_t *s, size_t i, size_t n)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return n;
}

/* Past the value starting at s[i]. */
static size_t skip_value(const uint8_t *s, size_t i, size_t n)
{
	int depth = 0;

	if (i < n && s[i] == '"')
		return skip_string(s, i, n);
	for (; i < n; i++) {
		uint8_t c = s[i];

		if (c == '"') {
			i = skip_string(s, i, n) - 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return i;
			if (--depth == 0)
				return i + 1;
		} else if (depth == 0 && (c == ',' || c == ' ' || c == '\r' || c == '\n' || c == '\t')) {
			return i;
		}
	}
	return n;
}

bool json__key(const uint8_t *s, size_t n, const char *key, const uint8_t **val, size_t *len)
{
	size_t k = strlen(key), i = skip_ws(s, 0, n);

	if (i >= n || s[i] != '{')
		return false;
	i++;
	while ((i = skip_ws(s, i, n)) < n && s[i] == '"') {
		size_t name = i + 1, end = skip_string(s, i, n), v;

		i = skip_ws(s, end, n);
		if (i >= n || s[i] != ':')
			return false;
		v = skip_ws(s, i + 1, n);
		i = skip_value(s, v, n);
		if (end - name - 1 == k && !memcmp(s + name, key, k)) {
			*val = s + v;
			*len = i - v;
			return true;
		}
		i = skip_ws(s, i, n);
		if (i < n && s[i] == ',')
			i++;
	}
	return false;
}

long json__array_len(const uint8_t *s, size_t n, const char *key)
{
	const uint8_t *v = s;
	size_t len = n, i;
	long count = 0;

	if (key && *key && !json__key(s, n, key, &v, &len))
		return -1;
	i = skip_ws(v, 0, len);
	if (i >= len || v[i] != '[')
		return -1;
	i = skip_ws(v, i + 1, len);
	if (i < len && v[i] == ']')
		return 0;
	while (i < len) {
		i = skip_value(v, skip_ws(v, i, len), len);
		count++;
		i = skip_ws(v, i, len);
		if (i >= len || v[i] != ',')
			break;
		i++;
	}
	return count;
}

bool json__string(const uint8_t *s, size_t n, const char *key, char *out, size_t len)
{
	const uint8_t *v;
	size_t vlen, o = 0;

	if (!len || !json__key(s, n, key, &v, &vlen) || vlen < 2 || v[0] != '"')
		return false;
	for (size_t i = 1; i < vlen && v[i] != '"' && o + 1 < len; i++) {
		if (v[i] == '\\')
			i++;
		if (i < vlen && v[i] >= 0x20 && v[i] <= 0x7e)
			out[o++] = (char)v[i];
	}
	out[o] = '\0';
	return true;
}
