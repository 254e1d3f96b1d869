// SPDX-License-Identifier: Apache-2.0
/*
 * Chroma's HTTP API (docs.trychroma.com/reference): the collections of the
 * default tenant and database, GET /api/v2/tenants/default_tenant/
 * databases/default_database/collections, and on servers before 0.6 (404
 * there) GET /api/v1/collections. A 200 with a JSON array means no auth
 * provider is configured; 401 or 403 mean one is. Only the number of
 * collections is kept. Chroma logs each request at its default level.
 */
#include <stdio.h>

#include "probes/http.h"
#include "probes/json.h"

#define NAME "chroma"
#define V2 "/api/v2/tenants/default_tenant/databases/default_database/collections"
#define V1 "/api/v1/collections"

static enum probe_next step(struct probe_io *io)
{
	const char *path = io->step >= 2 ? V1 : V2;
	struct http_reply r;
	enum probe_next next;
	char request[64];
	long n;

	if (io->step == 0 || io->step == 2) {
		io->step++;
		return http__get(io, path);
	}
	if (http__await(io, &r, &next))
		return next;
	if (io->step == 1 && (r.status == 404 || r.status == 410))
		return http__again(io, 2);
	if (http__refused(io, &r, NULL, path, &next))
		return next;
	n = json__array_len(r.body, r.body_len, NULL);
	snprintf(request, sizeof(request), "GET %s", path);
	return http__list_verdict(io, &r, n, NAME, false, request, "collections", NULL);
}

const struct lw_probe lw_probe_chroma = {
	.name = NAME,
	.services = { "chroma" },
	.ports = { 8000 },
	.flags = LW_PROBE_TCP,
	.step = step,
};
