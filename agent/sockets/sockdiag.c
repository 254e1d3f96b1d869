// SPDX-License-Identifier: Apache-2.0
#include "sockets/sockdiag.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "network/nl.h"

struct collect {
	uint8_t protocol;
	struct lw_sock *socks;
	size_t n;
	int err;
};

static int on_sock(const struct nlmsghdr *h, void *ctx)
{
	struct collect *c = ctx;
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	int rem = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
	struct lw_sock *socks, *s;
	struct nlattr *a;

	if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return 0;
	/* A UDP socket with a peer is a client, and port 0 is not bound yet. */
	if (c->protocol == IPPROTO_UDP && (m->id.idiag_dport || !m->id.idiag_sport))
		return 0;
	socks = realloc(c->socks, (c->n + 1) * sizeof(*socks));
	if (!socks)
		return c->err = -ENOMEM;
	c->socks = socks;
	s = &socks[c->n++];
	memset(s, 0, sizeof(*s));
	addr__from_bytes(&s->addr, m->idiag_family, m->id.idiag_src);
	s->port = ntohs(m->id.idiag_sport);
	s->ino = m->idiag_inode;
	s->uid = m->idiag_uid;
	s->protocol = c->protocol;
	for (a = NL_ATTR_FIRST(h, sizeof(*m)); NL_ATTR_OK(a, rem); a = NL_ATTR_NEXT(a, rem))
		if (a->nla_type == INET_DIAG_SKV6ONLY && NL_ATTR_LEN(a) >= 1)
			s->v6only = *(const uint8_t *)NL_ATTR_DATA(a) != 0;
		else if (a->nla_type == INET_DIAG_CGROUP_ID && NL_ATTR_LEN(a) >= 8)
			memcpy(&s->cgroup_id, NL_ATTR_DATA(a), 8);
	return 0;
}

static int dump(int fd, uint8_t family, uint8_t protocol, uint32_t states, struct collect *c)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req = {
		.h = { .nlmsg_len = sizeof(req), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.r = { .sdiag_family = family, .sdiag_protocol = protocol, .idiag_states = states },
	};
	int err;

	c->protocol = protocol;
	err = nl__dump(fd, &req.h, on_sock, c);
	return err ? err : c->err;
}

int sockdiag__listeners(int diag_fd, struct lw_sock **out, size_t *n)
{
	struct collect c = { 0 };
	int err;

	err = dump(diag_fd, AF_INET, IPPROTO_TCP, 1u << TCP_LISTEN, &c);
	if (!err)
		err = dump(diag_fd, AF_INET6, IPPROTO_TCP, 1u << TCP_LISTEN, &c);
	/* Unconnected UDP sockets sit in TCP_CLOSE. A kernel without udp_diag
	 * answers ENOENT; TCP is still worth reporting then. */
	if (!err)
		err = dump(diag_fd, AF_INET, IPPROTO_UDP, 1u << TCP_CLOSE, &c);
	if (!err)
		err = dump(diag_fd, AF_INET6, IPPROTO_UDP, 1u << TCP_CLOSE, &c);
	if (err == -ENOENT)
		err = 0;
	if (err) {
		free(c.socks);
		return err;
	}
	*out = c.socks;
	*n = c.n;
	return 0;
}
