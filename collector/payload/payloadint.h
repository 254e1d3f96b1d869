/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the payload of every sink shares (payload.c), for the one file per
 * sink: payload_am.c, payload_pd.c, payload_slack.c, payload_webhook.c.
 * Private to payload/.
 */
#ifndef COLLECTOR_PAYLOADINT_H
#define COLLECTOR_PAYLOADINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wire/jsonw.h"
#include "payload/payload.h"

/* The runbook link for a kind, or NULL. */
const char *payload_runbook(const struct alertcfg *cfg, enum store_kind k);
/* What w built, as a malloc'd string; frees w. */
char *payload_take(struct jsonw *w);
void payload_kv_time(struct jsonw *w, const char *key, int64_t ns);
/* "name=value" lines as a JSON object of strings (key NULL: a value in an array) */
void payload_kv_object(struct jsonw *w, const char *key, const char *kvtext);
/* The stored description, and for a leak how often it was seen; malloc'd. */
char *payload_description(const struct alert_view *v);
bool payload_resolving(enum outbox_action a);
bool payload_grouped(enum outbox_action a);
int payload_max_severity(const struct notification *n);
/* Announced after it had already ended (it opened and closed inside a group window). */
bool payload_closed_on_notice(const struct notification *n, const struct alert_view *v);
size_t payload_closed_count(const struct notification *n);
/* How long it was open: "20 s", "3 min 5 s", "2 h 7 min". */
const char *payload_open_for(const struct alert_view *v, char buf[32]);
/* " (already closed: open for 20 s)" on a notice of something that has ended */
void payload_closed_note(FILE *f, const struct notification *n, const struct alert_view *v);
/* A group's host: its members share it. */
const char *payload_group_host(const struct notification *n);
/* "30 new exposed listeners on web-7", or the group's end; malloc'd. */
char *payload_group_summary(const struct notification *n);

#endif
