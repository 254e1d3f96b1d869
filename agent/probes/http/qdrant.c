// SPDX-License-Identifier: Apache-2.0
/*
 * Qdrant's REST API (api.qdrant.tech): GET /collections. A 200 with
 * result.collections means no API key is set; 401 ("Must provide an API key
 * or an Authorization bearer token") or 403 mean one is. Only the number of
 * collections is kept. Qdrant logs each request at its default level (info).
 */
#include "probes/http.h"
#include "probes/json.h"

#define NAME "qdrant"

static enum probe_next step(struct probe_io *io)
{
	struct http_reply r;
	enum probe_next next;
	const uint8_t *res;
	size_t len;
	long n = -1;

	if (!http__get_reply(io, "/collections", &r, &next))
		return next;
	if (http__refused(io, &r, http__body_has(&r, "API key") ? NAME : NULL, "GET /collections", &next))
		return next;
	if (json__key(r.body, r.body_len, "result", &res, &len))
		n = json__array_len(res, len, "collections");
	return http__list_verdict(io, &r, n, NAME, false, "GET /collections", "collections", NULL);
}

const struct lw_probe lw_probe_qdrant = {
	.name = NAME,
	.services = { "qdrant" },
	.ports = { 6333 },
	.flags = LW_PROBE_TCP,
	.step = step,
};
