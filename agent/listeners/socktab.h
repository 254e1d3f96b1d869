/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Listening endpoints (namespace, protocol, address, port) and the sockets
 * behind each. Workers sharing a port with SO_REUSEPORT are one listener:
 * it opens with the first socket and closes with the last. Socket inodes
 * let a kernel event and the start-up inventory name the same socket once.
 */
#ifndef LW_SOCKTAB_H
#define LW_SOCKTAB_H

#include <stdbool.h>
#include <stddef.h>

#include "listeners/listener.h"

struct socktab;

struct socktab *socktab__new(void);
void socktab__free(struct socktab *t);

/* 1 when l's endpoint was not listening before, 0 when already known, -ENOMEM. */
int socktab__add(struct socktab *t, const struct lw_listener *l);
/*
 * Drops socket l->sock_ino (0: any one) from l's endpoint. 1 when that was
 * the last, with the finding that opened the endpoint copied to `opened`.
 */
int socktab__remove(struct socktab *t, const struct lw_listener *l, struct lw_listener *opened);
size_t socktab__count(const struct socktab *t);
/* Is l's endpoint (namespace, protocol, address, port) listening? */
bool socktab__has(struct socktab *t, const struct lw_listener *l);
/* The finding that opened l's endpoint, which the caller may update; NULL if not listening. */
struct lw_listener *socktab__find(struct socktab *t, const struct lw_listener *l);
/* Calls fn with each endpoint's opening finding, which fn may update. */
void socktab__each(struct socktab *t, void (*fn)(void *ctx, struct lw_listener *opened), void *ctx);

#endif
