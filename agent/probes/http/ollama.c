// SPDX-License-Identifier: Apache-2.0
/*
 * Ollama's API (github.com/ollama/ollama/blob/main/docs/api.md): GET
 * /api/tags lists the local models. Ollama has no authentication: a 200
 * with "models" means anyone can list, pull, delete and run models (and
 * spend the GPU); 401 or 403 come from a proxy in front that checks
 * credentials. Only the number of models is kept. Ollama logs each request
 * at its default level (a [GIN] line).
 */
#include "probes/http.h"
#include "probes/json.h"

#define NAME "ollama"

static enum probe_next step(struct probe_io *io)
{
	struct http_reply r;
	enum probe_next next;
	long n;

	if (!http__get_reply(io, "/api/tags", &r, &next))
		return next;
	if (http__refused(io, &r, NULL, "GET /api/tags", &next))
		return next;
	n = json__array_len(r.body, r.body_len, "models");
	return http__list_verdict(io, &r, n, NAME, false, "GET /api/tags", "models", NULL);
}

const struct lw_probe lw_probe_ollama = {
	.name = NAME,
	.services = { "ollama" },
	.ports = { 11434 },
	.flags = LW_PROBE_TCP,
	.step = step,
};
