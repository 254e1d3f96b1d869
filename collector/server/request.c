// SPDX-License-Identifier: Apache-2.0
/*
 * One request from its first header to its answer: routing, method,
 * credentials, the body under the in-flight budget, then the endpoint
 * (routes.c, uiroute.c). libmicrohttpd calls request__on_request and
 * request__on_completed; server.c runs the daemon.
 */
#include "server/request.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access/clientcert.h"
#include "server/connguard.h"
#include "net/url.h"
#include "os/log.h"

#define FIRST_CHUNK (64 * 1024)  /* buffer for a body of unknown length */

/* --- the in-flight budget: bodies are held in memory until decoded --- */

static bool reserve(struct server *s, struct request *r, uint64_t n)
{
	uint64_t cur = __atomic_load_n(&s->inflight, __ATOMIC_RELAXED);

	do {
		if (cur + n > s->o.max_inflight)
			return false;
	} while (!__atomic_compare_exchange_n(&s->inflight, &cur, cur + n, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	r->reserved += n;
	return true;
}

static void release(struct server *s, struct request *r)
{
	__atomic_fetch_sub(&s->inflight, r->reserved, __ATOMIC_RELAXED);
	r->reserved = 0;
}

static void drop_body(struct server *s, struct request *r)
{
	free(r->body);
	r->body = NULL;
	r->len = r->cap = 0;
	release(s, r);
}

/* --- responses --- */

enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type,
			       void *body, size_t len, enum MHD_ResponseMemoryMode mode,
			       const struct request *r)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!resp) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	if (r && r->allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r && r->retry_after)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, r->retry_after);
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status, const char *msg,
				    const struct request *r)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "%s\n", msg);

	return respond(c, status, "text/plain; charset=utf-8", buf, (size_t)n, MHD_RESPMEM_MUST_COPY, r);
}

/* Decides an error now, to be answered once the body has been read. */
static void refuse(struct server *s, struct request *r, int status, const char *msg,
		   enum metrics_reject reason)
{
	if (r->status)
		return;
	r->status = status;
	r->message = msg;
	r->discard = true;
	metrics__reject(s->o.metrics, reason, 1);
}

/* --- request phases --- */

static enum route route_of(const char *url, char finding[MAX_FINDING_ID + 1])
{
	if (!strcmp(url, "/healthz"))
		return ROUTE_HEALTHZ;
	if (!strcmp(url, "/livez"))
		return ROUTE_LIVEZ;
	if (!strcmp(url, "/metrics"))
		return ROUTE_METRICS;
	if (!strcmp(url, "/v1/events"))
		return ROUTE_EVENTS;
	if (!strcmp(url, "/v1/findings"))
		return ROUTE_FINDINGS;
	if (!strcmp(url, "/ui") || !strncmp(url, "/ui/", 4))
		return ROUTE_UI;
	if (!url__segment_between(url, "/v1/findings/", "/ack", finding, MAX_FINDING_ID + 1))
		return ROUTE_NONE;
	return ROUTE_ACK;
}

static bool is_get(const char *method)
{
	return !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
}

/* Content-Type, when given, must say protobuf; parameters are ignored. */
static bool protobuf_type(const char *t)
{
	static const char *const ok[] = { "application/x-protobuf", "application/protobuf",
					  "application/octet-stream" };
	size_t n;

	if (!t)
		return true;
	n = strcspn(t, "; \t");
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (n == strlen(ok[i]) && !strncasecmp(t, ok[i], n))
			return true;
	return false;
}

/*
 * mTLS: a verified client certificate is an ingest credential for the one
 * host it names. 1: r->cred is it; 0: no certificate, try a token; -1:
 * refused (an invalid certificate, or none where one is required).
 */
static int certificate(struct server *s, struct MHD_Connection *c, struct request *r)
{
	const char *why;

	if (!s->o.tls_client_ca_pem || r->route != ROUTE_EVENTS)
		return 0;
	switch (clientcert__identity(c, r->cert_host, sizeof(r->cert_host), &why)) {
	case CLIENTCERT_VALID:
		snprintf(r->cert_cred.name, sizeof(r->cert_cred.name), "cert:%.59s", r->cert_host);
		r->cert_cred.roles = AUTH_INGEST;
		r->cert_hosts[0] = r->cert_host;
		r->cert_cred.hosts = r->cert_hosts;
		r->cert_cred.n_hosts = 1;
		r->cred = &r->cert_cred;
		return 1;
	case CLIENTCERT_INVALID:
		snprintf(r->forbidden, sizeof(r->forbidden), "unauthorized: %s", why);
		refuse(s, r, MHD_HTTP_UNAUTHORIZED, r->forbidden, REJECT_AUTH);
		log_info("refused a client certificate: %s", why);
		return -1;
	default:
		if (!s->o.tls_client_required)
			return 0;
		refuse(s, r, MHD_HTTP_UNAUTHORIZED, "unauthorized: a client certificate is required",
		       REJECT_AUTH);
		return -1;
	}
}

/* The credential, and its role for the route: 401 without one, 403 for the wrong one. */
static bool authorize(struct server *s, struct MHD_Connection *c, struct request *r)
{
	unsigned need = r->route == ROUTE_EVENTS ? AUTH_INGEST : AUTH_OPERATOR;
	int cert;

	r->auth = server__current_auth(s);
	if ((cert = certificate(s, c, r)))
		return cert > 0;
	r->cred = auth__check(r->auth, MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								   MHD_HTTP_HEADER_AUTHORIZATION));
	if (!r->cred) {
		refuse(s, r, MHD_HTTP_UNAUTHORIZED, "unauthorized", REJECT_AUTH);
		return false;
	}
	if (!(r->cred->roles & need)) {
		snprintf(r->forbidden, sizeof(r->forbidden),
			 "forbidden: credential %s has the %s role; this needs %s", r->cred->name,
			 auth_role__name(r->cred->roles), auth_role__name(need));
		refuse(s, r, MHD_HTTP_FORBIDDEN, r->forbidden, REJECT_FORBIDDEN);
		log_info("refused %s credential %s on %s", auth_role__name(r->cred->roles), r->cred->name,
			 r->route == ROUTE_EVENTS ? "/v1/events" : "/v1/findings");
		return false;
	}
	return true;
}

/* Headers are in: route, method, token and encoding. Decides r->status. */
static void check_headers(struct server *s, struct MHD_Connection *c, struct request *r,
			  const char *url, const char *method)
{
	r->route = route_of(url, r->finding);
	switch (r->route) {
	case ROUTE_NONE:
		refuse(s, r, MHD_HTTP_NOT_FOUND, "not found", REJECT_BAD_REQUEST);
		return;
	case ROUTE_HEALTHZ:
	case ROUTE_LIVEZ:
	case ROUTE_METRICS:
	case ROUTE_FINDINGS:
		if (!is_get(method)) {
			r->allow = "GET, HEAD";
			refuse(s, r, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed", REJECT_BAD_REQUEST);
			return;
		}
		break;
	case ROUTE_UI:
		if (!is_get(method) && strcmp(method, MHD_HTTP_METHOD_POST)) {
			r->allow = "GET, HEAD, POST";
			refuse(s, r, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed", REJECT_BAD_REQUEST);
			return;
		}
		/* the pages decide for themselves: a session cookie, or a token */
		snprintf(r->ui_method, sizeof(r->ui_method), "%s", method);
		r->ui_path = strdup(url);
		r->auth = server__current_auth(s);
		if (!r->ui_path)
			refuse(s, r, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory", REJECT_OVERLOADED);
		return;
	case ROUTE_EVENTS:
	case ROUTE_ACK:
		if (strcmp(method, MHD_HTTP_METHOD_POST)) {
			r->allow = "POST";
			refuse(s, r, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed", REJECT_BAD_REQUEST);
			return;
		}
		break;
	}
	/* no token, so that a scraper needs no secret: /metrics holds counters
	 * summed over all agents, without hosts, sinks or findings (promtext.h) */
	if (r->route == ROUTE_HEALTHZ || r->route == ROUTE_LIVEZ || r->route == ROUTE_METRICS)
		return;
	if (!authorize(s, c, r))
		return;
	if (r->route != ROUTE_EVENTS)
		return;
	if (ingest__parse_encoding(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							       MHD_HTTP_HEADER_CONTENT_ENCODING),
				   &r->enc)) {
		refuse(s, r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Content-Encoding must be gzip or identity",
		       REJECT_BAD_ENCODING);
		return;
	}
	if (!protobuf_type(MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE)))
		refuse(s, r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/x-protobuf",
		       REJECT_BAD_ENCODING);
}

/* Answers now, before any of the body is read; MHD then closes the
 * connection instead of reading the rest. */
static enum MHD_Result answer_early(struct MHD_Connection *c, struct request *r)
{
	int status = r->status;

	r->status = -1; /* MHD calls no more; this says so if it did */
	r->discard = true;
	return respond_text(c, (unsigned)status, r->message, r);
}

/*
 * A refusal decided here is normally answered once the body has been read
 * (and dropped): a client still sending when the connection closes may
 * never see the answer, and an agent would take that for a network error
 * and retry the batch forever. So a body declared larger than max_body is
 * read and dropped too, when the client is already sending it and it is at
 * most twice max_body. It is answered at once, unread, when the client
 * waits for 100 Continue, when it is larger still, or when the request
 * was refused already (an unauthenticated client is not read for).
 */
static enum MHD_Result begin(struct server *s, struct MHD_Connection *c, struct request *r,
			     const char *url, const char *method)
{
	const char *len_hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	unsigned long long n = 0;

	check_headers(s, c, r, url, method);
	if (!r->status && r->route == ROUTE_EVENTS && connguard__in_reserve(r->conn)) {
		/* the last slots are kept for /healthz and operators; an agent retries */
		r->retry_after = RETRY_AFTER_BUSY;
		refuse(s, r, MHD_HTTP_SERVICE_UNAVAILABLE, "busy, retry later", REJECT_OVERLOADED);
		return answer_early(c, r);
	}
	connguard__headers(s->guard, r->conn,
			   (len_hdr && strcmp(len_hdr, "0")) ||
				   MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING));
	if (len_hdr) {
		char *end;

		errno = 0;
		n = strtoull(len_hdr, &end, 10);
		if (r->route == ROUTE_UI && (errno || *end || *len_hdr == '-' || n > UI_MAX_FORM)) {
			/* a page's form is small: anything larger is not read at all */
			refuse(s, r, MHD_HTTP_CONTENT_TOO_LARGE, "form too large", REJECT_TOO_LARGE);
			return answer_early(c, r);
		}
		if (errno || *end || *len_hdr == '-' || n > s->o.limits.max_body) {
			bool refused = r->status != 0, bad = errno || *end || *len_hdr == '-';
			const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
									 MHD_HTTP_HEADER_EXPECT);

			refuse(s, r, MHD_HTTP_CONTENT_TOO_LARGE, "body too large", REJECT_TOO_LARGE);
			if (refused || bad || (expect && !strcasecmp(expect, "100-continue")) ||
			    n > 2 * (unsigned long long)s->o.limits.max_body)
				return answer_early(c, r);
			return MHD_YES; /* body() drops it; finish() answers */
		}
	}
	if (r->status || r->route != ROUTE_EVENTS || !n)
		return MHD_YES;
	if (!reserve(s, r, n)) {
		r->retry_after = RETRY_AFTER_BUSY;
		refuse(s, r, MHD_HTTP_SERVICE_UNAVAILABLE, "busy, retry later", REJECT_OVERLOADED);
		return answer_early(c, r);
	}
	r->body = malloc(n);
	if (!r->body) {
		release(s, r);
		r->retry_after = RETRY_AFTER_BUSY;
		refuse(s, r, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory", REJECT_OVERLOADED);
		return answer_early(c, r);
	}
	r->cap = n;
	return MHD_YES;
}

/* A piece of a page's form: small, kept whole with a NUL after it. */
static enum MHD_Result form_body(struct server *s, struct request *r, const char *data, size_t n)
{
	if (r->len + n > UI_MAX_FORM) {
		/* a chunked body past the limit: the connection is closed, not read on */
		drop_body(s, r);
		metrics__reject(s->o.metrics, REJECT_TOO_LARGE, 1);
		return MHD_NO;
	}
	if (!r->body) {
		if (!(r->body = malloc(UI_MAX_FORM + 1))) {
			refuse(s, r, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory", REJECT_OVERLOADED);
			r->discard = true;
			return MHD_YES;
		}
		r->cap = UI_MAX_FORM + 1;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return MHD_YES;
}

/* A piece of the body. */
static enum MHD_Result body(struct server *s, struct request *r, const char *data, size_t n)
{
	size_t max = s->o.limits.max_body;

	r->seen += n;
	connguard__body(s->guard, r->conn, n);
	if (r->route == ROUTE_ACK)
		r->discard = true; /* a body (say "{}") is allowed, and ignored */
	if (r->route == ROUTE_UI && !r->discard)
		return form_body(s, r, data, n);
	if (r->route != ROUTE_EVENTS && !r->discard)
		refuse(s, r, MHD_HTTP_BAD_REQUEST, "unexpected request body", REJECT_BAD_REQUEST);
	if (!r->discard && r->len + n > max) {
		/* only a body of undeclared length gets here; MHD cannot answer
		 * in the middle of one, so drop what we have and read on */
		drop_body(s, r);
		refuse(s, r, MHD_HTTP_CONTENT_TOO_LARGE, "body too large", REJECT_TOO_LARGE);
	}
	if (r->discard) {
		/* a sender that keeps going is cut off rather than read forever */
		return r->seen > 2 * (uint64_t)max ? MHD_NO : MHD_YES;
	}
	if (r->len + n > r->cap) {
		size_t cap = r->cap ? r->cap : FIRST_CHUNK;
		uint8_t *grown;

		while (cap < r->len + n)
			cap *= 2;
		if (cap > max)
			cap = max;
		if (!reserve(s, r, cap - r->cap) || !(grown = realloc(r->body, cap))) {
			drop_body(s, r);
			r->retry_after = RETRY_AFTER_BUSY;
			refuse(s, r, MHD_HTTP_SERVICE_UNAVAILABLE, "busy, retry later", REJECT_OVERLOADED);
			return MHD_YES;
		}
		r->body = grown;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	return MHD_YES;
}

/* The whole request is in. */
static enum MHD_Result finish(struct server *s, struct MHD_Connection *c, struct request *r)
{
	if (r->status)
		return respond_text(c, (unsigned)r->status, r->message, r);
	switch (r->route) {
	case ROUTE_HEALTHZ:
		/* ready: it can store what agents send; a load balancer sends them elsewhere */
		if (!store__reachable(s->o.store)) {
			r->retry_after = RETRY_AFTER_STORAGE;
			return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "database unavailable", r);
		}
		return respond_text(c, MHD_HTTP_OK, "ok", r);
	case ROUTE_LIVEZ:
		/* alive, whatever the database: a restart would not bring it back */
		return respond_text(c, MHD_HTTP_OK, "ok", r);
	case ROUTE_METRICS:
		return routes__metrics(s, c, r);
	case ROUTE_FINDINGS:
		return routes__findings(s, c, r);
	case ROUTE_EVENTS:
		return routes__events(s, c, r);
	case ROUTE_ACK:
		return routes__ack(s, c, r);
	case ROUTE_UI:
		return routes__ui(s, c, r);
	default:
		return respond_text(c, MHD_HTTP_NOT_FOUND, "not found", r);
	}
}

enum MHD_Result request__on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct server *s = cls;
	struct request *r = *con_cls;

	(void)version;
	if (!r) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->conn = ci ? ci->socket_context : NULL;
		*con_cls = r;
		metrics__add(s->o.metrics, requests, 1);
		return begin(s, c, r, url, method);
	}
	if (r->status < 0)
		return MHD_NO; /* answered early; MHD should not call again */
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		return body(s, r, upload_data, n);
	}
	connguard__headers(s->guard, r->conn, false); /* all in: answering */
	return finish(s, c, r);
}

void request__on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode why)
{
	struct server *s = cls;
	struct request *r = *con_cls;

	(void)c;
	if (!r)
		return;
	if (why == MHD_REQUEST_TERMINATED_COMPLETED_OK)
		connguard__answered(s->guard, r->conn);
	drop_body(s, r);
	auth__unref(r->auth);
	free(r->ui_path);
	free(r);
	*con_cls = NULL;
}

/* Each connection, from accept to close, as the guard keeps it. */
