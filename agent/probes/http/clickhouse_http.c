// SPDX-License-Identifier: Apache-2.0
/*
 * ClickHouse's HTTP interface (clickhouse.com/docs/interfaces/http):
 * GET /?query=SELECT%201 with no credentials runs as user `default`. A body
 * of "1" means the default user needs no password; exception 516
 * (AUTHENTICATION_FAILED), or 192, 193, 194 in releases before 20.x, in a
 * 401, 403 or 500 reply means it does. The query is read-only and touches no
 * table; the server logs it at Debug level (and in system.query_log when
 * that is on), and a refusal at Error level.
 */
#include <stdio.h>
#include <string.h>

#include "probes/http.h"

#define NAME "clickhouse-http"
#define QUERY "SELECT 1"

static bool auth_code(const struct http_reply *r, int *code)
{
	static const int codes[] = { 516, 192, 193, 194 };
	char want[16];

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		snprintf(want, sizeof(want), "Code: %d", codes[i]);
		if (http__body_has(r, want)) {
			*code = codes[i];
			return true;
		}
	}
	return false;
}

static enum probe_next step(struct probe_io *io)
{
	struct http_reply r;
	enum probe_next next;
	int code;

	if (!http__get_reply(io, "/?query=SELECT%201", &r, &next))
		return next;
	if (r.status == 200 && r.body_len >= 1 && r.body[0] == '1' &&
	    (r.body_len == 1 || r.body[1] == '\n' || r.body[1] == '\r'))
		return probe__verdict(io, LW_AUTH_NONE, NAME, QUERY " -> 1");
	if ((r.status == 401 || r.status == 403 || r.status == 500 || r.status == 516) && auth_code(&r, &code))
		return probe__verdict(io, LW_AUTH_REQUIRED, NAME, QUERY " -> %d, exception %d", r.status, code);
	if (http__refused(io, &r, NULL, QUERY, &next))
		return next;
	return probe__verdict(io, LW_AUTH_UNKNOWN, r.status == 200 ? NULL : "http", QUERY " -> %d", r.status);
}

const struct lw_probe lw_probe_clickhouse_http = {
	.name = NAME,
	.services = { "clickhouse" },
	.ports = { 8123, 8443 },
	.flags = LW_PROBE_TCP,
	.step = step,
};
