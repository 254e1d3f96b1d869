/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One POST of a JSON body to a sink, over libcurl (TLS, proxies from the
 * environment). No redirects: a sink that moved is a configuration error,
 * not a reason to send alerts elsewhere. Nothing secret is logged: not the
 * URL (a Slack webhook's path is its credential), not the headers.
 */
#ifndef COLLECTOR_SINK_H
#define COLLECTOR_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "routing/alertcfg.h"

struct sink_http;

enum sink_outcome {
	SINK_DELIVERED, /* 2xx */
	SINK_RETRY,     /* no answer, 408, 429, 5xx: try again later */
	SINK_REJECTED,  /* any other answer: it will never take this body */
};

struct sink_result {
	enum sink_outcome outcome;
	long status;             /* HTTP status, 0 without an answer */
	uint64_t retry_after_ms; /* the sink's Retry-After, 0 if none */
	char error[160];         /* for the log and the outbox row */
};

/* curl_global_init must have run (alerts__start does it). A request in
 * flight is abandoned, as a failure, once *stopping turns true. */
int sink_http__new(uint64_t timeout_ms, const bool *stopping, struct sink_http **out);
void sink_http__free(struct sink_http *h);
/* A reload changed alerting.timeout; from the next request on. */
void sink_http__set_timeout(struct sink_http *h, uint64_t timeout_ms);
/* delivery_id goes in an Idempotency-Key header for receivers that dedup. */
void sink_http__post(struct sink_http *h, const struct alert_sink *s, const char *body,
		     int64_t delivery_id, struct sink_result *r);

enum sink_outcome sink__classify(long status);

#endif
