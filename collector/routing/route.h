/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which sinks an alert goes to: the routes of the configuration, in order,
 * each matching on kind, minimum severity, host, pod namespace, rule and
 * service. The first match wins unless it says `continue`.
 */
#ifndef COLLECTOR_ROUTE_H
#define COLLECTOR_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "routing/alertcfg.h"
#include "storage/store.h"

/* What a route looks at. NULL strings are unknown and match no pattern. */
struct alert_facts {
	enum store_kind kind;
	int severity;          /* leakwatch.v1.Severity */
	const char *host;
	const char *namespace; /* the pod's namespace */
	const char *rule;      /* leaks */
	const char *service;   /* listeners */
};

bool route__matches(const struct alert_route *r, const struct alert_facts *f);
/* Bit i set for each sinks[i] the alert goes to; 0 when no route takes it. */
uint64_t route__sinks(const struct alertcfg *cfg, const struct alert_facts *f);

#endif
