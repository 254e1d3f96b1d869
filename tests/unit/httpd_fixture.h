/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A real HTTP server for unit tests of HTTP clients: libmicrohttpd on a
 * loopback port of its own, answering each request with the next step of a
 * script (status, Retry-After, body, a delay) and recording what it got:
 * method, path, headers, the body and when it arrived.
 * Included by the test that uses it; everything here is static inline.
 */
#ifndef LW_HTTPD_FIXTURE_H
#define LW_HTTPD_FIXTURE_H

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define HTTPD_MAX_STEPS 16
#define HTTPD_MAX_SEEN 64
#define HTTPD_MAX_BODY (8u << 20)

struct httpd_step {
	unsigned status;
	const char *retry_after; /* a Retry-After header, or NULL */
	const void *body;        /* NULL: an empty body */
	size_t len;
	unsigned delay_ms;       /* before answering: a slow server */
};

#define HTTPD_MAX_HEADERS 24

struct httpd_request {
	char method[8];
	char path[128];
	char authorization[128];
	char content_type[64];
	char content_encoding[32];
	char headers[HTTPD_MAX_HEADERS][2][128]; /* name, value */
	size_t n_headers;
	uint8_t *body;
	size_t len;
	uint64_t at_ms; /* CLOCK_MONOTONIC */
};

struct httpd {
	struct MHD_Daemon *d;
	uint16_t port;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct httpd_step steps[HTTPD_MAX_STEPS];
	size_t n_steps, next_step;
	struct httpd_step after; /* once the script is done */
	struct httpd_request seen[HTTPD_MAX_SEEN];
	size_t n_seen;
};

struct httpd_upload {
	uint8_t *p;
	size_t len;
	int too_large;
};

static inline uint64_t httpd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline void httpd_copy_header(struct MHD_Connection *c, const char *name, char *out, size_t len)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);

	snprintf(out, len, "%s", v ? v : "");
}

static inline enum MHD_Result httpd_keep_header(void *cls, enum MHD_ValueKind kind, const char *name,
					 const char *value)
{
	struct httpd_request *r = cls;
	(void)kind;

	if (r->n_headers < HTTPD_MAX_HEADERS) {
		snprintf(r->headers[r->n_headers][0], sizeof(r->headers[0][0]), "%s", name);
		snprintf(r->headers[r->n_headers][1], sizeof(r->headers[0][1]), "%s", value ? value : "");
		r->n_headers++;
	}
	return MHD_YES;
}

/* A request header's value, "" when it had none. */
static inline const char *httpd__header(const struct httpd_request *r, const char *name)
{
	for (size_t i = 0; i < r->n_headers; i++)
		if (!strcasecmp(r->headers[i][0], name))
			return r->headers[i][1];
	return "";
}

static inline enum MHD_Result httpd_answer(struct httpd *h, struct MHD_Connection *c, const char *method,
				    const char *url, struct httpd_upload *up)
{
	struct httpd_request *r = NULL;
	struct httpd_step step;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	pthread_mutex_lock(&h->lock);
	step = h->next_step < h->n_steps ? h->steps[h->next_step++] : h->after;
	if (h->n_seen < HTTPD_MAX_SEEN)
		r = &h->seen[h->n_seen];
	if (r) {
		memset(r, 0, sizeof(*r));
		snprintf(r->method, sizeof(r->method), "%s", method);
		snprintf(r->path, sizeof(r->path), "%s", url);
		httpd_copy_header(c, MHD_HTTP_HEADER_AUTHORIZATION, r->authorization, sizeof(r->authorization));
		httpd_copy_header(c, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type, sizeof(r->content_type));
		httpd_copy_header(c, MHD_HTTP_HEADER_CONTENT_ENCODING, r->content_encoding,
				  sizeof(r->content_encoding));
		MHD_get_connection_values(c, MHD_HEADER_KIND, httpd_keep_header, r);
		r->body = up->p;
		r->len = up->len;
		up->p = NULL;
		r->at_ms = httpd_now_ms();
		h->n_seen++;
	}
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	if (step.delay_ms)
		usleep(step.delay_ms * 1000);
	resp = MHD_create_response_from_buffer(step.len, (void *)step.body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if (step.retry_after)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, step.retry_after);
	ret = MHD_queue_response(c, step.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static inline enum MHD_Result httpd_handler(void *cls, struct MHD_Connection *c, const char *url,
				     const char *method, const char *version, const char *data,
				     size_t *size, void **con_cls)
{
	struct httpd_upload *up = *con_cls;
	(void)version;

	if (!up) {
		up = calloc(1, sizeof(*up));
		*con_cls = up;
		return up ? MHD_YES : MHD_NO;
	}
	if (*size) {
		uint8_t *grown = up->len + *size <= HTTPD_MAX_BODY ? realloc(up->p, up->len + *size) : NULL;

		if (!grown)
			return MHD_NO;
		memcpy(grown + up->len, data, *size);
		up->p = grown;
		up->len += *size;
		*size = 0;
		return MHD_YES;
	}
	return httpd_answer(cls, c, method, url, up);
}

static inline void httpd_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			    enum MHD_RequestTerminationCode why)
{
	struct httpd_upload *up = *con_cls;
	(void)cls;
	(void)c;
	(void)why;

	if (up) {
		free(up->p);
		free(up);
	}
	*con_cls = NULL;
}

/* Starts on 127.0.0.1: port 0 takes a free one, in h->port. Every request
 * not scripted gets `after` (by default 200, empty). */
static inline int httpd__start(struct httpd *h, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	const union MHD_DaemonInfo *info;

	memset(h, 0, sizeof(*h));
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	h->after.status = 200;
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, port, NULL, NULL,
				httpd_handler, h, MHD_OPTION_NOTIFY_COMPLETED, httpd_completed, h,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
	if (!h->d)
		return -1;
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : 0;
	return h->port ? 0 : -1;
}

static inline void httpd__stop(struct httpd *h)
{
	if (h->d)
		MHD_stop_daemon(h->d);
	h->d = NULL;
	for (size_t i = 0; i < h->n_seen; i++)
		free(h->seen[i].body);
	h->n_seen = 0;
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
}

/* The answers to the next requests, in order. */
static inline void httpd__script(struct httpd *h, const struct httpd_step *steps, size_t n)
{
	pthread_mutex_lock(&h->lock);
	for (size_t i = 0; i < n && h->n_steps < HTTPD_MAX_STEPS; i++)
		h->steps[h->n_steps++] = steps[i];
	pthread_mutex_unlock(&h->lock);
}

/* Waits up to timeout_ms for n requests in all; returns how many came. */
static inline size_t httpd__wait(struct httpd *h, size_t n, uint64_t timeout_ms)
{
	uint64_t until = httpd_now_ms() + timeout_ms;
	size_t seen;

	pthread_mutex_lock(&h->lock);
	while (h->n_seen < n && httpd_now_ms() < until) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&h->cond, &h->lock, &ts);
	}
	seen = h->n_seen;
	pthread_mutex_unlock(&h->lock);
	return seen;
}

#endif
