// SPDX-License-Identifier: Apache-2.0
/*
 * Elasticsearch and OpenSearch REST API (elastic.co/guide/en/elasticsearch/
 * reference/current/rest-apis.html): GET / (the banner: cluster name,
 * version, tagline), then GET /_cat/indices?h=index&s=index. A 200 means
 * anyone can list, and so read, the indices; only their number is kept.
 * 401 with `WWW-Authenticate: Basic realm="security"` means security is on.
 * Elasticsearch 8 serves HTTPS by default and closes a plain connection:
 * the probe then speaks TLS (and the server logs a warning about the plain
 * request). Requests are not logged otherwise; with security on, a refusal
 * may be in the security audit log when that is enabled.
 */
#include <stdio.h>
#include <string.h>

#include "probes/http.h"
#include "probes/json.h"

#define NAME "elasticsearch"

static bool banner(const struct http_reply *r, char *version, size_t len)
{
	const uint8_t *v;
	size_t vlen;

	version[0] = '\0';
	if (!json__key(r->body, r->body_len, "version", &v, &vlen))
		return false;
	json__string(v, vlen, "number", version, len);
	return json__key(r->body, r->body_len, "cluster_name", &v, &vlen) || http__body_has(r, "tagline");
}

static enum probe_next step(struct probe_io *io)
{
	struct http_reply r;
	enum probe_next next;
	long lines = 0;

	if (io->step == 0) {
		io->step = 1;
		return http__get(io, "/");
	}
	if (io->step == 2) {
		io->step = 3;
		return http__get(io, "/_cat/indices?h=index&s=index");
	}
	if (http__await(io, &r, &next))
		return next;
	if (io->step == 1) {
		bool es = http__body_has(&r, "security_exception");

		if (http__refused(io, &r, es ? NAME : NULL, "GET /", &next))
			return next;
		if (r.status != 200 || !banner(&r, io->memo, sizeof(io->memo)))
			return probe__verdict(io, LW_AUTH_UNKNOWN, r.status == 200 ? NULL : "http", "GET / -> %d",
					      r.status);
		return http__again(io, 2);
	}
	if (http__refused(io, &r, NAME, "GET /_cat/indices", &next))
		return next;
	if (r.status != 200)
		return probe__verdict(io, LW_AUTH_UNKNOWN, NAME, "GET / -> 200 %s; GET /_cat/indices -> %d",
				      io->memo, r.status);
	for (size_t i = 0; i < r.body_len; i++)
		lines += r.body[i] == '\n';
	return probe__verdict(io, LW_AUTH_NONE, NAME, "GET / -> 200 %s; GET /_cat/indices -> 200 (%ld indices)",
			      io->memo, lines);
}

const struct lw_probe lw_probe_elasticsearch = {
	.name = NAME,
	.services = { "elasticsearch", "opensearch" },
	.ports = { 9200 },
	.flags = LW_PROBE_TCP,
	.step = step,
};
