// SPDX-License-Identifier: Apache-2.0
#include "scan/lines.h"

#include <string.h>

/* GCC's vector extension: SSE2 on x86-64, NEON on arm64, the same source */
typedef unsigned char bytes16 __attribute__((vector_size(16)));

size_t lines__count(const char *p, size_t n)
{
	size_t count = 0, i = 0;

	while (n - i >= 16) {
		bytes16 lanes = { 0 };

		/* each lane counts to 255 at most before it is added up */
		for (int k = 0; k < 255 && n - i >= 16; k++, i += 16) {
			bytes16 v;

			memcpy(&v, p + i, sizeof(v));
			lanes -= (bytes16)(v == '\n'); /* a match is all ones: -(-1) */
		}
		for (int l = 0; l < 16; l++)
			count += lanes[l];
	}
	for (; i < n; i++)
		count += p[i] == '\n';
	return count;
}

void lines__advance(const char *p, size_t n, uint64_t off, uint64_t *line,
		    uint64_t *line_at)
{
	const char *last = n ? memrchr(p, '\n', n) : NULL;

	if (!last)
		return;
	*line += lines__count(p, (size_t)(last - p));
	*line += 1;
	*line_at = off + (uint64_t)(last + 1 - p);
}
