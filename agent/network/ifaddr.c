// SPDX-License-Identifier: Apache-2.0
#include "network/ifaddr.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/nl.h"

struct link_name {
	int index;
	char name[IF_NAMESIZE];
};

struct dump_state {
	struct link_name *links;
	size_t n_links;
	struct lw_ifaddr *addrs;
	size_t n_addrs;
	int err;
};

static int on_link(const struct nlmsghdr *h, void *ctx)
{
	struct dump_state *st = ctx;
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	int rem = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));
	struct nlattr *a;

	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	for (a = NL_ATTR_FIRST(h, sizeof(*ifi)); NL_ATTR_OK(a, rem); a = NL_ATTR_NEXT(a, rem)) {
		struct link_name *links;

		if (a->nla_type != IFLA_IFNAME)
			continue;
		links = realloc(st->links, (st->n_links + 1) * sizeof(*links));
		if (!links)
			return st->err = -ENOMEM;
		st->links = links;
		links[st->n_links].index = ifi->ifi_index;
		snprintf(links[st->n_links].name, IF_NAMESIZE, "%.*s", NL_ATTR_LEN(a),
			 (const char *)NL_ATTR_DATA(a));
		links[st->n_links].name[strcspn(links[st->n_links].name, "\n")] = '\0';
		st->n_links++;
	}
	return 0;
}

static int on_addr(const struct nlmsghdr *h, void *ctx)
{
	struct dump_state *st = ctx;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	int rem = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifa));
	const void *local = NULL, *address = NULL, *chosen;
	int want = ifa->ifa_family == AF_INET6 ? 16 : 4;
	struct lw_ifaddr *addrs, *out;
	struct nlattr *a;

	if (h->nlmsg_type != RTM_NEWADDR || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return 0;
	for (a = NL_ATTR_FIRST(h, sizeof(*ifa)); NL_ATTR_OK(a, rem); a = NL_ATTR_NEXT(a, rem)) {
		if (NL_ATTR_LEN(a) != want)
			continue;
		if (a->nla_type == IFA_LOCAL)
			local = NL_ATTR_DATA(a);
		else if (a->nla_type == IFA_ADDRESS)
			address = NL_ATTR_DATA(a);
	}
	/* On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL is ours. */
	chosen = local ? local : address;
	if (!chosen)
		return 0;
	addrs = realloc(st->addrs, (st->n_addrs + 1) * sizeof(*addrs));
	if (!addrs)
		return st->err = -ENOMEM;
	st->addrs = addrs;
	out = &addrs[st->n_addrs++];
	memset(out, 0, sizeof(*out));
	addr__from_bytes(&out->addr, ifa->ifa_family, chosen);
	out->ifindex = (int)ifa->ifa_index;
	for (size_t i = 0; i < st->n_links; i++)
		if (st->links[i].index == out->ifindex)
			memcpy(out->ifname, st->links[i].name, IF_NAMESIZE);
	return 0;
}

int ifaddr__dump(int rtnl_fd, struct lw_ifaddr **out, size_t *n)
{
	struct {
		struct nlmsghdr h;
		struct ifinfomsg ifi;
	} link_req = {
		.h = { .nlmsg_len = sizeof(link_req), .nlmsg_type = RTM_GETLINK,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.ifi = { .ifi_family = AF_UNSPEC },
	};
	struct {
		struct nlmsghdr h;
		struct ifaddrmsg ifa;
	} addr_req = {
		.h = { .nlmsg_len = sizeof(addr_req), .nlmsg_type = RTM_GETADDR,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.ifa = { .ifa_family = AF_UNSPEC },
	};
	struct dump_state st = { 0 };
	int err;

	err = nl__dump(rtnl_fd, &link_req.h, on_link, &st);
	if (!err)
		err = nl__dump(rtnl_fd, &addr_req.h, on_addr, &st);
	free(st.links);
	if (err) {
		free(st.addrs);
		return err;
	}
	*out = st.addrs;
	*n = st.n_addrs;
	return 0;
}
