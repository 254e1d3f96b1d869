/* SPDX-License-Identifier: Apache-2.0 */
/* The interface addresses of one network namespace, over rtnetlink. */
#ifndef LW_IFADDR_H
#define LW_IFADDR_H

#include <net/if.h>
#include <stddef.h>

#include "net/addr.h"

struct lw_ifaddr {
	struct lw_addr addr;
	int ifindex;
	char ifname[IF_NAMESIZE];
};

/* rtnl_fd: a NETLINK_ROUTE socket created inside the namespace. */
int ifaddr__dump(int rtnl_fd, struct lw_ifaddr **out, size_t *n);

#endif
