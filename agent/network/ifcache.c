// SPDX-License-Identifier: Apache-2.0
#include "network/ifcache.h"

#include <errno.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "os/clock.h"
#include "network/netns.h"

struct entry {
	uint32_t ino;
	uint64_t fetched_ms;
	struct lw_ifaddr *ifs;
	size_t n;
};

struct ifcache {
	uint64_t ttl_ms;
	struct entry *entries;
	size_t n;
};

struct ifcache *ifcache__new(uint64_t ttl_ms)
{
	struct ifcache *c = calloc(1, sizeof(*c));

	if (c)
		c->ttl_ms = ttl_ms;
	return c;
}

void ifcache__set_ttl(struct ifcache *c, uint64_t ttl_ms)
{
	c->ttl_ms = ttl_ms;
}

void ifcache__free(struct ifcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->entries[i].ifs);
	free(c->entries);
	free(c);
}

/* Namespaces come and go with pods; forget the ones not asked about lately. */
static void expire(struct ifcache *c, uint64_t now)
{
	uint64_t keep = c->ttl_ms * 10 + 60000;
	size_t j = 0;

	for (size_t i = 0; i < c->n; i++) {
		if (now - c->entries[i].fetched_ms > keep) {
			free(c->entries[i].ifs);
			continue;
		}
		c->entries[j++] = c->entries[i];
	}
	c->n = j;
}

static int fetch(uint32_t ino, const char *ns_path, uint32_t pid_hint, struct lw_ifaddr **ifs, size_t *n)
{
	char found[LW_NETNS_PATH_LEN];
	int fd, err;

	if (!ns_path) {
		err = netns__find(ino, pid_hint, found);
		if (err)
			return err;
		ns_path = found;
	}
	fd = netns__socket(ns_path, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (fd < 0)
		return fd;
	err = ifaddr__dump(fd, ifs, n);
	close(fd);
	return err;
}

void ifcache__invalidate(struct ifcache *c, uint32_t ino)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->entries[i].ino == ino)
			c->entries[i].fetched_ms = 0; /* stale: refetched, and expired if not asked again */
}

int ifcache__get(struct ifcache *c, uint32_t ino, const char *ns_path, uint32_t pid_hint,
		 const struct lw_ifaddr **ifs, size_t *n)
{
	uint64_t now = clock__monotonic_ms();
	struct entry *e = NULL;
	struct lw_ifaddr *fresh;
	size_t n_fresh;
	int err;

	expire(c, now);
	for (size_t i = 0; i < c->n; i++)
		if (c->entries[i].ino == ino)
			e = &c->entries[i];
	if (e && now - e->fetched_ms <= c->ttl_ms) {
		*ifs = e->ifs;
		*n = e->n;
		return 0;
	}
	err = fetch(ino, ns_path, pid_hint, &fresh, &n_fresh);
	if (err)
		return err;
	if (!e) {
		struct entry *grown = realloc(c->entries, (c->n + 1) * sizeof(*grown));

		if (!grown) {
			free(fresh);
			return -ENOMEM;
		}
		c->entries = grown;
		e = &c->entries[c->n++];
		e->ino = ino;
		e->ifs = NULL;
	}
	free(e->ifs);
	e->ifs = fresh;
	e->n = n_fresh;
	e->fetched_ms = now;
	*ifs = e->ifs;
	*n = e->n;
	return 0;
}
