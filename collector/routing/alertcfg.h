/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `alerting:` section of the collector's configuration: where alerts go
 * (sinks), which alerts go where (routes), and the timings of dedup, grouping,
 * retries and agent health. Parsed here, checked here; deploy/collector.yaml
 * documents every key.
 */
#ifndef COLLECTOR_ALERTCFG_H
#define COLLECTOR_ALERTCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/store.h"
#include "config/yamlcfg.h"

#define ALERT_MAX_SINKS 32   /* a bit each in a route's sink mask */
#define ALERT_MAX_ROUTES 256
#define ALERT_MAX_PATTERNS 64
#define ALERT_MAX_URL 2048
#define ALERT_SINK_NAME_MAX 64

#define PAGERDUTY_EVENTS_URL "https://events.pagerduty.com/v2/enqueue"

enum sink_type { SINK_ALERTMANAGER, SINK_PAGERDUTY, SINK_SLACK, SINK_WEBHOOK, SINK__COUNT };

struct alert_sink {
	char *name;
	enum sink_type type;
	char *url;          /* the exact URL POSTed to (Alertmanager: .../api/v2/alerts) */
	char *routing_key;  /* PagerDuty integration key: a secret, never logged */
	char *bearer;       /* webhook: "Authorization: Bearer" from token_file, never logged */
	bool send_resolved; /* Slack and webhook: also announce the end of a problem */
	bool resolved_set;  /* given in the file (allowed for Slack and webhook only) */
};

struct alert_patterns {
	char **v;           /* fnmatch(3) patterns; any one matching is a match */
	size_t n;
};

struct alert_route {
	unsigned kinds;     /* a bit per enum store_kind; 0: every kind */
	int min_severity;   /* leakwatch.v1.Severity */
	struct alert_patterns hosts, namespaces, rules, services;
	char *sink_name;
	unsigned sink;      /* index into sinks, resolved once all are read */
	bool cont;          /* `continue`: keep matching the routes after this one */
};

struct alertcfg {
	struct alert_sink *sinks;
	size_t n_sinks;
	struct alert_route *routes;
	size_t n_routes;
	char *runbook[STORE_KIND_COUNT]; /* NULL: none */
	uint64_t resend_ms;       /* Alertmanager: firing alerts sent again this often */
	uint64_t group_window_ms; /* new listeners on one host, past the first: one notification */
	uint64_t timeout_ms;      /* one HTTP request to a sink */
	uint64_t backoff_ms;      /* first retry after a failed delivery */
	uint64_t max_backoff_ms;
	uint64_t give_up_ms;      /* a notification undelivered this long is dropped, and counted */
	uint64_t stale_ms;        /* no heartbeat this long: the agent stopped reporting (0: off) */
	uint64_t drop_reports;    /* consecutive heartbeats with new drops: sustained */
	uint64_t spool_bytes;     /* a spool this large is filling (0: off) */
	uint64_t spool_age_ms;    /* or this old (0: off) */
	bool leak_per_host;       /* leak_alerts: host, one alert per fingerprint and host */
	char *public_url;         /* server.public_url, no trailing "/": alerts link to the pages; NULL: no links */
	char *ignore_file;        /* NULL: /etc/leakwatch/ignore.yaml if it exists */
	struct lw_ignore *ignore; /* accepted findings: no alert */
};

void alertcfg__defaults(struct alertcfg *a);
void alertcfg__free(struct alertcfg *a);
/* Alerting is on when there is at least one route. */
bool alertcfg__enabled(const struct alertcfg *a);
/* The index of the sink of that name, or -ENOENT. */
int alertcfg__sink_index(const struct alertcfg *a, const char *name);

/*
 * The keys of the `alerting:` section, for a struct alertcfg, and the check
 * once all are read (routes name sinks that may come later):
 *   YAMLCFG_SECTION_IN("alerting", alerting, alertcfg_keys, alertcfg__check)
 */
extern const struct yamlcfg_key alertcfg_keys[];
int alertcfg__check(struct yamlcfg *c, yaml_node_t *n);

const char *sink_type__name(enum sink_type t);

#endif
