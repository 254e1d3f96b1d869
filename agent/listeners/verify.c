// SPDX-License-Identifier: Apache-2.0
#include "listeners/verify.h"

#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "os/clock.h"
#include "data/htab.h"
#include "os/log.h"
#include "probes/pool.h"

/* The endpoint a probe is for, as the pool's job key. */
struct endpoint_key {
	uint32_t netns;
	uint16_t port;
	uint8_t protocol;
	uint8_t family;
	uint8_t addr[16];
	uint8_t pad[LW_POOL_KEY - 24];
};
_Static_assert(sizeof(struct endpoint_key) == LW_POOL_KEY, "a pool key");

struct track {
	uint64_t last_start_ms; /* monotonic */
	bool in_flight;
	bool recheck;           /* its verdict changed while it could not be probed */
};

struct verify {
	struct verify_policy policy;
	struct pool *pool;
	struct htab *tracks;    /* endpoint_key -> struct track */
	uint64_t started;
	uint64_t last_prune_ms;
};

struct verify *verify__new(const struct verify_policy *policy)
{
	struct verify *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	/* a server that closes first must not kill the agent on a write */
	signal(SIGPIPE, SIG_IGN);
	v->policy = *policy;
	v->tracks = htab__new(sizeof(struct endpoint_key));
	v->pool = pool__new(policy->concurrency);
	if (!v->tracks || !v->pool) {
		verify__free(v);
		return NULL;
	}
	return v;
}

void verify__free(struct verify *v)
{
	if (!v)
		return;
	pool__free(v->pool);
	htab__free(v->tracks, free);
	free(v);
}

void verify__configure(struct verify *v, const struct verify_policy *policy)
{
	unsigned threads = v->policy.concurrency;

	v->policy = *policy;
	v->policy.concurrency = threads;
}

static void key_of(const struct lw_listener *l, struct endpoint_key *k)
{
	memset(k, 0, sizeof(*k));
	k->netns = l->netns_ino;
	k->port = l->port;
	k->protocol = l->protocol;
	k->family = l->addr.family;
	memcpy(k->addr, l->addr.b, sizeof(k->addr));
}

static bool own(const struct lw_listener *l)
{
	const char *base = strrchr(l->proc.exe, '/');

	base = base ? base + 1 : l->proc.exe;
	/* the agent's status endpoint, a collector on this host */
	return l->proc.tgid == (uint32_t)getpid() || !strcmp(base, "leakwatch") ||
	       !strcmp(base, "leakwatch-collector") || !strcmp(l->proc.comm, "leakwatch") ||
	       !strcmp(l->proc.comm, "leakwatch-colle");
}

static bool enabled(const struct verify_policy *policy, const struct lw_probe *p)
{
	if (!policy->protocols)
		return true;
	for (size_t i = 0; i < policy->n_protocols; i++)
		if (!strcmp(policy->protocols[i], p->name))
			return true;
	return false;
}

static bool has_port(const struct lw_probe *p, uint16_t port)
{
	for (size_t i = 0; i < LW_PROBE_MAX_PORTS && p->ports[i]; i++)
		if (p->ports[i] == port)
			return true;
	return false;
}

/*
 * The probes that may verify l, those made for its port first. When there
 * are none, *why says whether none exists or configuration turned it off.
 */
static size_t candidates(const struct verify *v, const struct lw_listener *l,
			 const struct lw_probe *out[LW_POOL_CANDIDATES], const char **why)
{
	unsigned transport = l->protocol == IPPROTO_UDP ? LW_PROBE_UDP : LW_PROBE_TCP;
	size_t n = 0;

	*why = "no probe for this service";
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; lw_probes[i] && n < LW_POOL_CANDIDATES; i++) {
			const struct lw_probe *p = lw_probes[i];

			if (!probe__serves(p, l->service.name) || !(p->flags & transport) ||
			    has_port(p, l->port) != (pass == 0))
				continue;
			if (!enabled(&v->policy, p)) {
				*why = "its probe is off (probe.protocols)";
				continue;
			}
			if ((p->flags & LW_PROBE_LOGIN) && !v->policy.login) {
				*why = "login probes are off (probe.login_probes)";
				continue;
			}
			out[n++] = p;
		}
	}
	return n;
}

static int rank(enum lw_addr_class c)
{
	return c == LW_CLASS_PUBLIC ? 3 : c == LW_CLASS_PRIVATE ? 2 : c == LW_CLASS_LINK_LOCAL ? 1 : 0;
}

static bool v6_link_local(const struct lw_addr *a)
{
	return a->family == AF_INET6 && a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

/* The most public address it answers on (an IPv6 link-local one would need a scope). */
static bool target_of(const struct lw_listener *l, struct lw_addr *out)
{
	int best = -1;

	if (!l->exposure.wildcard) {
		*out = l->addr;
		addr__unmap(out);
		return !v6_link_local(out);
	}
	for (size_t i = 0; i < l->exposure.n_reach; i++) {
		const struct lw_reach *r = &l->exposure.reach[i];

		if (v6_link_local(&r->addr) || rank(r->cls) <= best)
			continue;
		best = rank(r->cls);
		*out = r->addr;
	}
	return best >= 0;
}

static void set_unknown(struct lw_listener *l, const char *why)
{
	memset(&l->auth, 0, sizeof(l->auth));
	l->auth.state = LW_AUTH_UNKNOWN;
	snprintf(l->auth.evidence, sizeof(l->auth.evidence), "not probed: %s", why);
}

static bool due(const struct verify *v, const struct lw_listener *l, const struct track *t,
		enum verify_when when)
{
	uint64_t now_ns;

	/* never probed (or not probable when last looked at: the configuration may have changed) */
	if (when != VERIFY_DUE || !l->auth.probed_ns || (t && t->recheck))
		return true;
	now_ns = clock__realtime_ns();
	return now_ns < l->auth.probed_ns || (now_ns - l->auth.probed_ns) / 1000000ULL >= v->policy.interval_ms;
}

static struct track *track_of(struct verify *v, const struct endpoint_key *k)
{
	struct track *t = htab__get(v->tracks, k);

	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (t && htab__put(v->tracks, k, t)) {
		free(t);
		t = NULL;
	}
	return t;
}

enum verify_plan verify__plan(struct verify *v, struct lw_listener *l, enum verify_when when,
			      uint64_t now_ms)
{
	const struct verify_policy *policy = &v->policy;
	struct probe_job job = { 0 };
	struct endpoint_key k;
	struct track *t;
	const char *why;

	if (!policy->enabled || !l->open || !l->service.name ||
	    (l->exposure.level != LW_CLASS_PUBLIC && l->exposure.level != LW_CLASS_PRIVATE) || own(l) ||
	    exposure__expected(policy->exclude, policy->n_exclude, l->proc.comm, l->proc.exe, l->proc.tgid,
			       l->protocol, &l->addr, l->port, &l->proc.container))
		return VERIFY_SKIP;
	key_of(l, &k);
	t = htab__get(v->tracks, &k);
	if (t && t->in_flight)
		return VERIFY_WAIT;
	if (!due(v, l, t, when))
		return VERIFY_SKIP;
	job.n_probes = candidates(v, l, job.probes, &why);
	if (!job.n_probes) {
		set_unknown(l, why);
		return VERIFY_SET;
	}
	if (!target_of(l, &job.addr)) {
		set_unknown(l, "no address to probe it on");
		return VERIFY_SET;
	}
	if (t && t->last_start_ms && now_ms - t->last_start_ms < LW_VERIFY_MIN_GAP_MS) {
		if (when == VERIFY_CHANGED)
			t->recheck = true;
		return VERIFY_WAIT;
	}
	if (!(t = track_of(v, &k)))
		return VERIFY_WAIT;
	memcpy(job.key, &k, sizeof(k));
	job.netns_ino = l->netns_ino;
	job.pid_hint = l->proc.tgid;
	job.port = l->port;
	job.protocol = l->protocol;
	job.timeout_ms = (uint32_t)policy->timeout_ms;
	if (pool__submit(v->pool, &job))
		return VERIFY_WAIT;
	t->last_start_ms = now_ms ? now_ms : 1;
	t->in_flight = true;
	t->recheck = false;
	v->started++;
	return VERIFY_QUEUED;
}

struct collect_ctx {
	struct verify *v;
	verify_fn fn;
	void *ctx;
};

static void on_result(void *ctx, const struct probe_result *r)
{
	struct collect_ctx *c = ctx;
	struct endpoint_key k;
	struct lw_listener ep;
	struct track *t;

	memcpy(&k, r->key, sizeof(k));
	if ((t = htab__get(c->v->tracks, &k)))
		t->in_flight = false;
	memset(&ep, 0, sizeof(ep));
	ep.netns_ino = k.netns;
	ep.port = k.port;
	ep.protocol = k.protocol;
	ep.addr.family = k.family;
	memcpy(ep.addr.b, k.addr, sizeof(ep.addr.b));
	c->fn(c->ctx, &ep, &r->auth);
}

/* Endpoints not probed for a minute need no memory of it. */
static void prune(struct verify *v, uint64_t now_ms)
{
	struct htab_iter it;
	const void *key;
	void *val;

	htab__iter_init(&it);
	while (htab__next(v->tracks, &it, &key, &val)) {
		struct track *t = val;

		/* a recheck for a listener that has gone is forgotten in time too */
		if (!t->in_flight && now_ms - t->last_start_ms >= LW_VERIFY_MIN_GAP_MS &&
		    (!t->recheck || now_ms - t->last_start_ms >= 10 * LW_VERIFY_MIN_GAP_MS))
			free(htab__del(v->tracks, key));
	}
}

size_t verify__collect(struct verify *v, verify_fn fn, void *ctx, uint64_t now_ms)
{
	struct collect_ctx c = { v, fn, ctx };
	size_t n = pool__drain(v->pool, on_result, &c);

	if (now_ms - v->last_prune_ms >= LW_VERIFY_MIN_GAP_MS) {
		prune(v, now_ms);
		v->last_prune_ms = now_ms;
	}
	return n;
}

size_t verify__busy(struct verify *v)
{
	return pool__busy(v->pool);
}

void verify__wait(struct verify *v)
{
	pool__wait(v->pool);
}

uint64_t verify__started(const struct verify *v)
{
	return v->started;
}
