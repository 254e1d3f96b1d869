/* SPDX-License-Identifier: Apache-2.0 */
/* Listening TCP and bound UDP sockets of one namespace, over sock_diag. */
#ifndef LW_SOCKDIAG_H
#define LW_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"

struct lw_sock {
	struct lw_addr addr;
	uint64_t ino;      /* socket inode */
	uint64_t cgroup_id; /* cgroup v2 id of the socket's creator, or 0 */
	uint32_t uid;
	uint16_t port;
	uint8_t protocol;  /* IPPROTO_TCP or IPPROTO_UDP */
	bool v6only;
};

/* diag_fd: a NETLINK_SOCK_DIAG socket created inside the namespace. */
int sockdiag__listeners(int diag_fd, struct lw_sock **out, size_t *n);

#endif
