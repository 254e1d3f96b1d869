// SPDX-License-Identifier: Apache-2.0
#include "attrib/hostfs.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static char root[256];

void hostfs__set_root(const char *prefix)
{
	size_t n;

	snprintf(root, sizeof(root), "%s", prefix ? prefix : "");
	n = strlen(root);
	while (n > 0 && root[n - 1] == '/')
		root[--n] = '\0';
}

const char *hostfs__root(void)
{
	return root;
}

char *hostfs__path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int a, b;

	a = snprintf(buf, len, "%s", root);
	if (a < 0 || (size_t)a >= len)
		return NULL;
	va_start(ap, fmt);
	b = vsnprintf(buf + a, len - (size_t)a, fmt, ap);
	va_end(ap);
	if (b < 0 || (size_t)(a + b) >= len)
		return NULL;
	return buf;
}
