/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The collector's HTTP(S) endpoints, on libmicrohttpd:
 *   POST /v1/events    gzip EventBatch in, BatchAck out (an ingest credential)
 *   GET  /v1/findings  JSON findings (an operator credential)
 *   POST /v1/findings/{fingerprint}/ack  a leak is handled; its alerts resolve
 *                      (an operator credential)
 *   GET  /healthz      "ok"
 *   GET  /metrics      Prometheus text (promtext.h); no token: totals only
 *   /ui/...            the pages (ui/ui.h): an operator's session or token
 * Every refusal is a 4xx (or 503 when the collector itself is short) and a
 * counter; nothing from a refused batch is stored. No token, or an unknown
 * one, is 401; a credential of the wrong role, or an ingest credential
 * reporting for a host its `hosts` do not allow, is 403 (server/auth.h).
 */
#ifndef COLLECTOR_SERVER_H
#define COLLECTOR_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "alerting/engine.h"
#include "settings/config.h"
#include "ingest/ingest.h"
#include "server/metrics.h"
#include "storage/store.h"
#include "access/auth.h"
#include "access/token.h"

struct server;

struct server_opts {
	struct listen_addr listen;
	const char *tls_cert_pem;  /* PEM text; both set for HTTPS */
	const char *tls_key_pem;
	const char *tls_client_ca_pem; /* mTLS: client certificates it signed authenticate agents */
	bool tls_client_required;      /* events need a client certificate, a token is not enough */
	unsigned max_connections;
	unsigned max_connections_per_ip;
	unsigned reserve_connections; /* beyond max: for /healthz, /metrics and operators only */
	unsigned timeout_s;
	uint64_t header_timeout_ms;   /* a request's headers must be in by then */
	uint64_t min_body_rate;       /* bytes per second, once a body has had header_timeout */
	unsigned threads;
	struct ingest_limits limits;
	uint64_t max_inflight;     /* request bytes held in memory at once */
	struct auth *auth;         /* taken over by a server that starts (server__set_auth swaps it) */
	struct store *store;       /* written by POST /v1/events */
	struct store_opts db_where; /* opened read-only by GET /v1/findings and the pages */
	struct metrics *metrics;
	struct alerts *alerts;     /* kicked when new notifications may wait; may be NULL
				    * (server__set_alerts once a reload starts alerting) */
	uint64_t session_ttl_ms;   /* a page's sign-in lasts this long (0: 12 h) */
	const struct session_key *session_key; /* the pages' (copied); NULL: a random one */
	struct cfgref *alerting;   /* the pages' view of alerting's configuration (ui__configure) */
	bool print_events;         /* each newly stored event as a line on stdout */
	bool print_text;           /* that line for a person (stdout is a terminal), else JSON */
};

int server__start(const struct server_opts *o, struct server **out, char *err, size_t errlen);
/* The port actually bound (listen port 0 lets the kernel choose). */
uint16_t server__port(const struct server *s);
/* The counters, read atomically (for a metrics endpoint). */
void server__metrics(const struct server *s, struct metrics *out);
/* A reload brought the first route: the engine now exists. It must outlive
 * the server, as o->alerts must. */
void server__set_alerts(struct server *s, struct alerts *a);
/* SIGHUP: new credentials; requests under way finish with the old ones. */
void server__set_auth(struct server *s, struct auth *a);
/* SIGHUP: alerting's new configuration, for the pages (ui__configure). */
void server__configure_pages(struct server *s, struct cfgref *alerting);
void server__stop(struct server *s);

#endif
