// SPDX-License-Identifier: Apache-2.0
/*
 * An event as one line a person reads, in the shape of its alert's summary:
 *   01:23:45 db-1 high     listener redis on 0.0.0.0:6379/tcp, public, redis-server[7012], auth none
 *   01:23:46 db-1 critical leak     github-pat ghp_...kpMN in /var/log/api.log, offset 52, python3[3177]
 *   01:24:45 db-1 warn     health   agent dropped 12 events: ringbuf_full 12
 * A health event without drops is not a line at all (NULL).
 */
#include "wire/render.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "net/addr.h"
#include "wire/names.h"

static const char *set(const char *s)
{
	return s && *s ? s : NULL;
}

/* "01:23:45", the event's own time, UTC */
static void hms(FILE *f, int64_t ns)
{
	time_t t = (time_t)(ns > 0 ? ns / 1000000000 : 0);
	struct tm tm;

	gmtime_r(&t, &tm);
	fprintf(f, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void who(FILE *f, const Leakwatch__V1__Process *p)
{
	if (p && set(p->comm))
		fprintf(f, ", %s[%" PRIu32 "]", p->comm, p->pid);
	else if (p && p->pid)
		fprintf(f, ", pid %" PRIu32, p->pid);
}

static void listener_line(FILE *f, const Leakwatch__V1__Event *ev)
{
	const Leakwatch__V1__ListenerEvent *l = ev->listener;
	const Leakwatch__V1__Service *svc = l->service;
	bool port_only = svc && svc->identified_by == LEAKWATCH__V1__SERVICE__IDENTIFIED_BY__IDENTIFIED_BY_PORT;
	const char *auth = l->auth ? auth_state__wire_name(l->auth->state) : NULL;
	char ip[LW_ADDR_STRLEN];

	addr__format_bytes(l->address.data, l->address.len, ip);
	fprintf(f, "%-8s %-8s ", l->action == LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_CLOSE ? "closed"
									: severity__wire_name(l->severity),
		"listener");
	fprintf(f, "%s%s on %s%s%s:%" PRIu32 "/%s, %s", svc && set(svc->name) ? svc->name : "a listener",
		port_only ? "?" : "", l->address.len == 16 ? "[" : "", ip, l->address.len == 16 ? "]" : "", l->port,
		l->protocol == LEAKWATCH__V1__PROTOCOL__PROTOCOL_UDP ? "udp" : "tcp", addr_class__wire_name(l->exposure));
	if (l->published) {
		char pip[LW_ADDR_STRLEN];

		addr__format_bytes(l->published->address.data, l->published->address.len, pip);
		fprintf(f, " (published on %s:%" PRIu32 ")", pip, l->published->port);
	}
	who(f, ev->process);
	if (auth)
		fprintf(f, ", auth %s", auth);
	if (l->expected)
		fputs(", expected", f);
}

static void leak_line(FILE *f, const Leakwatch__V1__Event *ev)
{
	const Leakwatch__V1__LeakEvent *l = ev->leak;

	fprintf(f, "%-8s %-8s %s %s in ", severity__wire_name(l->severity), "leak", l->rule ? l->rule : "?",
		set(l->redacted) ? l->redacted : "(not shown)");
	if (l->journal)
		fprintf(f, "the journal (%s)", set(l->journal->unit) ? l->journal->unit
					      : set(l->journal->syslog_identifier) ? l->journal->syslog_identifier : "?");
	else if (set(l->previous_path))
		fprintf(f, "%s (was %s), offset %" PRIu64, set(l->path) ? l->path : "?", l->previous_path, l->offset);
	else
		fprintf(f, "%s, offset %" PRIu64, set(l->path) ? l->path : "?", l->offset);
	who(f, ev->process);
	if (l->count > 1)
		fprintf(f, " (x%" PRIu64 ")", l->count);
}

/* false: nothing worth a line (no drops) */
static bool health_line(FILE *f, const Leakwatch__V1__Event *ev)
{
	const Leakwatch__V1__AgentHealth *h = ev->health;
	uint64_t total = 0;

	for (size_t i = 0; i < h->n_drops; i++)
		total += h->drops[i]->value;
	if (!total)
		return false;
	fprintf(f, "%-8s %-8s agent dropped %" PRIu64 " events:", "warn", "health", total);
	for (size_t i = 0; i < h->n_drops; i++)
		if (h->drops[i]->value)
			fprintf(f, " %s %" PRIu64, h->drops[i]->key ? h->drops[i]->key : "?", h->drops[i]->value);
	return true;
}

char *render__event_text(const Leakwatch__V1__Event *ev)
{
	char *out = NULL;
	size_t len = 0;
	bool shown = true;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	hms(f, ev->time_unix_nano);
	fprintf(f, " %s ", ev->host && set(ev->host->hostname) ? ev->host->hostname : "-");
	switch (ev->kind_case) {
	case LEAKWATCH__V1__EVENT__KIND_LISTENER: listener_line(f, ev); break;
	case LEAKWATCH__V1__EVENT__KIND_LEAK: leak_line(f, ev); break;
	case LEAKWATCH__V1__EVENT__KIND_HEALTH: shown = health_line(f, ev); break;
	default: shown = false; break;
	}
	if (fclose(f) || !shown) {
		free(out);
		return NULL;
	}
	return out;
}
