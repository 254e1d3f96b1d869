/* SPDX-License-Identifier: Apache-2.0 */
/* Hexadecimal, for digests, keys, tokens and percent-escapes. */
#ifndef LW_HEX_H
#define LW_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit (either case), or -1. */
int hex__digit(int c);
/* n bytes as 2n lowercase digits and a NUL into out (2n + 1 bytes). */
void hex__encode(const uint8_t *b, size_t n, char *out);
/* 2n digits into n bytes; -1 at the first that is not a digit. */
int hex__decode(const char *s, size_t n, uint8_t *out);

#endif
