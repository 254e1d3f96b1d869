// SPDX-License-Identifier: Apache-2.0
/*
 * Milvus's RESTful API (milvus.io/api-reference/restful/v2.4.x): POST
 * /v2/vectordb/collections/list, and on servers before 2.4 (404 there) GET
 * /v1/vector/collections. Milvus answers 200 either way and says in the
 * body: "code":0 (v2) or 200 (v1) with data means authorization is off;
 * code 1800 or 80001, or a message about authentication, means it is on.
 * Only the number of collections is kept. Milvus logs requests at debug
 * level only.
 */
#include <stdlib.h>
#include <string.h>

#include "probes/http.h"
#include "probes/json.h"

#define NAME "milvus"
#define V2 "/v2/vectordb/collections/list"
#define V1 "/v1/vector/collections"

static long code_of(const struct http_reply *r)
{
	const uint8_t *v;
	size_t len;
	char num[16];

	if (!json__key(r->body, r->body_len, "code", &v, &len) || len >= sizeof(num))
		return -1;
	memcpy(num, v, len);
	num[len] = '\0';
	return strtol(num, NULL, 10);
}

static enum probe_next step(struct probe_io *io)
{
	const char *path = io->step >= 2 ? V1 : V2;
	struct http_reply r;
	enum probe_next next;
	long code, n;

	if (io->step == 0) {
		io->step = 1;
		return http__post_json(io, V2, "{}");
	}
	if (io->step == 2) {
		io->step = 3;
		return http__get(io, V1);
	}
	if (http__await(io, &r, &next))
		return next;
	if (io->step == 1 && r.status == 404)
		return http__again(io, 2);
	if (http__refused(io, &r, NULL, path, &next))
		return next;
	code = code_of(&r);
	n = json__array_len(r.body, r.body_len, "data");
	if (r.status == 200 && (code == 0 || code == 200) && n >= 0)
		return probe__verdict(io, LW_AUTH_NONE, NAME, "%s -> code %ld (%ld collections)", path, code, n);
	if (r.status == 200 && (code == 1800 || code == 80001 || http__body_has(&r, "authenticat")))
		return probe__verdict(io, LW_AUTH_REQUIRED, NAME, "%s -> code %ld, authentication required", path, code);
	return probe__verdict(io, LW_AUTH_UNKNOWN, code >= 0 ? NAME : r.status == 200 ? NULL : "http",
			      "%s -> %d, code %ld", path, r.status, code);
}

const struct lw_probe lw_probe_milvus = {
	.name = NAME,
	.services = { "milvus" },
	.ports = { 19530 },
	.flags = LW_PROBE_TCP,
	.step = step,
};
