/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which listeners are probed for open access, when, and where to. A
 * listener qualifies when it is reachable on a public or private address,
 * is a known data service or internal API, and is neither excluded
 * (probe.exclude) nor the agent's or the collector's own. It is probed
 * when it opens or is found, again every probe.interval, and again when a
 * reload changes its verdict; never twice within a minute, whatever
 * happens. The probe goes to the most public address it answers on, from
 * inside its own network namespace (probes/runner.h), at most
 * probe.concurrency at once (probes/pool.h).
 */
#ifndef LW_VERIFY_H
#define LW_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "listeners/listener.h"

#define LW_VERIFY_MIN_GAP_MS (60 * 1000)

struct verify;

/* What the operator says about probing (the probe: section of the configuration). */
struct verify_policy {
	bool enabled;
	const char *const *protocols; /* probe names; NULL: every one */
	size_t n_protocols;
	uint64_t interval_ms;
	uint64_t timeout_ms;
	unsigned concurrency;         /* threads: read at verify__new only */
	const struct lw_expected *exclude;
	size_t n_exclude;
	bool login;                   /* the probes that start a login handshake */
};

enum verify_plan {
	VERIFY_SKIP,   /* not to be probed: auth untouched */
	VERIFY_SET,    /* l->auth holds a verdict now (unknown: not probed, and why) */
	VERIFY_QUEUED, /* a probe is on its way */
	VERIFY_WAIT,   /* to be probed, once a minute has passed since the last time */
};

enum verify_when {
	VERIFY_OPENED,  /* it opened, or was found */
	VERIFY_DUE,     /* a periodic look: only if the interval has passed */
	VERIFY_CHANGED, /* its verdict changed (reload): now, or as soon as the minute allows */
};

/* The policy is copied; what its pointers point to must stay valid until
 * the next configure. */
struct verify *verify__new(const struct verify_policy *policy);
void verify__free(struct verify *v);
/* After a reload. The number of threads stays as started. */
void verify__configure(struct verify *v, const struct verify_policy *policy);

enum verify_plan verify__plan(struct verify *v, struct lw_listener *l, enum verify_when when,
			      uint64_t now_ms);

/* fn gets each verdict that came in, with the endpoint it is for (netns,
 * protocol, address and port set in a listener otherwise empty). */
typedef void (*verify_fn)(void *ctx, const struct lw_listener *endpoint, const struct lw_auth *auth);
size_t verify__collect(struct verify *v, verify_fn fn, void *ctx, uint64_t now_ms);
/* Probes queued or running. */
size_t verify__busy(struct verify *v);
/* Blocks until every probe queued has finished. */
void verify__wait(struct verify *v);
/* Probes started since verify__new. */
uint64_t verify__started(const struct verify *v);

#endif
