// SPDX-License-Identifier: Apache-2.0
/*
 * etcd v3 through its JSON gateway (etcd.io/docs/v3.5/dev-guide/
 * api_grpc_gateway): GET /version, then POST /v3/kv/range over the whole
 * key space with count_only, which returns how many keys there are and no
 * key at all (stricter than keys_only). An answer with a header means reads
 * need no authentication; "user name is empty", "invalid auth token" or
 * "permission denied", or a 401, mean auth is on. A listener that demands
 * a client certificate ends the TLS handshake: state tls. Gateways before
 * 3.4 live under /v3beta/. etcd logs neither request at its default level.
 */
#include <string.h>

#include "probes/http.h"
#include "probes/json.h"

#define NAME "etcd"
#define RANGE "{\"key\":\"AA==\",\"range_end\":\"AA==\",\"count_only\":true}"

static bool auth_error(const struct http_reply *r)
{
	return http__body_has(r, "user name is empty") || http__body_has(r, "invalid auth token") ||
	       http__body_has(r, "permission denied");
}

static enum probe_next step(struct probe_io *io)
{
	struct http_reply r;
	enum probe_next next;
	char count[24] = "0";

	switch (io->step) {
	case 0:
		io->step = 1;
		return http__get(io, "/version");
	case 2:
		io->step = 3;
		return http__post_json(io, "/v3/kv/range", RANGE);
	case 4:
		io->step = 5;
		return http__post_json(io, "/v3beta/kv/range", RANGE);
	}
	if (http__await(io, &r, &next))
		return next;
	if (io->step == 1) {
		if (http__refused(io, &r, NULL, "GET /version", &next))
			return next;
		if (r.status != 200 || !json__string(r.body, r.body_len, "etcdserver", io->memo, sizeof(io->memo)))
			return probe__verdict(io, LW_AUTH_UNKNOWN, r.status == 200 ? NULL : "http",
					      "GET /version -> %d", r.status);
		return http__again(io, 2);
	}
	if (io->step == 3 && r.status == 404)
		return http__again(io, 4);
	if (auth_error(&r) || r.status == 401 || r.status == 403)
		return probe__verdict(io, LW_AUTH_REQUIRED, NAME, "etcd %s; kv/range -> %d, authentication required",
				      io->memo, r.status);
	if (r.status == 200 && http__body_has(&r, "\"header\"")) {
		json__string(r.body, r.body_len, "count", count, sizeof(count));
		return probe__verdict(io, LW_AUTH_NONE, NAME, "etcd %s; kv/range count_only -> %s keys", io->memo,
				      count);
	}
	return probe__verdict(io, LW_AUTH_UNKNOWN, NAME, "etcd %s; kv/range -> %d", io->memo, r.status);
}

const struct lw_probe lw_probe_etcd = {
	.name = NAME,
	.services = { "etcd" },
	.ports = { 2379 },
	.flags = LW_PROBE_TCP,
	.step = step,
};
