// SPDX-License-Identifier: Apache-2.0
#include "listeners/listener.h"

#include <string.h>

#include "log.h"

void listener__judge(struct lw_listener *l, const struct listener_policy *policy, struct ifcache *ifc,
		     const char *ns_path)
{
	const struct lw_ifaddr *ifs = NULL;
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
	service__identify(l->proc.comm, l->proc.exe, l->proc.cmdline, l->protocol, l->port, &l->service);
	l->expected = exposure__expected(policy->expected, policy->n_expected, l->proc.comm, l->proc.exe,
					 l->protocol, &l->addr, l->port);
	l->severity = exposure__severity(&l->exposure, &l->service, l->expected);
}

bool listener__unexpected(const struct lw_listener *l)
{
	return l->exposure.level == LW_CLASS_PUBLIC && !l->expected;
}
