// SPDX-License-Identifier: Apache-2.0
/*
 * An agent's own problems, from its health events: it is back (any
 * heartbeat ends "silent"), it keeps dropping events, its spool is filling.
 * Silence itself is found by the engine's ticker.
 */
#include <inttypes.h>
#include <stdio.h>

#include "alerting/alertkey.h"
#include "alerting/engineint.h"

static int agent_problem(struct alerts *a, enum agent_problem p, bool holds,
			 const struct agent_status *st, uint64_t now)
{
	struct alert al;
	int err;

	if (!holds) {
		char key[ALERTKEY_LEN];

		alertkey__agent(key, st->agent_id, agent_problem__name(p));
		return engine__resolve(a, key, (int64_t)now, now);
	}
	if ((err = alert__agent(p, st, (int64_t)now, &al)))
		return err;
	err = engine__raise(a, &al, now, true, false);
	alert__free(&al);
	return err;
}

/* "ringbuf_full=12 spool_full=3": the non-zero loss counters */
static void drop_reasons(const Leakwatch__V1__AgentHealth *h, char *buf, size_t len, uint64_t *total)
{
	size_t n = 0;

	buf[0] = '\0';
	*total = 0;
	for (size_t i = 0; i < h->n_drops; i++) {
		*total += h->drops[i]->value;
		if (h->drops[i]->value && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s=%" PRIu64, n ? " " : "",
					      h->drops[i]->key, h->drops[i]->value);
	}
}

int agenthealth__event(struct alerts *a, const char *agent_id, const Leakwatch__V1__Event *ev, uint64_t now)
{
	const struct alertcfg *cfg = a->cfg;
	const Leakwatch__V1__AgentHealth *h = ev->health;
	const Leakwatch__V1__SpoolState *sp = h->spool;
	struct agent_status st = {
		.agent_id = agent_id,
		.host = ev->host->hostname,
		.version = ev->host->agent_version,
		.drop_reports = cfg->drop_reports,
	};
	struct agent_watch w;
	char reasons[512];
	uint64_t total, delta;
	bool current, found, restarted, filling = false;
	int err;

	/* any heartbeat, however old, says the agent is back */
	if ((err = agent_problem(a, AGENT_SILENT, false, &st, now)))
		return err;
	if ((err = alertdb__agent_current(a->db, agent_id, ev, &current)) || !current)
		return err;
	if ((err = alertdb__watch(a->db, agent_id, &w, &found)))
		return err;

	/* counters restart with the agent: then all of them are new */
	drop_reasons(h, reasons, sizeof(reasons), &total);
	restarted = !found || h->uptime_seconds < w.uptime_s || total < w.drops_total;
	delta = restarted ? total : total - w.drops_total;
	if (delta) {
		w.drop_streak++;
		w.streak_drops += delta;
		w.clean_streak = 0;
	} else {
		w.clean_streak++;
		w.drop_streak = 0;
		w.streak_drops = 0;
	}
	st.drops_new = w.streak_drops;
	st.drop_reasons = reasons;
	if (w.drop_streak >= cfg->drop_reports)
		err = agent_problem(a, AGENT_DROPS, true, &st, now);
	else if (w.clean_streak >= cfg->drop_reports)
		err = agent_problem(a, AGENT_DROPS, false, &st, now);

	if (sp) {
		filling = (cfg->spool_bytes && sp->bytes >= cfg->spool_bytes) ||
			  (cfg->spool_age_ms && sp->oldest_age_seconds * 1000 >= cfg->spool_age_ms) ||
			  (!restarted && sp->dropped_full > w.dropped_full);
		st.spool_bytes = sp->bytes;
		st.spool_records = sp->records;
		st.spool_age_s = sp->oldest_age_seconds;
		st.spool_dropped_full = sp->dropped_full;
	}
	err = err ?: agent_problem(a, AGENT_SPOOL, filling, &st, now);

	w.drops_total = total;
	w.uptime_s = h->uptime_seconds;
	w.dropped_full = sp ? sp->dropped_full : 0;
	return err ?: alertdb__set_watch(a->db, agent_id, &w);
}
