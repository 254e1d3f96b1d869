// SPDX-License-Identifier: Apache-2.0
/*
 * Weaviate's REST API (weaviate.io/developers/weaviate/api/rest): GET
 * /v1/schema. A 200 with "classes" means anonymous access is on; 401
 * ("anonymous access not enabled") or 403 mean an API key or OIDC is
 * required. Only the number of classes is kept. Weaviate does not log
 * requests at its default level.
 */
#include "probes/http.h"
#include "probes/json.h"

#define NAME "weaviate"

static enum probe_next step(struct probe_io *io)
{
	struct http_reply r;
	enum probe_next next;
	long n;

	if (!http__get_reply(io, "/v1/schema", &r, &next))
		return next;
	if (http__refused(io, &r, http__body_has(&r, "anonymous access") ? NAME : NULL, "GET /v1/schema", &next))
		return next;
	n = json__array_len(r.body, r.body_len, "classes");
	return http__list_verdict(io, &r, n, NAME, false, "GET /v1/schema", "classes", NULL);
}

const struct lw_probe lw_probe_weaviate = {
	.name = NAME,
	.services = { "weaviate" },
	.ports = { 8080 },
	.flags = LW_PROBE_TCP,
	.step = step,
};
