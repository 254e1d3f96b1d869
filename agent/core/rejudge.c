// SPDX-License-Identifier: Apache-2.0
/*
 * Verdicts that stay true: a listener is judged again when what its verdict
 * rests on changes: the configuration (SIGHUP), its namespace's addresses
 * (rtnetlink), or the host's DNAT rules. A changed verdict is reported with
 * the source that changed it, and probed again.
 */
#include "core/runtime.h"

#include "os/clock.h"
#include "core/probing.h"
#include "exposure/natmap.h"
#include "os/log.h"
#include "network/addrwatch.h"

/* A listener's verdict now; reported, as from `source`, if it changed. True then. */
bool runtime__rejudge(struct agent *a, struct lw_listener *opened, const char *source)
{
	struct listener_policy policy = runtime__listener_policy(a);
	struct lw_listener l = *opened;

	listener__judge(&l, &policy, a->ifc, NULL);
	if (l.severity == opened->severity && l.expected == opened->expected &&
	    l.exposure.level == opened->exposure.level)
		return false;
	l.source = source;
	l.ts_ns = clock__realtime_ns();
	*opened = l;
	if (!opened->hold_until_ms) /* a held open goes out with the new verdict */
		runtime__emit_listener(a, &l);
	probing__rejudged(a, opened);
	return true;
}

struct rejudge_all {
	struct agent *a;
	const char *source;
};

static void rejudge_each(void *ctx, struct lw_listener *opened)
{
	struct rejudge_all *r = ctx;

	runtime__rejudge(r->a, opened, r->source);
}

void runtime__rejudge_all(struct agent *a, const char *source)
{
	struct rejudge_all r = { a, source };

	socktab__each(a->socks, rejudge_each, &r);
}

struct address_change {
	struct agent *a;
	uint32_t ino;
	bool any;
};

static void rejudge_in_namespace(void *ctx, struct lw_listener *opened)
{
	struct address_change *c = ctx;

	if (opened->netns_ino == c->ino)
		c->a->address_rejudged += runtime__rejudge(c->a, opened, "address");
}

static void addresses_changed(uint32_t ino, void *ctx)
{
	struct address_change c = { .a = ctx, .ino = ino };

	ifcache__invalidate(c.a->ifc, ino);
	socktab__each(c.a->socks, rejudge_in_namespace, &c);
	log_debug("addresses of network namespace %u changed; its listeners judged again", ino);
}

static void find_namespace(void *ctx, struct lw_listener *opened)
{
	struct address_change *c = ctx;

	c->any |= opened->netns_ino == c->ino;
}

static bool namespace_has_listeners(uint32_t ino, void *ctx)
{
	struct address_change c = { .a = ctx, .ino = ino };

	socktab__each(c.a->socks, find_namespace, &c);
	return c.any;
}

void runtime__refresh_nat(struct agent *a)
{
	if (a->nat && natmap__refresh(a->nat, a->cfg.class_rules, a->cfg.n_class_rules, a->ifc))
		log_debug("DNAT rules changed: %zu publish a listener's port", natmap__count(a->nat));
}

void runtime__watch_nat(struct agent *a, uint64_t now_ms)
{
	if (!a->nat || !a->cfg.nat_refresh_ms || now_ms < a->next_nat_ms)
		return;
	a->next_nat_ms = now_ms + a->cfg.nat_refresh_ms;
	if (natmap__refresh(a->nat, a->cfg.class_rules, a->cfg.n_class_rules, a->ifc))
		runtime__rejudge_all(a, "nat");
}

void runtime__watch_addresses(struct agent *a, bool prune)
{
	if (!a->addrs)
		return;
	addrwatch__poll(a->addrs, addresses_changed, a);
	if (prune)
		addrwatch__prune(a->addrs, namespace_has_listeners, a);
}
