/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Just enough JSON for a probe to tell a service's reply by its shape: a
 * top-level key, the length of an array, a short string such as a version.
 * A scanner over the bytes, no tree, no allocation; a truncated document
 * (the reply bound) yields what came before the cut.
 */
#ifndef LW_PROBE_JSON_H
#define LW_PROBE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value of key in the top-level object: its first byte and length. */
bool json__key(const uint8_t *s, size_t n, const char *key, const uint8_t **val, size_t *len);
/* Elements of the array at key in the top-level object ("" or NULL: the
 * document itself is the array); -1 when it is no array. */
long json__array_len(const uint8_t *s, size_t n, const char *key);
/* A string value at key in the top-level object, unescaped only as far as
 * printable ASCII goes, cut to len; false when absent or not a string. */
bool json__string(const uint8_t *s, size_t n, const char *key, char *out, size_t len);

#endif
