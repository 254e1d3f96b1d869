// SPDX-License-Identifier: Apache-2.0
/*
 * PostgreSQL's frontend/backend protocol 3.0 (postgresql.org/docs/current/
 * protocol-flow.html): a StartupMessage as user postgres for database
 * postgres, no password. AuthenticationOk means the server trusts the
 * network the probe comes from (pg_hba.conf `trust`); a request for a
 * password, MD5, SASL (SCRAM) or GSS/SSPI means it does not, and so does a
 * FATAL 28000 "no pg_hba.conf entry" or 28P01. After AuthenticationOk the
 * probe sends Terminate; after a password request it just closes, which
 * PostgreSQL deliberately does not log. With log_connections on, the server
 * logs "connection received" (and "connection authorized" under trust); a
 * missing pg_hba.conf entry is always logged as FATAL.
 */
#include <stdio.h>
#include <string.h>

#include "probes/probe.h"

#define NAME "postgresql"
#define MAX_MESSAGE (16 * 1024)

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static enum probe_next startup(struct probe_io *io)
{
	static const char params[] = "user\0postgres\0database\0postgres\0application_name\0leakwatch-probe\0";
	uint8_t b[8 + sizeof(params)];
	uint32_t len = (uint32_t)sizeof(b); /* params ends in two NULs: the list's end */

	b[0] = (uint8_t)(len >> 24), b[1] = (uint8_t)(len >> 16), b[2] = (uint8_t)(len >> 8), b[3] = (uint8_t)len;
	b[4] = 0, b[5] = 3, b[6] = 0, b[7] = 0; /* protocol 3.0 */
	memcpy(b + 8, params, sizeof(params));
	io->step = 1;
	return probe__out(io, b, sizeof(b)) ? PROBE_SEND : PROBE_DONE;
}

static enum probe_next auth_request(struct probe_io *io, uint32_t len)
{
	static const uint8_t terminate[] = { 'X', 0, 0, 0, 4 };
	uint32_t code = len >= 8 ? be32(io->in + 5) : 0xffffffff;
	char mech[32] = "";

	switch (code) {
	case 0:
		probe__out(io, terminate, sizeof(terminate));
		return probe__verdict(io, LW_AUTH_NONE, NAME, "startup as postgres -> AuthenticationOk");
	case 2: return probe__verdict(io, LW_AUTH_REQUIRED, NAME, "startup as postgres -> AuthenticationKerberosV5");
	case 3: return probe__verdict(io, LW_AUTH_REQUIRED, NAME, "startup as postgres -> AuthenticationCleartextPassword");
	case 5: return probe__verdict(io, LW_AUTH_REQUIRED, NAME, "startup as postgres -> AuthenticationMD5Password");
	case 7: return probe__verdict(io, LW_AUTH_REQUIRED, NAME, "startup as postgres -> AuthenticationGSS");
	case 9: return probe__verdict(io, LW_AUTH_REQUIRED, NAME, "startup as postgres -> AuthenticationSSPI");
	case 10:
		/* the mechanisms follow, each NUL-terminated */
		if (len + 1 > 9)
			probe__excerpt(io->in + 9, strnlen((const char *)io->in + 9, len + 1 - 9), mech, sizeof(mech));
		return probe__verdict(io, LW_AUTH_REQUIRED, NAME, "startup as postgres -> AuthenticationSASL (%s)", mech);
	default:
		return probe__verdict(io, LW_AUTH_UNKNOWN, NAME, "startup as postgres -> authentication request %u",
				      code);
	}
}

/* ErrorResponse: fields of a type byte and a NUL-terminated string. */
static enum probe_next error(struct probe_io *io, uint32_t len)
{
	char code[16] = "", msg[72] = "";
	size_t i = 5, end = (size_t)len + 1;

	while (i < end && io->in[i]) {
		uint8_t type = io->in[i++];
		const uint8_t *v = io->in + i;
		size_t k = strnlen((const char *)v, end - i);

		if (type == 'C')
			probe__excerpt(v, k, code, sizeof(code));
		else if (type == 'M')
			probe__excerpt(v, k, msg, sizeof(msg));
		i += k + 1;
	}
	if (!strcmp(code, "28P01") || (!strcmp(code, "28000") && strstr(msg, "pg_hba.conf")))
		return probe__verdict(io, LW_AUTH_REQUIRED, NAME, "startup as postgres -> %s %s", code, msg);
	/* past authentication: only then does the server look for the database */
	if (!strcmp(code, "3D000"))
		return probe__verdict(io, LW_AUTH_NONE, NAME, "startup as postgres -> authenticated; %s", msg);
	return probe__verdict(io, LW_AUTH_UNKNOWN, NAME, "startup as postgres -> %s %s", code, msg);
}

static enum probe_next step(struct probe_io *io)
{
	uint32_t len;
	char ex[40];

	if (io->step == 0)
		return startup(io);
	if (io->in_len && io->in[0] != 'R' && io->in[0] != 'E')
		return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "startup -> not PostgreSQL: %s",
				      probe__excerpt(io->in, io->in_len, ex, sizeof(ex)));
	if (io->in_len < 5)
		return io->eof ? probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "startup -> %s",
						io->reset ? "connection reset" : "closed without a reply")
			       : PROBE_MORE;
	len = be32(io->in + 1);
	if (len < 4 || len > MAX_MESSAGE)
		return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "startup -> not PostgreSQL (length %u)", len);
	if (io->in_len < (size_t)len + 1)
		return io->eof ? probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "startup -> reply cut short") : PROBE_MORE;
	return io->in[0] == 'R' ? auth_request(io, len) : error(io, len);
}

const struct lw_probe lw_probe_postgresql = {
	.name = NAME,
	.services = { "postgresql", "cockroachdb" },
	.ports = { 5432, 26257 },
	.flags = LW_PROBE_TCP | LW_PROBE_LOGIN,
	.step = step,
};
