// SPDX-License-Identifier: Apache-2.0
/*
 * What each stored event does to the alerts: a listener opened, judged
 * again, probed or closed; a leak seen (again); an agent's heartbeat
 * (agenthealth.c). Runs in the batch's transaction, with the store locked.
 */
#include "alerting/engineint.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "alerting/compose.h"
#include "routing/route.h"
#include "config/ignore.h"
#include "os/log.h"

static bool rejudged(const Leakwatch__V1__ListenerEvent *l)
{
	return (l->auth && l->auth->state != LEAKWATCH__V1__AUTH__STATE__STATE_UNSPECIFIED) ||
	       l->source == LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_RELOAD ||
	       l->source == LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_ADDRESS ||
	       l->source == LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_NAT;
}

/*
 * A namespace inode is reused once its namespace is gone: a firing alert
 * raised for a namespace with another cookie is another listener, which
 * ended with its namespace. It resolves, and this one is raised afresh
 * (its own text and first-seen), never merged into it.
 */
static int end_other_namespace(struct alerts *a, const Leakwatch__V1__ListenerEvent *l, const char *key,
			       int64_t at_ns, uint64_t now)
{
	uint64_t was;
	int err;

	if (!l->netns_cookie || (err = alertdb__firing_netns_cookie(a->db, key, &was)))
		return l->netns_cookie ? err : 0;
	if (!was || was == l->netns_cookie)
		return 0;
	log_info("alert %s: network namespace %" PRIu64 " is gone, %" PRIu64 " has its inode", key, was,
		 l->netns_cookie);
	return engine__resolve(a, key, at_ns, now);
}

static bool ignored_listener(const struct alerts *a, const Leakwatch__V1__Event *ev, uint64_t now)
{
	const Leakwatch__V1__ListenerEvent *l = ev->listener;
	const Leakwatch__V1__Process *p = ev->process;
	const Leakwatch__V1__Container *ctr = ev->container;
	struct lw_place where = { 0 };
	struct lw_addr addr;

	if (!a->cfg->ignore || (l->address.len != 4 && l->address.len != 16))
		return false;
	if (ctr)
		where = (struct lw_place){ .namespace = ctr->pod_namespace, .pod = ctr->pod_name,
					   .container = ctr->container_name, .image = ctr->image, .cgroup = ctr->cgroup };
	addr__from_bytes(&addr, l->address.len == 16 ? AF_INET6 : AF_INET, l->address.data);
	return ignore__listener(a->cfg->ignore, p ? p->exe : NULL, p ? p->comm : NULL,
				l->protocol == LEAKWATCH__V1__PROTOCOL__PROTOCOL_UDP ? IPPROTO_UDP : IPPROTO_TCP,
				&addr, (uint16_t)l->port, &where, now / 1000000000ULL);
}

static int on_listener(struct alerts *a, const Leakwatch__V1__Event *ev, uint64_t now)
{
	struct alert al;
	bool current;
	int err;

	/* an old event arriving late changes nothing the listener table shows */
	if ((err = alertdb__listener_current(a->db, ev, &current)) || !current)
		return err;
	if (ev->listener->action == LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_CLOSE) {
		char key[ALERTKEY_LEN];

		alert__listener_key(ev, key);
		return engine__resolve(a, key, ev->time_unix_nano, now);
	}
	if (ignored_listener(a, ev, now)) {
		char key[ALERTKEY_LEN];

		/* accepted now: an alert raised before the entry was written ends */
		alert__listener_key(ev, key);
		return engine__resolve(a, key, ev->time_unix_nano, now);
	}
	if ((err = alert__listener(ev, &al)))
		return err;
	if ((err = end_other_namespace(a, ev->listener, al.key, ev->time_unix_nano, now))) {
		alert__free(&al);
		return err;
	}
	/* a probe's verdict, or a verdict judged again (the configuration or
	 * the namespace's addresses changed), changes a firing alert: its
	 * severity, text and routes. An open reported before its probe ended
	 * (a restart's inventory) leaves it as it is. */
	err = engine__raise(a, &al, now, true, rejudged(ev->listener));
	alert__free(&al);
	return err;
}

static int on_leak(struct alerts *a, const Leakwatch__V1__Event *ev, uint64_t now)
{
	struct alert al;
	bool acked;
	int err;

	/* acknowledged: handled, and a rotated secret's old value is harmless */
	if ((err = alertdb__leak_acked(a->db, ev->leak->fingerprint, &acked)) || acked)
		return err;
	/* accepted in the ignore file: stored, never alerted on */
	if (ignore__leak(a->cfg->ignore, ev->leak->fingerprint, ev->leak->rule, ev->leak->path, now / 1000000000ULL))
		return 0;
	if ((err = alert__leak(ev, a->cfg->leak_per_host, &al)))
		return err;
	err = engine__raise(a, &al, now, true, false);
	alert__free(&al);
	return err;
}

int engine__on_event(void *ctx, struct db *db, const struct ingest_batch *b,
		    const struct ingest_event *e, uint64_t now)
{
	struct alerts *a = ctx;
	const Leakwatch__V1__Event *ev = e->ev;

	(void)db;
	switch (ev->kind_case) {
	case LEAKWATCH__V1__EVENT__KIND_LISTENER: return on_listener(a, ev, now);
	case LEAKWATCH__V1__EVENT__KIND_LEAK: return on_leak(a, ev, now);
	case LEAKWATCH__V1__EVENT__KIND_HEALTH:
		return agenthealth__event(a, store__agent_id(b->agent_id, ev), ev, now);
	default: return 0;
	}
}
