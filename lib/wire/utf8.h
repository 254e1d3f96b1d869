/* SPDX-License-Identifier: Apache-2.0 */
/*
 * UTF-8 as the wire and the rules take it: the collector refuses an event
 * string that is not, and the agent's "decodes to text" checks want it.
 */
#ifndef LW_WIRE_UTF8_H
#define LW_WIRE_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
bool utf8__valid(const char *s, size_t len);

#endif
