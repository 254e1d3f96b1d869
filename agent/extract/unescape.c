// SPDX-License-Identifier: Apache-2.0
#include "extract/unescape.h"

static int hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The byte an escape at s stands for and its length, or 0 for none. */
static size_t escape(const char *s, size_t n, char *out)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] == '\\' && n >= 2) {
		switch (u[1]) {
		case '/': case '"': case '\\': case '\'': *out = (char)u[1]; return 2;
		case 'n': *out = '\n'; return 2;
		case 'r': *out = '\r'; return 2;
		case 't': *out = '\t'; return 2;
		case 'u':
			if (n >= 6 && u[2] == '0' && u[3] == '0' && hex(u[4]) >= 0 && hex(u[5]) >= 0) {
				int v = hex(u[4]) << 4 | hex(u[5]);

				if (v >= 0x20 && v < 0x7f) {
					*out = (char)v;
					return 6;
				}
			}
			return 0;
		default: return 0;
		}
	}
	if (u[0] == '%' && n >= 3 && hex(u[1]) >= 0 && hex(u[2]) >= 0) {
		int v = hex(u[1]) << 4 | hex(u[2]);

		if (v >= 0x20 && v < 0x7f) {
			*out = (char)v;
			return 3;
		}
	}
	return 0;
}

size_t unescape__decode(const char *src, size_t n, char *dst, uint32_t *map)
{
	size_t i = 0, o = 0, k;

	while (i < n) {
		char c = src[i];

		k = (c == '\\' || c == '%') ? escape(src + i, n - i, &c) : 0;
		map[o] = (uint32_t)i;
		dst[o++] = c;
		i += k ? k : 1;
	}
	map[o] = (uint32_t)n;
	return o;
}
