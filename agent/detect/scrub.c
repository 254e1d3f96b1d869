// SPDX-License-Identifier: Apache-2.0
#include "detect/scrub.h"

#include <string.h>

static struct scanner *scrubber;

void scrub__set_scanner(struct scanner *s)
{
	scrubber = s;
}

static int blank(void *ctx, const struct lw_scan_match *m)
{
	char *text = ctx;
	size_t len = strlen(text);

	for (uint64_t i = m->start; i < m->end && i < len; i++)
		text[i] = '*';
	return 0;
}

void scrub__text(char *text)
{
	if (scrubber && text && *text)
		scanner__scan(scrubber, text, strlen(text), blank, text);
}
