/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every listener that already exists: TCP LISTEN and bound UDP sockets in
 * every network namespace on the host, each with its owning process.
 */
#ifndef LW_INVENTORY_H
#define LW_INVENTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "network/ifcache.h"
#include "listeners/listener.h"

struct inventory_stats {
	size_t namespaces;
	size_t namespaces_failed;
	size_t sockets;
	/* the inodes of the namespaces whose sockets were read (none of the
	 * failed ones); NULL when out of memory. inventory_stats__free. */
	uint32_t *read_ns;
	size_t n_read_ns;
};

/* Called once per socket with a judged finding; non-zero stops the walk. */
typedef int (*inventory_fn)(struct lw_listener *l, void *ctx);

/* Were the sockets of namespace ino read? */
bool inventory_stats__read(const struct inventory_stats *s, uint32_t ino);
void inventory_stats__free(struct inventory_stats *s);

int inventory__collect(const struct listener_policy *policy, struct ifcache *ifc, struct procinfo *procs, inventory_fn fn,
		       void *ctx, struct inventory_stats *stats);

#endif
