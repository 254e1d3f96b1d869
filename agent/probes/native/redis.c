// SPDX-License-Identifier: Apache-2.0
/*
 * Redis, Valkey, KeyDB: RESP (redis.io/docs/reference/protocol-spec).
 * Sends PING; +PONG means commands run without AUTH, so INFO server follows
 * for the version. -NOAUTH (requirepass or ACL default user off), -DENIED
 * (protected mode: no password and a non-loopback client) and -NOPERM are
 * refusals. QUIT closes. Nothing of this reaches the server's log at its
 * default level (notice).
 */
#include <stdlib.h>
#include <string.h>

#include "probes/probe.h"

#define NAME "redis"
#define PING "*1\r\n$4\r\nPING\r\n"
#define INFO "*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n"
#define QUIT "*1\r\n$4\r\nQUIT\r\n"
#define MAX_LINE 512

static bool is_resp_type(uint8_t c)
{
	/* RESP2 and RESP3 reply types */
	return strchr("+-:$*_#,(!=%~>|", c) != NULL && c;
}

/* Length of the first line without its CRLF, or -1 while incomplete. */
static long line_len(const struct probe_io *io)
{
	const uint8_t *cr = memchr(io->in, '\r', io->in_len);

	if (!cr || (size_t)(cr - io->in) + 1 >= io->in_len)
		return -1;
	return cr[1] == '\n' ? cr - io->in : -2;
}

static bool starts(const struct probe_io *io, long n, const char *s)
{
	size_t k = strlen(s);

	return (size_t)n >= k && !memcmp(io->in, s, k);
}

static enum probe_next ping_reply(struct probe_io *io, long n)
{
	char line[MAX_LINE];

	probe__excerpt(io->in, (size_t)n, line, sizeof(line));
	if (starts(io, n, "+PONG")) {
		io->step = 2;
		return probe__out(io, INFO, sizeof(INFO) - 1) ? PROBE_SEND : PROBE_DONE;
	}
	probe__out(io, QUIT, sizeof(QUIT) - 1);
	if (starts(io, n, "-NOAUTH") || starts(io, n, "-NOPERM") ||
	    starts(io, n, "-ERR operation not permitted"))
		return probe__verdict(io, LW_AUTH_REQUIRED, NAME, "PING -> %.60s", line);
	if (starts(io, n, "-DENIED"))
		return probe__verdict(io, LW_AUTH_REQUIRED, NAME, "PING -> -DENIED (protected mode)");
	return probe__verdict(io, LW_AUTH_UNKNOWN, NAME, "PING -> %.60s", line);
}

/* INFO's bulk string: the version line, when it is all there. */
static enum probe_next info_reply(struct probe_io *io, long n)
{
	static const char *const keys[] = { "valkey_version:", "redis_version:" };
	char version[64] = "";

	if (io->in[0] == '$') {
		long want = strtol((const char *)io->in + 1, NULL, 10);

		if (want > 0 && io->in_len < (size_t)n + 2 + (size_t)want && !io->eof)
			return PROBE_MORE;
		for (size_t k = 0; k < 2 && !version[0]; k++) {
			const uint8_t *v = memmem(io->in, io->in_len, keys[k], strlen(keys[k]));

			if (v)
				probe__excerpt(v, io->in_len - (size_t)(v - io->in), version, sizeof(version));
		}
	}
	probe__out(io, QUIT, sizeof(QUIT) - 1);
	return probe__verdict(io, LW_AUTH_NONE, NAME, "PING -> +PONG%s%s", version[0] ? "; " : "", version);
}

static enum probe_next step(struct probe_io *io)
{
	char ex[48];
	long n;

	if (io->step == 0) {
		io->step = 1;
		return probe__out(io, PING, sizeof(PING) - 1) ? PROBE_SEND : PROBE_DONE;
	}
	if (io->in_len && !is_resp_type(io->in[0]))
		return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "PING -> not RESP: %s",
				      probe__excerpt(io->in, io->in_len, ex, sizeof(ex)));
	n = line_len(io);
	if (n == -2 || (n == -1 && io->in_len > MAX_LINE))
		return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "PING -> not RESP: %s",
				      probe__excerpt(io->in, io->in_len, ex, sizeof(ex)));
	if (n < 0)
		return PROBE_MORE;
	return io->step == 1 ? ping_reply(io, n) : info_reply(io, n);
}

const struct lw_probe lw_probe_redis = {
	.name = NAME,
	.services = { "redis", "valkey", "keydb" },
	.ports = { 6379 },
	.flags = LW_PROBE_TCP,
	.step = step,
};
