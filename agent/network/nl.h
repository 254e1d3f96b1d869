/* SPDX-License-Identifier: Apache-2.0 */
/* Netlink dump requests (rtnetlink, sock_diag) without a library. */
#ifndef LW_NL_H
#define LW_NL_H

#include <linux/netlink.h>
#include <stddef.h>

/* Called for each reply message; a non-zero return stops the dump. */
typedef int (*nl_msg_fn)(const struct nlmsghdr *h, void *ctx);

/* Sends `req` (a complete request with NLM_F_DUMP) and feeds each reply to fn. */
int nl__dump(int fd, struct nlmsghdr *req, nl_msg_fn fn, void *ctx);

/* Walks attributes after a fixed header of `hdrlen` bytes. */
#define NL_ATTR_FIRST(h, hdrlen) \
	((struct nlattr *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(hdrlen)))
#define NL_ATTR_OK(a, rem) \
	((rem) >= (int)sizeof(struct nlattr) && (a)->nla_len >= sizeof(struct nlattr) && \
	 (a)->nla_len <= (rem))
#define NL_ATTR_NEXT(a, rem) \
	((rem) -= NLA_ALIGN((a)->nla_len), (struct nlattr *)((char *)(a) + NLA_ALIGN((a)->nla_len)))
#define NL_ATTR_DATA(a) ((void *)((char *)(a) + NLA_HDRLEN))
#define NL_ATTR_LEN(a) ((int)(a)->nla_len - NLA_HDRLEN)

#endif
