/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Room in an array that grows as it is filled: the one doubling policy of
 * the lists and buffers of both binaries.
 */
#ifndef LW_GROW_H
#define LW_GROW_H

#include <stddef.h>

/*
 * Makes *items, with room for *cap items of size bytes, hold at least need
 * of them, doubling from first. 0, or -ENOMEM with *items and *cap as they
 * were.
 */
int grow__reserve(void **items, size_t *cap, size_t need, size_t size, size_t first);

#endif
