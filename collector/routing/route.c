// SPDX-License-Identifier: Apache-2.0
#include "routing/route.h"

#include <fnmatch.h>

/* An empty list matches anything; an unknown value matches no pattern. */
static bool any(const struct alert_patterns *p, const char *value)
{
	if (!p->n)
		return true;
	if (!value || !*value)
		return false;
	for (size_t i = 0; i < p->n; i++)
		if (!fnmatch(p->v[i], value, 0))
			return true;
	return false;
}

bool route__matches(const struct alert_route *r, const struct alert_facts *f)
{
	if (r->kinds && !(r->kinds & (1u << f->kind)))
		return false;
	return f->severity >= r->min_severity && any(&r->hosts, f->host) &&
	       any(&r->namespaces, f->namespace) && any(&r->rules, f->rule) &&
	       any(&r->services, f->service);
}

uint64_t route__sinks(const struct alertcfg *cfg, const struct alert_facts *f)
{
	uint64_t mask = 0;

	for (size_t i = 0; i < cfg->n_routes; i++) {
		const struct alert_route *r = &cfg->routes[i];

		if (!route__matches(r, f))
			continue;
		mask |= 1ULL << r->sink;
		if (!r->cont)
			break;
	}
	return mask;
}
