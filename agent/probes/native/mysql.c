// SPDX-License-Identifier: Apache-2.0
/*
 * MySQL and MariaDB client/server protocol (dev.mysql.com/doc/dev/
 * mysql-server/latest/page_protocol_connection_phase.html, and MariaDB's
 * "Connection" page). The server speaks first: its handshake (protocol 10)
 * names the version and the authentication plugin. The probe answers with a
 * HandshakeResponse41 as root with an empty auth response, that is an empty
 * password, under the server's own plugin. OK means root has no password
 * for connections from the probe's address; ERR 1045 (access denied), 1130
 * (host not allowed, sent in place of a handshake) and 1698 mean it is
 * refused. An AuthSwitchRequest is answered with an empty response again;
 * caching_sha2_password asking for the full password (AuthMoreData 0x04)
 * means one is set. COM_QUIT ends an accepted session. MariaDB (log_warnings
 * >= 2, its default) logs each refusal: "Access denied for user
 * 'root'@'ADDRESS' (using password: NO)".
 */
#include <stdio.h>
#include <string.h>

#include "probes/probe.h"

#define NAME "mysql"
#define CLIENT_LONG_PASSWORD 0x00000001
#define CLIENT_PROTOCOL_41 0x00000200
#define CLIENT_SECURE_CONNECTION 0x00008000
#define CLIENT_PLUGIN_AUTH 0x00080000
#define MAX_PACKET (16 * 1024)

enum { STEP_HANDSHAKE = 1, STEP_RESULT, STEP_SWITCHED };

/* The packet at offset off: its payload and length once it is all there
 * (1), not yet (0), or no MySQL packet (-1). */
static int packet_at(const struct probe_io *io, size_t off, const uint8_t **payload, size_t *len)
{
	size_t n;

	if (io->in_len < off + 4)
		return io->eof ? -1 : 0;
	n = (size_t)io->in[off] | (size_t)io->in[off + 1] << 8 | (size_t)io->in[off + 2] << 16;
	if (!n || n > MAX_PACKET)
		return -1;
	if (io->in_len < off + 4 + n)
		return io->eof ? -1 : 0;
	*payload = io->in + off + 4;
	*len = n;
	return 1;
}

static enum probe_next err_packet(struct probe_io *io, const uint8_t *p, size_t n, const char *what)
{
	unsigned code = n >= 3 ? (unsigned)(p[1] | p[2] << 8) : 0;
	size_t off = n > 3 && p[3] == '#' ? 9 : 3; /* an SQL state follows '#' after the handshake */
	char msg[72] = "";

	if (n > off)
		probe__excerpt(p + off, n - off, msg, sizeof(msg));
	if (code == 1045 || code == 1130 || code == 1698)
		return probe__verdict(io, LW_AUTH_REQUIRED, NAME, "%s -> ERR %u %s", what, code, msg);
	return probe__verdict(io, LW_AUTH_UNKNOWN, NAME, "%s -> ERR %u %s", what, code, msg);
}

static size_t put_le32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)v, b[1] = (uint8_t)(v >> 8), b[2] = (uint8_t)(v >> 16), b[3] = (uint8_t)(v >> 24);
	return 4;
}

/* HandshakeResponse41 as root, empty auth response, the server's plugin. */
static enum probe_next respond(struct probe_io *io, const uint8_t *p, size_t n)
{
	/* protocol, version NUL, thread id (4), scramble (8), filler, capabilities (2),
	 * charset, status (2), capabilities (2), scramble length, reserved (10),
	 * the scramble's second part (13), the plugin's name NUL */
	const uint8_t *nul = memchr(p + 1, 0, n - 1);
	char plugin[64] = "mysql_native_password";
	size_t i, k, o = 4;
	uint8_t b[160];

	if (!nul || n - (size_t)(nul - p) < 1 + 4 + 8 + 1 + 2)
		return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "handshake -> not MySQL");
	probe__excerpt(p + 1, (size_t)(nul - p) - 1, io->memo, sizeof(io->memo));
	i = (size_t)(nul - p) + 1 + 4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10 + 13;
	if (i < n && (k = strnlen((const char *)p + i, n - i)) && k < sizeof(plugin) && i + k < n)
		snprintf(plugin, sizeof(plugin), "%.*s", (int)k, p + i);
	o += put_le32(b + o, CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION |
				     CLIENT_PLUGIN_AUTH);
	o += put_le32(b + o, 16 * 1024 * 1024);
	b[o++] = 33; /* utf8_general_ci */
	memset(b + o, 0, 23);
	o += 23;
	memcpy(b + o, "root", 5);
	o += 5;
	b[o++] = 0; /* auth response: empty */
	k = strlen(plugin) + 1;
	memcpy(b + o, plugin, k);
	o += k;
	b[0] = (uint8_t)(o - 4), b[1] = 0, b[2] = 0, b[3] = 1; /* sequence 1 */
	io->step = STEP_RESULT;
	return probe__out(io, b, o) ? PROBE_SEND : PROBE_DONE;
}

static enum probe_next result(struct probe_io *io, const uint8_t *p, size_t n)
{
	static const uint8_t quit[] = { 1, 0, 0, 0, 0x01 }; /* COM_QUIT, sequence 0 */
	const uint8_t *next;
	size_t next_len;
	int got;

	switch (p[0]) {
	case 0x00:
		probe__out(io, quit, sizeof(quit));
		return probe__verdict(io, LW_AUTH_NONE, NAME, "login as root, empty password -> OK (%s)", io->memo);
	case 0xff:
		return err_packet(io, p, n, "login as root, empty password");
	case 0xfe:
		if (io->step == STEP_SWITCHED)
			break;
		/* AuthSwitchRequest: the empty response again, under that plugin */
		io->step = STEP_SWITCHED;
		return probe__out(io, (const uint8_t[]){ 0, 0, 0, (uint8_t)(io->in[3] + 1) }, 4) ? PROBE_SEND
												: PROBE_DONE;
	case 0x01:
		if (n >= 2 && p[1] == 0x04)
			return probe__verdict(io, LW_AUTH_REQUIRED, NAME,
					      "login as root, empty password -> the full password is asked for");
		if (n < 2 || p[1] != 0x03)
			break;
		/* caching_sha2 fast authentication passed: OK follows */
		got = packet_at(io, (size_t)(p + n - io->in), &next, &next_len);
		if (got == 0)
			return PROBE_MORE;
		if (got > 0 && next[0] != 0x01)
			return result(io, next, next_len);
		break;
	}
	return probe__verdict(io, LW_AUTH_UNKNOWN, NAME, "login as root -> packet 0x%02x", p[0]);
}

static enum probe_next step(struct probe_io *io)
{
	const uint8_t *p;
	size_t n;
	int got;

	if (io->step == 0) {
		io->step = STEP_HANDSHAKE;
		return PROBE_MORE; /* the server speaks first */
	}
	got = packet_at(io, 0, &p, &n);
	if (got == 0)
		return PROBE_MORE;
	if (got < 0)
		return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, io->in_len ? "handshake -> not MySQL"
							  : io->reset     ? "connection reset before a handshake"
									  : "closed without a handshake");
	if (io->step == STEP_HANDSHAKE) {
		if (p[0] == 0xff)
			return err_packet(io, p, n, "connect");
		if (p[0] != 10)
			return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "handshake -> not MySQL protocol 10");
		return respond(io, p, n);
	}
	return result(io, p, n);
}

const struct lw_probe lw_probe_mysql = {
	.name = NAME,
	.services = { "mysql" },
	.ports = { 3306 },
	.flags = LW_PROBE_TCP | LW_PROBE_LOGIN,
	.step = step,
};
