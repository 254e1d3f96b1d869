// SPDX-License-Identifier: Apache-2.0
#include "listeners/socktab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "data/grow.h"

struct endpoint {
	struct lw_listener opened; /* the finding reported when it opened */
	uint64_t *inodes;
	size_t n_inodes;
};

/* A host has tens to thousands of listeners and they change rarely: a
 * plain array is enough. */
struct socktab {
	struct endpoint *eps;
	size_t n;
	size_t cap;
};

struct socktab *socktab__new(void)
{
	return calloc(1, sizeof(struct socktab));
}

void socktab__free(struct socktab *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->eps[i].inodes);
	free(t->eps);
	free(t);
}

static bool same_endpoint(const struct lw_listener *a, const struct lw_listener *b)
{
	return a->netns_ino == b->netns_ino && a->protocol == b->protocol && a->port == b->port &&
	       addr__equal(&a->addr, &b->addr);
}

static struct endpoint *find(struct socktab *t, const struct lw_listener *l)
{
	for (size_t i = 0; i < t->n; i++)
		if (same_endpoint(&t->eps[i].opened, l))
			return &t->eps[i];
	return NULL;
}

static int push_inode(struct endpoint *ep, uint64_t ino)
{
	uint64_t *grown = realloc(ep->inodes, (ep->n_inodes + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	ep->inodes = grown;
	ep->inodes[ep->n_inodes++] = ino;
	return 0;
}

bool socktab__has(struct socktab *t, const struct lw_listener *l)
{
	return find(t, l) != NULL;
}

struct lw_listener *socktab__find(struct socktab *t, const struct lw_listener *l)
{
	struct endpoint *ep = find(t, l);

	return ep ? &ep->opened : NULL;
}

int socktab__add(struct socktab *t, const struct lw_listener *l)
{
	struct endpoint *ep = find(t, l);

	if (ep) {
		for (size_t i = 0; l->sock_ino && i < ep->n_inodes; i++)
			if (ep->inodes[i] == l->sock_ino)
				return 0;
		return push_inode(ep, l->sock_ino) ?: 0;
	}
	if (grow__reserve((void **)&t->eps, &t->cap, t->n + 1, sizeof(*t->eps), 32))
		return -ENOMEM;
	ep = &t->eps[t->n];
	memset(ep, 0, sizeof(*ep));
	ep->opened = *l;
	if (push_inode(ep, l->sock_ino))
		return -ENOMEM;
	t->n++;
	return 1;
}

int socktab__remove(struct socktab *t, const struct lw_listener *l, struct lw_listener *opened)
{
	struct endpoint *ep = find(t, l);
	size_t i;

	if (!ep)
		return 0;
	for (i = 0; i < ep->n_inodes; i++)
		if (!l->sock_ino || ep->inodes[i] == l->sock_ino)
			break;
	if (i == ep->n_inodes)
		return 0; /* a socket we never saw open, e.g. closed during start-up */
	ep->inodes[i] = ep->inodes[--ep->n_inodes];
	if (ep->n_inodes)
		return 0;
	*opened = ep->opened;
	free(ep->inodes);
	*ep = t->eps[--t->n];
	return 1;
}

void socktab__each(struct socktab *t, void (*fn)(void *ctx, struct lw_listener *opened), void *ctx)
{
	for (size_t i = 0; i < t->n; i++)
		fn(ctx, &t->eps[i].opened);
}

size_t socktab__count(const struct socktab *t)
{
	return t->n;
}
