// SPDX-License-Identifier: Apache-2.0
/*
 * The Jupyter Server REST API (jupyter-server.readthedocs.io/en/latest/
 * developers/rest-api.html): GET /api/kernels. A 200 with a JSON array
 * means no token and no password: anyone can start a kernel and run code
 * as the notebook's user. 403 ("Forbidden") means a token or password is
 * required. Only the number of kernels is kept. Jupyter logs a refused API
 * call at warning level ("403 GET /api/kernels").
 */
#include "probes/http.h"
#include "probes/json.h"

#define NAME "jupyter"

/* the list probes' shape (http.h); what tells this service from others is its own */
static enum probe_next step(struct probe_io *io)
{
	struct http_reply r;
	enum probe_next next;
	char server[48] = "";
	long n;

	if (!http__get_reply(io, "/api/kernels", &r, &next))
		return next;
	http__header(&r, "Server", server, sizeof(server));
	if (http__refused(io, &r, http__body_has(&r, "\"message\"") ? NAME : NULL, "GET /api/kernels", &next))
		return next;
	n = json__array_len(r.body, r.body_len, NULL);
	return http__list_verdict(io, &r, n, NAME, false, "GET /api/kernels", "kernels", server);
}

const struct lw_probe lw_probe_jupyter = {
	.name = NAME,
	.services = { "jupyter" },
	.ports = { 8888 },
	.flags = LW_PROBE_TCP,
	.step = step,
};
