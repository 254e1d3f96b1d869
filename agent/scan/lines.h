/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Counting lines in a block of text, for a finding's line number: 64 bytes
 * at a time, since a retro-scan counts every newline it reads and a call
 * of memchr per line cost a sixth of its time.
 */
#ifndef LW_SCAN_LINES_H
#define LW_SCAN_LINES_H

#include <stddef.h>
#include <stdint.h>

/* How many '\n' there are in p[0..n). */
size_t lines__count(const char *p, size_t n);

/*
 * Moves a line count over p[0..n), the bytes from stream offset off:
 * *line grows by the newlines in them, and *line_at becomes the offset
 * just past the last one, where the current line starts.
 */
void lines__advance(const char *p, size_t n, uint64_t off, uint64_t *line,
		    uint64_t *line_at);

#endif
