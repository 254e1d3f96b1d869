// SPDX-License-Identifier: Apache-2.0
#include "network/addrwatch.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "data/grow.h"
#include "os/clock.h"
#include "os/log.h"
#include "network/netns.h"

#define RETRY_MS 30000  /* a namespace that could not be opened: tried again after this */
#define MAX_READY 64

struct watched {
	uint32_t ino;
	int fd;               /* -1 while it could not be opened */
	uint64_t retry_at_ms; /* when fd is -1 */
};

struct addrwatch {
	int epfd;
	struct watched *ns;
	size_t n, cap;
};

struct addrwatch *addrwatch__new(void)
{
	struct addrwatch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0) {
		free(w);
		return NULL;
	}
	return w;
}

void addrwatch__free(struct addrwatch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		if (w->ns[i].fd >= 0)
			close(w->ns[i].fd);
	close(w->epfd);
	free(w->ns);
	free(w);
}

size_t addrwatch__count(const struct addrwatch *w)
{
	size_t k = 0;

	for (size_t i = 0; i < w->n; i++)
		k += w->ns[i].fd >= 0;
	return k;
}

static struct watched *find(struct addrwatch *w, uint32_t ino)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->ns[i].ino == ino)
			return &w->ns[i];
	return NULL;
}

/* An rtnetlink socket inside the namespace, subscribed to its address changes. */
static int subscribe(uint32_t ino, uint32_t pid_hint)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
	};
	char path[LW_NETNS_PATH_LEN];
	int fd, err;

	if ((err = netns__find(ino, pid_hint, path)))
		return err;
	fd = netns__socket(path, AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (fd < 0)
		return fd;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int addrwatch__watch(struct addrwatch *w, uint32_t ino, uint32_t pid_hint)
{
	struct watched *e = find(w, ino);
	uint64_t now = clock__monotonic_ms();
	struct epoll_event ev = { .events = EPOLLIN };
	int fd;

	if (e && (e->fd >= 0 || now < e->retry_at_ms))
		return 0;
	if (!e) {
		if (grow__reserve((void **)&w->ns, &w->cap, w->n + 1, sizeof(*w->ns), 16))
			return -ENOMEM;
		e = &w->ns[w->n++];
		*e = (struct watched){ .ino = ino, .fd = -1 };
	}
	fd = subscribe(ino, pid_hint);
	if (fd >= 0) {
		ev.data.u32 = ino;
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			int err = -errno;

			close(fd);
			fd = err;
		}
	}
	if (fd < 0) {
		e->retry_at_ms = now + RETRY_MS;
		log_debug("address changes in network namespace %u not watched: %s; its addresses are "
			  "read again every address_refresh", ino, strerror(-fd));
		return fd;
	}
	e->fd = fd;
	return 0;
}

void addrwatch__prune(struct addrwatch *w, bool (*keep)(uint32_t ino, void *ctx), void *ctx)
{
	size_t j = 0;

	for (size_t i = 0; i < w->n; i++) {
		if (keep(w->ns[i].ino, ctx)) {
			w->ns[j++] = w->ns[i];
			continue;
		}
		if (w->ns[i].fd >= 0)
			close(w->ns[i].fd); /* leaves the epoll set with its last reference */
	}
	w->n = j;
}

/* Reads the socket dry; true when an address changed or messages were lost. */
static bool drain(int fd)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	bool changed = false;

	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		int rem;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS)
				changed = true; /* the kernel dropped some: judge again anyway */
			return changed;
		}
		if (len == 0)
			return changed;
		rem = (int)len;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem))
			if (h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR)
				changed = true;
	}
}

void addrwatch__poll(struct addrwatch *w, void (*changed)(uint32_t ino, void *ctx), void *ctx)
{
	struct epoll_event ready[MAX_READY];
	uint32_t inos[MAX_READY];
	int n = epoll_wait(w->epfd, ready, MAX_READY, 0);
	size_t k = 0;

	/* read first, then call: changed() may watch more namespaces */
	for (int i = 0; i < n; i++) {
		struct watched *e = find(w, ready[i].data.u32);

		if (e && e->fd >= 0 && drain(e->fd))
			inos[k++] = e->ino;
	}
	for (size_t i = 0; i < k; i++)
		changed(inos[i], ctx);
}
