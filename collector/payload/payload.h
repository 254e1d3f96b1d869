/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bodies POSTed to each kind of sink, from stored alerts:
 *   alertmanager  a JSON array of {labels, annotations, startsAt, endsAt}
 *                 (Alertmanager API v2, POST /api/v2/alerts); endsAt in the
 *                 future while firing, the time it ended once resolved
 *   pagerduty     Events API v2: {routing_key, event_action trigger|resolve,
 *                 dedup_key, payload {summary, source, severity, timestamp,
 *                 component, group, class, custom_details}, links, client}
 *   slack         an incoming-webhook message: {text, blocks}
 *   webhook       {version, id, status, dedup_key, kind, group, alerts[]}
 * No I/O here; every function returns a malloc'd string, or NULL when out of
 * memory or when the sink takes no such notification.
 */
#ifndef COLLECTOR_PAYLOAD_H
#define COLLECTOR_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "routing/alertcfg.h"
#include "notify/alertview.h"
#include "notify/outbox.h"

#define PAYLOAD_VERSION "leakwatch.alert.v1"
#define PAYLOAD_PD_SUMMARY_MAX 1024 /* PagerDuty's limit */
#define PAYLOAD_SLACK_TEXT_MAX 2900 /* under Slack's 3000 per text block */

struct notification {
	enum outbox_action action;
	int64_t id;                     /* the outbox row: an idempotency key */
	const char *dedup_key;          /* the alert's key, or the group's */
	int64_t at_ns;                  /* when it began or ended */
	const struct alert_view *alerts; /* one, a group's members, or everything firing */
	size_t n;                       /* listed */
	size_t total;                   /* in all (a group may list fewer) */
};

/* Alertmanager takes several notifications in one POST. */
char *payload__alertmanager(const struct alertcfg *cfg, const struct notification *ns, size_t n,
			    uint64_t now_ns);
char *payload__pagerduty(const struct alertcfg *cfg, const struct alert_sink *s,
			 const struct notification *n, uint64_t now_ns);
char *payload__slack(const struct alertcfg *cfg, const struct notification *n, uint64_t now_ns);
char *payload__webhook(const struct alertcfg *cfg, const struct notification *n, uint64_t now_ns);

/* By the sink's type; ns[1..] only for Alertmanager. */
char *payload__build(const struct alertcfg *cfg, const struct alert_sink *s,
		     const struct notification *ns, size_t n, uint64_t now_ns);

/* PagerDuty's severity for leakwatch's: critical, error, warning or info. */
const char *payload__pd_severity(int severity);
/* The longest prefix of s of at most max bytes that ends on a UTF-8 boundary. */
size_t payload__utf8_cut(const char *s, size_t max);

#endif
