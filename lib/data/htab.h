/* SPDX-License-Identifier: Apache-2.0 */
/* A hash table from fixed-size keys to pointers, for the agent's caches. */
#ifndef LW_HTAB_H
#define LW_HTAB_H

#include <stdbool.h>
#include <stddef.h>

struct htab;

struct htab_iter {
	size_t bucket;
	void *next; /* fetched ahead, so the current entry may be deleted */
};

struct htab *htab__new(size_t key_size);
/* free_value is called on each value; NULL leaves them alone. */
void htab__free(struct htab *h, void (*free_value)(void *));
void *htab__get(const struct htab *h, const void *key);
/* Inserts or replaces; -ENOMEM on failure. */
int htab__put(struct htab *h, const void *key, void *value);
/* Removes the key and returns its value, or NULL. */
void *htab__del(struct htab *h, const void *key);
size_t htab__count(const struct htab *h);

void htab__iter_init(struct htab_iter *it);
bool htab__next(const struct htab *h, struct htab_iter *it, const void **key, void **value);

#endif
