/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exposure through destination NAT. A redis on 0.0.0.0 in a namespace with
 * only 172.17.0.2 is private by its own addresses; a DNAT rule on the host
 * that sends a public address's port 6379 to it publishes it (Docker -p
 * with the userland proxy off, Kubernetes hostPort and NodePort, a
 * hand-written port forward). The map holds every namespace's DNAT rules
 * (network/natrules) with the address each one is reached on, and a
 * listener's exposure becomes the more reachable of its own and that.
 */
#ifndef LW_NATMAP_H
#define LW_NATMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"
#include "exposure/exposure.h"

struct natmap;
struct ifcache;

struct natmap *natmap__new(void);
void natmap__free(struct natmap *m);

/*
 * Reads the DNAT rules of every namespace on the host again, and the
 * address each is reached on (classified with rules). True when the
 * published set differs from the one held before.
 */
bool natmap__refresh(struct natmap *m, const struct lw_class_rule *rules, size_t n_rules, struct ifcache *ifc);

/* Rules held now, and namespaces whose rules could not be read at the last refresh. */
size_t natmap__count(const struct natmap *m);
size_t natmap__unreadable(const struct natmap *m);

/*
 * Raises e's level to what a rule publishes it at, when that is more
 * reachable, and fills e->published; a listener in namespace netns_ino on
 * protocol/port whose reachable addresses are in e.
 */
void natmap__publish(const struct natmap *m, uint32_t netns_ino, uint8_t protocol, uint16_t port,
		     struct lw_exposure *e);

#endif
