/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Interface addresses per network namespace, kept for a short time: a burst
 * of listeners in one pod asks the kernel once, and an address added later
 * is seen within the refresh time.
 */
#ifndef LW_IFCACHE_H
#define LW_IFCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "network/ifaddr.h"

struct ifcache;

struct ifcache *ifcache__new(uint64_t ttl_ms);
void ifcache__free(struct ifcache *c);
void ifcache__set_ttl(struct ifcache *c, uint64_t ttl_ms);
/* Forgets namespace ino's addresses: the next get reads them afresh. */
void ifcache__invalidate(struct ifcache *c, uint32_t ino);
/*
 * The addresses of namespace `ino`, opened through ns_path, or found from
 * pid_hint when ns_path is NULL. The array stays valid until the next call.
 */
int ifcache__get(struct ifcache *c, uint32_t ino, const char *ns_path, uint32_t pid_hint,
		 const struct lw_ifaddr **ifs, size_t *n);

#endif
