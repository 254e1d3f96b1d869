/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How reachable a listener is, judged in its own network namespace, and how
 * much that matters given what it is and what the operator expects.
 */
#ifndef LW_EXPOSURE_H
#define LW_EXPOSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"
#include "config/place.h"
#include "leakwatch/severity.h"
#include "attrib/container.h"
#include "network/ifaddr.h"
#include "listeners/service.h"

#define LW_MAX_REACH 16

/* A listener the operator knows about; every given field must match. */
struct lw_expected {
	char *process;       /* comm or exe basename; NULL matches any */
	struct lw_place_want place; /* namespace, pod, container, unit: what a cluster operator knows */
	uint16_t port;       /* 0 matches any */
	uint8_t protocol;    /* IPPROTO_TCP, IPPROTO_UDP, or 0 for either */
	bool has_address;
	struct lw_cidr address; /* the bound address falls in this range */
};

struct lw_reach {
	struct lw_addr addr;
	enum lw_addr_class cls;
	char ifname[IF_NAMESIZE];
};

/* Reached through a destination NAT rule from a more reachable address. */
struct lw_published {
	bool set;
	struct lw_addr addr;         /* the address traffic arrives at; wildcard: any of the namespace's */
	uint16_t port;               /* the port it arrives at; 0: any */
	enum lw_addr_class level;    /* that address's class */
	enum lw_addr_class own;      /* the listener's own exposure, before the rule */
	uint32_t netns_ino;          /* where the rule is */
	char table[64], chain[64];   /* which rule: its nf_tables table and chain */
};

struct lw_exposure {
	bool wildcard;               /* bound to 0.0.0.0 or :: */
	bool interfaces_known;       /* the namespace's addresses could be read */
	enum lw_addr_class level;    /* the most public reachable class */
	size_t n_reach;              /* addresses it answers on (first LW_MAX_REACH) */
	size_t n_reach_total;
	struct lw_reach reach[LW_MAX_REACH];
	struct lw_published published; /* level is the more reachable of the two when set */
};

/*
 * bound: the socket's address; v6only matters for "::" only. ifs: the
 * namespace's interface addresses, or NULL when they could not be read.
 */
void exposure__judge(const struct lw_addr *bound, bool v6only, const struct lw_ifaddr *ifs,
		     size_t n_ifs, const struct lw_class_rule *rules, size_t n_rules,
		     struct lw_exposure *out);

/* Is this listener on the operator's expected list? ctr: its container and cgroup, or NULL. */
bool exposure__expected(const struct lw_expected *list, size_t n, const char *comm, const char *exe,
			uint32_t tgid, uint8_t protocol, const struct lw_addr *bound, uint16_t port,
			const struct lw_container *ctr);

/*
 *   answers without credentials on a public address   critical
 *   answers without credentials on a private address  high
 *   data service on a public address                  high
 *   data service on all interfaces, private only      medium
 *   data service on one private/link-local addr       low
 *   other service on a public address                 low
 *   anything on loopback, expected, or otherwise      info
 * auth: the probe's verdict (probe.h), LW_AUTH_UNSET when not probed.
 */
enum lw_severity exposure__severity(const struct lw_exposure *e, const struct lw_service_id *svc,
				    bool expected, int auth);

#endif
