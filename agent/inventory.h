/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every listener that already exists: TCP LISTEN and bound UDP sockets in
 * every network namespace on the host, each with its owning process.
 */
#ifndef LW_INVENTORY_H
#define LW_INVENTORY_H

#include "config.h"
#include "ifcache.h"
#include "listener.h"

struct inventory_stats {
	size_t namespaces;
	size_t namespaces_failed;
	size_t sockets;
};

/* Called once per socket with a judged finding; non-zero stops the walk. */
typedef int (*inventory_fn)(struct lw_listener *l, void *ctx);

int inventory__collect(const struct lw_config *cfg, struct ifcache *ifc, inventory_fn fn, void *ctx,
		       struct inventory_stats *stats);

#endif
