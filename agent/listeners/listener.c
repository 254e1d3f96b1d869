// SPDX-License-Identifier: Apache-2.0
#include "listeners/listener.h"

#include <string.h>

#include "os/clock.h"
#include "config/ignore.h"
#include "exposure/natmap.h"
#include "os/log.h"

/* What the probe's verdict says of identity, then the severity of it all. */
static void settle(struct lw_listener *l)
{
	const struct lw_auth *a = &l->auth;
	const struct lw_probe *p = a->protocol[0] ? probe__by_name(a->protocol) : NULL;

	if (l->service.name && p && probe__serves(p, l->service.name))
		l->service.via = "protocol";
	else if (l->service.name && a->refuted && !strcmp(l->service.via, "port"))
		memset(&l->service, 0, sizeof(l->service)); /* e.g. something else on 6379 */
	l->severity = exposure__severity(&l->exposure, &l->service, l->expected, a->state);
}

void listener__judge(struct lw_listener *l, const struct listener_policy *policy, struct ifcache *ifc,
		     const char *ns_path)
{
	const struct lw_ifaddr *ifs = NULL;
	struct lw_place where;
	size_t n_ifs = 0;
	int err;

	err = ifcache__get(ifc, l->netns_ino, ns_path, l->proc.tgid, &ifs, &n_ifs);
	if (err) {
		log_debug("addresses of netns %u unreadable: %s", l->netns_ino, strerror(-err));
		ifs = NULL;
		n_ifs = 0;
	}
	exposure__judge(&l->addr, l->v6only, ifs, n_ifs, policy->class_rules, policy->n_class_rules,
			&l->exposure);
	if (policy->nat)
		natmap__publish(policy->nat, l->netns_ino, l->protocol, l->port, &l->exposure);
	service__identify(l->proc.comm, l->proc.exe, l->proc.cmdline, l->protocol, l->port, &l->service);
	where = container__place(&l->proc.container);
	l->expected = exposure__expected(policy->expected, policy->n_expected, l->proc.comm, l->proc.exe,
					 l->proc.tgid, l->protocol, &l->addr, l->port, &l->proc.container) ||
		      ignore__listener(policy->ignore, l->proc.exe, l->proc.comm, l->protocol, &l->addr, l->port,
				       &where, clock__realtime_ns() / 1000000000ULL);
	settle(l);
}

bool listener__take_auth(struct lw_listener *l, const struct lw_auth *auth)
{
	bool news = l->auth.state != auth->state || strcmp(l->auth.protocol, auth->protocol);

	l->auth = *auth;
	settle(l);
	return news;
}

bool listener__unexpected(const struct lw_listener *l)
{
	return l->exposure.level == LW_CLASS_PUBLIC && !l->expected;
}

bool listener__alarming(const struct lw_listener *l)
{
	return listener__unexpected(l) ||
	       (!l->expected && l->exposure.level == LW_CLASS_PRIVATE && l->auth.state == LW_AUTH_NONE);
}
