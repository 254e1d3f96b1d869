/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The collector's pages, under /ui/: what is open now, one finding with its
 * history, and the agents. Server-rendered HTML with no JavaScript needed
 * (a little, from /ui/app.js, submits the filters on change). Only the
 * operator role reads or acknowledges: a session cookie from the sign-in
 * form, or an operator bearer token; an ingest credential is 403.
 *
 *   GET  /ui/                      open exposures and unacknowledged leaks,
 *                                  filtered by host, namespace, kind, severity
 *   GET  /ui/listener/<host>/<netns>/<proto>/<address>/<port>
 *   GET  /ui/leak/<fingerprint>    one finding, where it was seen, its history
 *   POST /ui/leak/<fingerprint>/ack  (form, with the session's CSRF token)
 *   GET  /ui/hosts                 agents, the silent ones first
 *   GET  /ui/login, POST /ui/login, POST /ui/logout
 *   GET  /ui/style.css, /ui/app.js
 *
 * No HTTP library here: the server turns its request into a ui_request and
 * sends back the ui_response with the security headers (ui__headers).
 */
#ifndef COLLECTOR_UI_H
#define COLLECTOR_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pthread.h>

#include "access/auth.h"
#include "routing/cfgref.h"
#include "storage/store.h"
#include "web/session.h"

struct alerts;
struct store;
struct metrics;

#define UI_MAX_FORM 4096        /* a POSTed form's body */
#define UI_SESSION_TTL_MS (12ULL * 3600 * 1000)
#define UI_COOKIE "leakwatch_session"

struct ui {
	struct session_key key;
	/* alerting's configuration as it stands (runbooks, heartbeat_timeout,
	 * public_url): a page holds a reference while it renders */
	struct cfgref_slot alerting;
	struct store_opts db_where; /* opened read-only for each page */
	struct store *store;    /* written by acknowledge */
	struct metrics *metrics;
	bool tls;               /* served over TLS here: cookies are Secure */
	uint64_t session_ttl_ms;
	struct session_revoked revoked; /* sessions signed out of */
};

struct ui_request {
	const char *method;
	const char *path;       /* decoded, from "/ui" on */
	const char *target;     /* the path and query, percent-encoded: where to return after sign-in */
	const char *cookie;     /* the session cookie's value, or NULL */
	const char *authorization;
	const char *sec_fetch_site, *origin, *host; /* cross-site checks on POST */
	const char *(*arg)(void *ctx, const char *name); /* a query argument, or NULL */
	void *arg_ctx;
	const char *body;       /* a POSTed form */
	size_t len;
	struct auth *auth;      /* the credentials now */
	struct alerts *alerts;  /* kicked when an acknowledgement resolves alerts; may be NULL */
	uint64_t now_ns;
};

struct ui_response {
	unsigned status;
	const char *type;       /* Content-Type */
	char *body;             /* malloc'd, or static when body_static */
	size_t len;
	bool body_static;
	char location[1024];    /* for 303 */
	char set_cookie[SESSION_COOKIE_MAX + 160];
	bool cacheable;         /* the style sheet and script */
	const char *retry_after;
	const char *allow;      /* the methods, with 405 */
};

/* A new session key and no runbooks. 0, or -EIO when no randomness. */
int ui__init(struct ui *ui);
void ui__fini(struct ui *ui);
/* Alerting's configuration, at start and on SIGHUP: the pages' runbook
 * links, when an agent counts as silent (heartbeat_timeout; 0: five
 * minutes), and whether an https public_url makes cookies Secure. The
 * slot takes its own reference; ref may be NULL. */
void ui__configure(struct ui *ui, struct cfgref *ref);
/* Answers one request under /ui; out is filled, its body to be freed with ui__response_free. */
void ui__handle(struct ui *ui, const struct ui_request *rq, struct ui_response *out);
void ui__response_free(struct ui_response *r);

/* The headers every answer under /ui carries, name and value in pairs, NULL-ended. */
extern const char *const ui__headers[];

#endif
