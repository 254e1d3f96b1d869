/* SPDX-License-Identifier: Apache-2.0 */
/* A listener finding: the socket, who holds it, and how exposed it is. */
#ifndef LW_LISTENER_H
#define LW_LISTENER_H

#include <stdbool.h>
#include <stdint.h>

#include "net/addr.h"
#include "exposure/exposure.h"
#include "network/ifcache.h"
#include "attrib/procinfo.h"
#include "listeners/service.h"
#include "probes/probe.h"

struct lw_listener {
	uint64_t ts_ns;          /* wall clock */
	bool open;               /* false: the listener closed */
	bool verified;           /* open, and a probe's news about it (event "verified") */
	const char *source;      /* "kernel" (as it happened), "inventory" (found at start), ... */

	uint32_t netns_ino;
	uint64_t netns_cookie;   /* never reused, unlike the inode; 0 when the kernel has none */
	char netns_name[64];     /* its `ip netns` name, or "" */
	uint8_t protocol;        /* IPPROTO_TCP or IPPROTO_UDP */
	bool v6only;
	struct lw_addr addr;
	uint16_t port;
	uint64_t sock_ino;

	struct lw_proc proc;
	struct lw_exposure exposure;
	struct lw_service_id service;
	bool expected;
	enum lw_severity severity;
	struct lw_auth auth;     /* the probe's verdict; state LW_AUTH_UNSET until probed */
	uint64_t hold_until_ms;  /* the agent holds the open event for the probe until then; 0: sent */
};

/* What the operator says about listeners (the exposure: section of the configuration). */
struct listener_policy {
	const struct lw_class_rule *class_rules; /* internal and public ranges */
	size_t n_class_rules;
	const struct lw_expected *expected;
	size_t n_expected;
	const struct natmap *nat; /* the host's DNAT rules, or NULL: not read */
	struct lw_ignore *ignore; /* the ignore file's listeners count as expected; NULL: none */
};

/*
 * Fills exposure, service, expected and severity. ns_path opens the
 * listener's namespace, or NULL to find it from the owning process.
 */
void listener__judge(struct lw_listener *l, const struct listener_policy *policy, struct ifcache *ifc,
		     const char *ns_path);

/*
 * Takes a probe's verdict: auth, then identity (a reply in the service's
 * protocol confirms it; a reply of another shape refutes a guess made from
 * the port alone) and severity. True when this is news: the first verdict,
 * or another state or protocol than before.
 */
bool listener__take_auth(struct lw_listener *l, const struct lw_auth *auth);

/* Public and not on the expected list: what an operator must look at. */
bool listener__unexpected(const struct lw_listener *l);
/* What the one-shot audit exits 1 for: unexpected, or answering without
 * credentials on a private address and not expected. */
bool listener__alarming(const struct lw_listener *l);

#endif
