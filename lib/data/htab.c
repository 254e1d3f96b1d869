// SPDX-License-Identifier: Apache-2.0
#include "data/htab.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct node {
	struct node *next;
	void *value;
	unsigned char key[];
};

struct htab {
	size_t key_size;
	size_t count;
	size_t n_buckets; /* power of two */
	struct node **buckets;
};

/* FNV-1a: keys are small (inode keys, fingerprints) */
static size_t hash(const struct htab *h, const void *key)
{
	const unsigned char *p = key;
	uint64_t x = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < h->key_size; i++) {
		x ^= p[i];
		x *= 0x100000001b3ULL;
	}
	return (size_t)(x ^ (x >> 29)) & (h->n_buckets - 1);
}

struct htab *htab__new(size_t key_size)
{
	struct htab *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->key_size = key_size;
	h->n_buckets = 64;
	h->buckets = calloc(h->n_buckets, sizeof(*h->buckets));
	if (!h->buckets) {
		free(h);
		return NULL;
	}
	return h;
}

void htab__free(struct htab *h, void (*free_value)(void *))
{
	if (!h)
		return;
	for (size_t b = 0; b < h->n_buckets; b++) {
		for (struct node *n = h->buckets[b], *next; n; n = next) {
			next = n->next;
			if (free_value)
				free_value(n->value);
			free(n);
		}
	}
	free(h->buckets);
	free(h);
}

static struct node **slot(const struct htab *h, const void *key)
{
	struct node **pp = &h->buckets[hash(h, key)];

	while (*pp && memcmp((*pp)->key, key, h->key_size))
		pp = &(*pp)->next;
	return pp;
}

void *htab__get(const struct htab *h, const void *key)
{
	struct node *n = *slot(h, key);

	return n ? n->value : NULL;
}

static void grow(struct htab *h)
{
	size_t nb = h->n_buckets * 2;
	struct node **buckets = calloc(nb, sizeof(*buckets));
	struct htab bigger = *h;

	if (!buckets)
		return; /* keep working with longer chains */
	bigger.n_buckets = nb;
	bigger.buckets = buckets;
	for (size_t b = 0; b < h->n_buckets; b++) {
		for (struct node *n = h->buckets[b], *next; n; n = next) {
			size_t i = hash(&bigger, n->key);

			next = n->next;
			n->next = buckets[i];
			buckets[i] = n;
		}
	}
	free(h->buckets);
	h->buckets = buckets;
	h->n_buckets = nb;
}

int htab__put(struct htab *h, const void *key, void *value)
{
	struct node **pp = slot(h, key), *n;

	if (*pp) {
		(*pp)->value = value;
		return 0;
	}
	n = malloc(sizeof(*n) + h->key_size);
	if (!n)
		return -ENOMEM;
	memcpy(n->key, key, h->key_size);
	n->value = value;
	n->next = NULL;
	*pp = n;
	if (++h->count > h->n_buckets)
		grow(h);
	return 0;
}

void *htab__del(struct htab *h, const void *key)
{
	struct node **pp = slot(h, key), *n = *pp;
	void *value;

	if (!n)
		return NULL;
	*pp = n->next;
	value = n->value;
	free(n);
	h->count--;
	return value;
}

size_t htab__count(const struct htab *h)
{
	return h->count;
}

void htab__iter_init(struct htab_iter *it)
{
	it->bucket = 0;
	it->next = NULL;
}

bool htab__next(const struct htab *h, struct htab_iter *it, const void **key, void **value)
{
	struct node *n = it->next;

	while (!n && it->bucket < h->n_buckets)
		n = h->buckets[it->bucket++];
	if (!n)
		return false;
	it->next = n->next;
	if (key)
		*key = n->key;
	if (value)
		*value = n->value;
	return true;
}
