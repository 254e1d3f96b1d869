/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An alert as the responder reads it, made from the event that raised it:
 * what happened, where (host, pod, process, file and offset), why it matters
 * (public interface, not expected, rule), and its identity (dedup key and
 * labels). Built once, when the alert fires, and stored with it. A leak's
 * alert carries the rule, the redacted form and the fingerprint only: the
 * collector never sees a secret, and this is where that must stay true.
 */
#ifndef COLLECTOR_COMPOSE_H
#define COLLECTOR_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alerting/alertkey.h"
#include "leakwatch/v1/leakwatch.pb-c.h"
#include "routing/route.h"
#include "storage/store.h"

enum agent_problem { AGENT_SILENT, AGENT_DROPS, AGENT_SPOOL, AGENT_PROBLEM_COUNT };

struct alert {
	enum store_kind kind;
	int severity;          /* leakwatch.v1.Severity */
	char key[ALERTKEY_LEN];
	const char *alertname; /* static */
	char *host;
	char *namespace;       /* the pod's; NULL when unknown, as below */
	char *pod;
	char *service;         /* listeners */
	char *rule;            /* leaks */
	char *fingerprint;     /* leaks */
	char *agent_id;        /* agent health */
	char *labels;          /* "name=value\n" lines: the alert's identity in Alertmanager */
	char *details;         /* "name=value\n" lines: context for PagerDuty and webhooks */
	char *summary;         /* one line */
	char *description;     /* What / Where / Why / What to do, a line each */
	uint64_t count;        /* sightings this event adds: a leak's count, else 1 */
	int64_t at_ns;         /* when it happened */
};

/* What the engine knows about an agent, for its health alerts. */
struct agent_status {
	const char *agent_id;
	const char *host;
	const char *version;
	uint64_t last_heartbeat_ns;  /* silent: collector's clock */
	uint64_t silent_ms;
	uint64_t drops_new;          /* drops: lost over the last drop_reports heartbeats */
	uint64_t drop_reports;
	const char *drop_reasons;    /* "ringbuf_full=12 truncated=3" */
	uint64_t spool_bytes;        /* spool */
	uint64_t spool_records;
	uint64_t spool_age_s;
	uint64_t spool_dropped_full;
};

/* Each returns 0, or -ENOMEM with *a freed. */
int alert__listener(const Leakwatch__V1__Event *ev, struct alert *a);
/* per_host: keyed by fingerprint and host; else by fingerprint, one alert for every host. */
int alert__leak(const Leakwatch__V1__Event *ev, bool per_host, struct alert *a);
int alert__agent(enum agent_problem p, const struct agent_status *st, int64_t at_ns, struct alert *a);
void alert__free(struct alert *a);
/* The dedup key alert__listener would give, without the text (for a close). */
void alert__listener_key(const Leakwatch__V1__Event *ev, char key[ALERTKEY_LEN]);

void alert__facts(const struct alert *a, struct alert_facts *f);

struct alert_text;
/* For the composers of each kind: the identity common to all, and the
 * texts moved into the alert (each returns 0, or -ENOMEM with *a freed by
 * alert__end). */
int alert__begin(struct alert *a, enum store_kind kind, int severity, const Leakwatch__V1__Event *ev);
/* Opens the four texts and writes the labels every alert has: alertname,
 * severity, host and kind. */
int alert__text_begin(struct alert *a, const char *kind, struct alert_text *labels,
		      struct alert_text *details, struct alert_text *summary,
		      struct alert_text *description);
int alert__end(struct alert *a, struct alert_text *labels, struct alert_text *details,
	       struct alert_text *summary, struct alert_text *description);
const char *agent_problem__name(enum agent_problem p);

/*
 * Walks "name=value\n" lines: returns false at the end. name and value point
 * into the text and are not NUL-terminated.
 */
bool alert__kv_next(const char **cursor, const char **name, size_t *name_len, const char **value,
		    size_t *value_len);

#endif
