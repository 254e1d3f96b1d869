// SPDX-License-Identifier: Apache-2.0
#include "net/url.h"

#include <string.h>

void url__encode_n(FILE *f, const char *s, size_t n, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; s && i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		    c == '.' || c == '_' || c == '~' || c == ':' || (keep_slash && c == '/')) {
			fputc(c, f);
		} else {
			fputc('%', f);
			fputc(hex[c >> 4], f);
			fputc(hex[c & 15], f);
		}
	}
}

void url__encode(FILE *f, const char *s, bool keep_slash)
{
	if (s)
		url__encode_n(f, s, strlen(s), keep_slash);
}

const char *url__segment_between(const char *path, const char *prefix, const char *suffix, char *out,
				 size_t size)
{
	size_t np = strlen(prefix), ns = strlen(suffix), n;

	if (strncmp(path, prefix, np))
		return NULL;
	path += np;
	n = strlen(path);
	if (n <= ns || strcmp(path + n - ns, suffix))
		return NULL;
	n -= ns;
	if (n >= size || memchr(path, '/', n))
		return NULL;
	memcpy(out, path, n);
	out[n] = '\0';
	return out;
}
