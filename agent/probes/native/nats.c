// SPDX-License-Identifier: Apache-2.0
/*
 * NATS (docs.nats.io/reference/reference-protocols/nats-protocol): the
 * server speaks first, an INFO line with a JSON object. "auth_required":
 * true means a user, token or nkey is needed to CONNECT; without it anyone
 * can publish and subscribe to every subject. "tls_required" means the
 * client must upgrade to TLS before CONNECT. The probe sends nothing and
 * closes; the server logs nothing for it at its default level.
 */
#include <string.h>

#include "probes/json.h"
#include "probes/probe.h"

#define NAME "nats"

static bool flag(const uint8_t *s, size_t n, const char *key)
{
	const uint8_t *v;
	size_t len;

	return json__key(s, n, key, &v, &len) && len == 4 && !memcmp(v, "true", 4);
}

static enum probe_next step(struct probe_io *io)
{
	const uint8_t *nl, *obj;
	char version[32] = "?", ex[40];
	size_t n;

	if (io->step == 0) {
		io->step = 1;
		return PROBE_MORE; /* the server speaks first */
	}
	if (io->in_len >= 5 && memcmp(io->in, "INFO ", 5))
		return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "connect -> not NATS: %s",
				      probe__excerpt(io->in, io->in_len, ex, sizeof(ex)));
	nl = memchr(io->in, '\n', io->in_len);
	if (!nl)
		return io->eof ? probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "connect -> no INFO line") : PROBE_MORE;
	obj = io->in + 5;
	n = (size_t)(nl - obj);
	if (!json__string(obj, n, "server_id", ex, sizeof(ex)))
		return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "connect -> INFO without a server_id");
	json__string(obj, n, "version", version, sizeof(version));
	if (flag(obj, n, "auth_required"))
		return probe__verdict(io, LW_AUTH_REQUIRED, NAME, "INFO -> NATS %s, auth_required", version);
	if (flag(obj, n, "tls_required"))
		return probe__verdict(io, LW_AUTH_TLS, NAME, "INFO -> NATS %s, tls_required", version);
	return probe__verdict(io, LW_AUTH_NONE, NAME, "INFO -> NATS %s, no auth_required", version);
}

const struct lw_probe lw_probe_nats = {
	.name = NAME,
	.services = { "nats" },
	.ports = { 4222 },
	.flags = LW_PROBE_TCP,
	.step = step,
};
