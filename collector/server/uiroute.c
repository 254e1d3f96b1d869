// SPDX-License-Identifier: Apache-2.0
/*
 * The pages under /ui: the request as ui/ wants it, and its answer with
 * the security headers. What the pages show and who may see them is ui/'s.
 */
#include "server/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/url.h"
#include "os/clock.h"

static const char *query_arg(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

struct query {
	FILE *f;
	char sep; /* '?' before the first pair, '&' after */
};

static enum MHD_Result query_pair(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct query *q = cls;

	(void)kind;
	fputc(q->sep, q->f);
	q->sep = '&';
	url__encode(q->f, key, false);
	if (value) {
		fputc('=', q->f);
		url__encode(q->f, value, false);
	}
	return MHD_YES;
}

/* The request's path and query, encoded again (MHD gives them decoded). */
static char *target_of(struct MHD_Connection *c, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	struct query q = { .f = open_memstream(&buf, &len), .sep = '?' };

	if (!q.f)
		return NULL;
	url__encode(q.f, path, true);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, query_pair, &q);
	if (fclose(q.f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

enum MHD_Result routes__ui(struct server *s, struct MHD_Connection *c, struct request *r)
{
	char *target = target_of(c, r->ui_path);
	struct ui_request rq = {
		.method = r->ui_method,
		.path = r->ui_path,
		.target = target,
		.cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, UI_COOKIE),
		.authorization = header(c, MHD_HTTP_HEADER_AUTHORIZATION),
		.sec_fetch_site = header(c, "Sec-Fetch-Site"),
		.origin = header(c, MHD_HTTP_HEADER_ORIGIN),
		.host = header(c, MHD_HTTP_HEADER_HOST),
		.arg = query_arg,
		.arg_ctx = c,
		.body = r->body ? (const char *)r->body : "",
		.len = r->len,
		.auth = r->auth,
		.alerts = __atomic_load_n(&s->o.alerts, __ATOMIC_ACQUIRE),
		.now_ns = clock__realtime_ns(),
	};
	struct ui_response out;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	ui__handle(&s->ui, &rq, &out);
	free(target);
	resp = MHD_create_response_from_buffer(out.len, out.body,
					       out.body_static ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_COPY);
	if (!resp) {
		ui__response_free(&out);
		return MHD_NO;
	}
	for (size_t i = 0; ui__headers[i]; i += 2)
		MHD_add_response_header(resp, ui__headers[i], ui__headers[i + 1]);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, out.type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, out.cacheable ? "max-age=300" : "no-store");
	if (out.location[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, out.location);
	if (out.set_cookie[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, out.set_cookie);
	if (out.retry_after)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, out.retry_after);
	if (out.allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, out.allow);
	ret = MHD_queue_response(c, out.status, resp);
	MHD_destroy_response(resp);
	ui__response_free(&out);
	return ret;
}
