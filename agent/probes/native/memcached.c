// SPDX-License-Identifier: Apache-2.0
/*
 * Memcached (github.com/memcached/memcached/blob/master/doc/protocol.txt,
 * and the binary protocol's wiki page). TCP: the text command `version`.
 * "VERSION x" means the text protocol serves anyone: every key can be read
 * and written. "CLIENT_ERROR unauthenticated" is the -Y authfile asking for
 * credentials. With SASL (-S) the server speaks only the binary protocol and
 * closes a text connection, so the probe asks again in binary for the SASL
 * mechanisms: a list means SASL is required. UDP: `version` in one datagram
 * behind the 8-byte frame header (request id, sequence, datagram count,
 * reserved). Nothing is logged below -vv.
 */
#include <string.h>

#include "probes/probe.h"

#define NAME "memcached"
#define VERSION_CMD "version\r\n"
#define FRAME_ID 0x4c57 /* "LW": the reply must carry it back */
#define BIN_HEADER 24
#define BIN_SASL_LIST_MECHS 0x20
#define STEP_BINARY 10

static enum probe_next text_reply(struct probe_io *io, const uint8_t *s, size_t n, const char *how)
{
	const uint8_t *nl = memchr(s, '\n', n);
	char line[80];

	if (!nl && !io->eof && n < 256)
		return PROBE_MORE;
	probe__excerpt(s, n, line, sizeof(line));
	if (n >= 8 && !memcmp(s, "VERSION ", 8))
		return probe__verdict(io, LW_AUTH_NONE, NAME, "%sversion -> %.40s", how, line);
	if (n >= 26 && !memcmp(s, "CLIENT_ERROR unauthenticated", 26))
		return probe__verdict(io, LW_AUTH_REQUIRED, NAME, "%sversion -> CLIENT_ERROR unauthenticated", how);
	if (!n && io->reset)
		return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "%sversion -> connection reset", how);
	if (!n && !io->udp) {
		/* closed on a text command: a SASL server speaks binary only */
		io->step = STEP_BINARY;
		return PROBE_AGAIN;
	}
	if ((n >= 5 && !memcmp(s, "ERROR", 5)) || (n >= 12 && !memcmp(s, "SERVER_ERROR", 12)))
		return probe__verdict(io, LW_AUTH_UNKNOWN, NAME, "%sversion -> %.40s", how, line);
	return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "%sversion -> not memcached: %.40s", how, line);
}

static enum probe_next udp_step(struct probe_io *io)
{
	static const uint8_t frame[8] = { FRAME_ID >> 8, FRAME_ID & 0xff, 0, 0, 0, 1, 0, 0 };
	uint8_t req[sizeof(frame) + sizeof(VERSION_CMD) - 1];

	if (io->step == 0) {
		memcpy(req, frame, sizeof(frame));
		memcpy(req + sizeof(frame), VERSION_CMD, sizeof(VERSION_CMD) - 1);
		io->step = 1;
		return probe__out(io, req, sizeof(req)) ? PROBE_SEND : PROBE_DONE;
	}
	if (io->in_len < 8 || io->in[0] != (FRAME_ID >> 8) || io->in[1] != (FRAME_ID & 0xff))
		return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "UDP version -> no memcached frame");
	return text_reply(io, io->in + 8, io->in_len - 8, "UDP ");
}

static enum probe_next binary_step(struct probe_io *io)
{
	uint8_t req[BIN_HEADER] = { 0x80, BIN_SASL_LIST_MECHS };
	char mechs[48];
	uint32_t body;
	uint16_t status;

	if (io->step == STEP_BINARY) {
		io->step++;
		return probe__out(io, req, sizeof(req)) ? PROBE_SEND : PROBE_DONE;
	}
	if (io->in_len < BIN_HEADER)
		return io->eof ? probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "version -> closed, binary too")
			       : PROBE_MORE;
	if (io->in[0] != 0x81 || io->in[1] != BIN_SASL_LIST_MECHS)
		return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "binary SASL list -> not memcached");
	status = (uint16_t)(io->in[6] << 8 | io->in[7]);
	body = (uint32_t)io->in[8] << 24 | (uint32_t)io->in[9] << 16 | (uint32_t)io->in[10] << 8 | io->in[11];
	if (status == 0) {
		if (io->in_len < BIN_HEADER + (size_t)body && !io->eof)
			return PROBE_MORE;
		probe__excerpt(io->in + BIN_HEADER, io->in_len - BIN_HEADER, mechs, sizeof(mechs));
		return probe__verdict(io, LW_AUTH_REQUIRED, NAME, "text closed; binary SASL mechanisms -> %s",
				      mechs);
	}
	return probe__verdict(io, LW_AUTH_UNKNOWN, NAME, "text closed; binary SASL list -> status 0x%04x",
			      status);
}

static enum probe_next step(struct probe_io *io)
{
	if (io->udp)
		return udp_step(io);
	if (io->step >= STEP_BINARY)
		return binary_step(io);
	if (io->step == 0) {
		io->step = 1;
		return probe__out(io, VERSION_CMD, sizeof(VERSION_CMD) - 1) ? PROBE_SEND : PROBE_DONE;
	}
	return text_reply(io, io->in, io->in_len, "");
}

const struct lw_probe lw_probe_memcached = {
	.name = NAME,
	.services = { "memcached" },
	.ports = { 11211 },
	.flags = LW_PROBE_TCP | LW_PROBE_UDP,
	.step = step,
};
