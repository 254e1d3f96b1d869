// SPDX-License-Identifier: Apache-2.0
/*
 * The Docker Engine API (docs.docker.com/engine/api): GET /version. The API
 * has no authentication of its own: a 200 on a TCP socket means anyone who
 * reaches it can start a privileged container, that is root on the host.
 * With --tlsverify the daemon asks for a client certificate in the TLS
 * handshake (state tls). dockerd logs API calls only in debug mode.
 */
#include "probes/http.h"
#include "probes/json.h"

#define NAME "docker"

static enum probe_next step(struct probe_io *io)
{
	struct http_reply r;
	enum probe_next next;
	char version[32] = "?", api[16] = "?";

	if (!http__get_reply(io, "/version", &r, &next))
		return next;
	if (http__refused(io, &r, NULL, "GET /version", &next))
		return next;
	if (r.status == 200 && json__string(r.body, r.body_len, "ApiVersion", api, sizeof(api))) {
		json__string(r.body, r.body_len, "Version", version, sizeof(version));
		return probe__verdict(io, LW_AUTH_NONE, NAME, "GET /version -> 200, Docker %s (API %s): root on the host",
				      version, api);
	}
	return probe__verdict(io, LW_AUTH_UNKNOWN, r.status == 200 ? NULL : "http", "GET /version -> %d", r.status);
}

const struct lw_probe lw_probe_docker = {
	.name = NAME,
	.services = { "docker" },
	.ports = { 2375, 2376 },
	.flags = LW_PROBE_TCP,
	.step = step,
};
