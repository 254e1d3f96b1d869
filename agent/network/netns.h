/* SPDX-License-Identifier: Apache-2.0 */
/* Finding network namespaces and opening sockets inside them. */
#ifndef LW_NETNS_H
#define LW_NETNS_H

#include <stddef.h>
#include <stdint.h>

#define LW_NETNS_PATH_LEN 128

struct lw_netns {
	uint32_t ino;                   /* as in the kernel's ns.inum */
	char path[LW_NETNS_PATH_LEN];   /* a file that opens it */
};

/* Every distinct namespace held by a process or pinned under /run/netns. */
int netns__list(struct lw_netns **out, size_t *n);
/* The inode of a namespace file, or 0. */
uint32_t netns__ino_of(const char *path);
/*
 * Finds a file that opens namespace `ino`: /proc/<pid_hint>/ns/net when that
 * still matches, else a search. -ENOENT when no process holds it any more.
 */
int netns__find(uint32_t ino, uint32_t pid_hint, char path[LW_NETNS_PATH_LEN]);
/* The name `ip netns` gives namespace ino (its file under /run/netns), or "". */
void netns__name(uint32_t ino, char *buf, size_t len);
/*
 * The cookie of the namespace a socket lives in (SO_NETNS_COOKIE): unique
 * for the boot and never reused, unlike the inode. 0 before kernel 5.14.
 */
uint64_t netns__cookie_of(int sock_fd);
/* socket(2) inside the namespace at ns_path; the caller's namespace is kept. */
int netns__socket(const char *ns_path, int domain, int type, int protocol);

#endif
