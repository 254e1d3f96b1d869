// SPDX-License-Identifier: Apache-2.0
#include "listeners/inventory.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "os/clock.h"
#include "os/log.h"
#include "network/netns.h"
#include "sockets/sockdiag.h"
#include "sockets/sockowners.h"

/* Its listening sockets, and its cookie, read off the socket that asked. */
static int namespace_sockets(const struct lw_netns *ns, struct lw_sock **socks, size_t *n, uint64_t *cookie)
{
	int fd = netns__socket(ns->path, AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG);
	int err;

	if (fd < 0)
		return fd;
	*cookie = netns__cookie_of(fd);
	err = sockdiag__listeners(fd, socks, n);
	close(fd);
	return err;
}

static void fill(struct lw_listener *l, const struct lw_netns *ns, const struct lw_sock *s,
		 const struct sockowners *owners, struct procinfo *procs)
{
	uint32_t pid = sockowners__pid(owners, s->ino);

	/* the socket's own facts, copied field by field */
	memset(l, 0, sizeof(*l));
	l->ts_ns = clock__realtime_ns();
	l->open = true;
	l->source = "inventory";
	l->netns_ino = ns->ino;
	l->protocol = s->protocol;
	l->v6only = s->v6only;
	l->addr = s->addr;
	l->port = s->port;
	l->sock_ino = s->ino;
	if (!pid || procinfo__read(procs, pid, &l->proc)) {
		/* held by no process we can see (or gone): keep what the socket says */
		memset(&l->proc, 0, sizeof(l->proc));
		l->proc.tgid = l->proc.pid = pid;
	}
	l->proc.uid = s->uid;
	l->proc.cgroup_id = s->cgroup_id;
}

bool inventory_stats__read(const struct inventory_stats *s, uint32_t ino)
{
	for (size_t i = 0; i < s->n_read_ns; i++)
		if (s->read_ns[i] == ino)
			return true;
	return false;
}

void inventory_stats__free(struct inventory_stats *s)
{
	free(s->read_ns);
	s->read_ns = NULL;
	s->n_read_ns = 0;
}

int inventory__collect(const struct listener_policy *policy, struct ifcache *ifc, struct procinfo *procs, inventory_fn fn,
		       void *ctx, struct inventory_stats *stats)
{
	struct sockowners *owners = NULL;
	struct lw_netns *nss = NULL;
	size_t n_ns = 0;
	int err, stop = 0;

	memset(stats, 0, sizeof(*stats));
	err = netns__list(&nss, &n_ns);
	if (err)
		return err;
	err = sockowners__build(&owners);
	if (err) {
		free(nss);
		return err;
	}
	for (size_t i = 0; i < n_ns && !stop; i++) {
		struct lw_sock *socks = NULL;
		size_t n_socks = 0;
		uint64_t cookie = 0;
		char name[sizeof(((struct lw_listener *)0)->netns_name)];

		stats->namespaces++;
		err = namespace_sockets(&nss[i], &socks, &n_socks, &cookie);
		if (err) {
			stats->namespaces_failed++;
			log_warn("netns %u (%s): cannot list sockets: %s", nss[i].ino, nss[i].path,
				 strerror(-err));
			continue;
		}
		if (!stats->read_ns)
			stats->read_ns = calloc(n_ns, sizeof(*stats->read_ns));
		if (stats->read_ns)
			stats->read_ns[stats->n_read_ns++] = nss[i].ino;
		if (n_socks)
			netns__name(nss[i].ino, name, sizeof(name));
		for (size_t j = 0; j < n_socks && !stop; j++) {
			struct lw_listener l;

			fill(&l, &nss[i], &socks[j], owners, procs);
			l.netns_cookie = cookie;
			snprintf(l.netns_name, sizeof(l.netns_name), "%s", name);
			listener__judge(&l, policy, ifc, nss[i].path);
			stats->sockets++;
			stop = fn(&l, ctx);
		}
		free(socks);
	}
	sockowners__free(owners);
	free(nss);
	if (stats->namespaces && stats->namespaces == stats->namespaces_failed)
		return -EPERM;
	return stop < 0 ? stop : 0;
}
