/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Undoes the encodings that hide a token from its pattern: JSON string
 * escapes (\/, \", \\, \n, \u002F) and URL percent-encoding (%2F, %3D ...).
 * Keeps, for every decoded byte, where it came from, so a finding in the
 * decoded copy is reported at its place in the original.
 */
#ifndef LW_UNESCAPE_H
#define LW_UNESCAPE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes src[0..n) into dst (room for n bytes). map gets n + 1 entries:
 * map[i] is the source offset of dst[i], and map[out] == n. Returns the
 * decoded length. Only printable ASCII is decoded; other escapes stay.
 */
size_t unescape__decode(const char *src, size_t n, char *dst, uint32_t *map);

#endif
