/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Address changes per network namespace, as they happen: one rtnetlink
 * socket subscribed to the IPv4 and IPv6 address groups (RTM_NEWADDR,
 * RTM_DELADDR) in each namespace that holds a listener, all in one epoll
 * set, so that a look costs one system call however many namespaces there
 * are. A floating IP or a keepalived VIP that moves to this host changes a
 * listener's exposure without any socket event: this is how it is seen.
 */
#ifndef LW_ADDRWATCH_H
#define LW_ADDRWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct addrwatch;

struct addrwatch *addrwatch__new(void);
void addrwatch__free(struct addrwatch *w);

/*
 * Watches namespace ino, found from the process pid_hint (or by a search),
 * unless it is watched already. A namespace that cannot be opened is tried
 * again after a while, not on every call. 0, or -errno.
 */
int addrwatch__watch(struct addrwatch *w, uint32_t ino, uint32_t pid_hint);

/* Stops watching every namespace for which keep() says false. */
void addrwatch__prune(struct addrwatch *w, bool (*keep)(uint32_t ino, void *ctx), void *ctx);

/*
 * Reads what arrived, without blocking, and calls changed() once for each
 * namespace whose addresses changed. A socket whose queue overflowed
 * (ENOBUFS) lost messages: its namespace counts as changed.
 */
void addrwatch__poll(struct addrwatch *w, void (*changed)(uint32_t ino, void *ctx), void *ctx);

/* Namespaces watched now. */
size_t addrwatch__count(const struct addrwatch *w);

#endif
