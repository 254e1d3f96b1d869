// SPDX-License-Identifier: Apache-2.0
/*
 * The running agent's side of probing (listeners/verify.h): an open event
 * waits up to probe.timeout for its probe's verdict, so that the first
 * report, and the first page, already says whether the door is open; a
 * verdict that comes later, or changes, is a "verified" event. Verdicts are
 * taken on the main thread, like every other change to the open set.
 */
#include "core/probing.h"

#include <string.h>

#include "os/clock.h"
#include "os/log.h"

#define DUE_EVERY_MS 1000

void probing__opened(struct agent *a, struct lw_listener *l)
{
	uint64_t now = clock__monotonic_ms();

	switch (a->verify ? verify__plan(a->verify, l, VERIFY_OPENED, now) : VERIFY_SKIP) {
	case VERIFY_QUEUED:
		l->hold_until_ms = now + a->cfg.probe_timeout_ms;
		a->n_held++;
		return;
	case VERIFY_SET: {
		struct lw_auth now = l->auth;

		listener__take_auth(l, &now);
		break;
	}
	default:
		break;
	}
	runtime__emit_listener(a, l);
}

static void release(struct agent *a, struct lw_listener *l)
{
	l->hold_until_ms = 0;
	a->n_held--;
	runtime__emit_listener(a, l);
}

void probing__closed(struct agent *a, struct lw_listener *opened)
{
	/* its open was held: reported now, so that the close has an open to end */
	if (opened->hold_until_ms)
		release(a, opened);
}

static void on_verdict(void *ctx, const struct lw_listener *endpoint, const struct lw_auth *auth)
{
	struct agent *a = ctx;
	struct lw_listener *l = socktab__find(a->socks, endpoint);
	struct lw_listener ev;
	bool news;

	a->probes_done++;
	if (!l)
		return; /* it closed meanwhile */
	news = listener__take_auth(l, auth);
	if (l->hold_until_ms) {
		release(a, l);
		return;
	}
	if (!news)
		return;
	ev = *l;
	ev.verified = true;
	ev.source = "probe";
	ev.ts_ns = auth->probed_ns ? auth->probed_ns : clock__realtime_ns();
	runtime__emit_listener(a, &ev);
}

struct sweep {
	struct agent *a;
	uint64_t now;
	bool due;
};

static void sweep_one(void *ctx, struct lw_listener *l)
{
	struct sweep *s = ctx;
	struct lw_auth before = l->auth;

	if (l->hold_until_ms && l->hold_until_ms <= s->now) {
		/* the probe is late: the open goes without it, a verified event follows */
		release(s->a, l);
		return;
	}
	if (!s->due || l->hold_until_ms)
		return;
	if (verify__plan(s->a->verify, l, VERIFY_DUE, s->now) == VERIFY_SET) {
		struct lw_auth now = l->auth;

		l->auth = before;
		if (listener__take_auth(l, &now)) {
			struct lw_listener ev = *l;

			ev.verified = true;
			ev.source = "probe";
			ev.ts_ns = clock__realtime_ns();
			runtime__emit_listener(s->a, &ev);
		}
	}
}

void probing__tick(struct agent *a, uint64_t now)
{
	struct sweep s = { a, now, now >= a->next_due_ms };

	if (!a->verify)
		return;
	verify__collect(a->verify, on_verdict, a, now);
	if (!s.due && !a->n_held)
		return;
	socktab__each(a->socks, sweep_one, &s);
	if (s.due)
		a->next_due_ms = now + DUE_EVERY_MS;
}

void probing__rejudged(struct agent *a, struct lw_listener *opened)
{
	if (a->verify && !opened->hold_until_ms)
		verify__plan(a->verify, opened, VERIFY_CHANGED, clock__monotonic_ms());
}

static void release_held(void *ctx, struct lw_listener *l)
{
	if (l->hold_until_ms)
		release(ctx, l);
}

void probing__flush(struct agent *a)
{
	if (a->n_held)
		socktab__each(a->socks, release_held, a);
}
