// SPDX-License-Identifier: Apache-2.0
/*
 * ClickHouse's native TCP protocol (clickhouse.com/docs/native-protocol):
 * a client Hello as user `default` with an empty password. The server
 * authenticates at Hello: a server Hello back means the default user needs
 * no password, an Exception with code 516 (AUTHENTICATION_FAILED), or 192,
 * 193, 194 in older releases (UNKNOWN_USER, WRONG_PASSWORD,
 * REQUIRED_PASSWORD), means it does. The protocol has no goodbye: the
 * connection is closed. The announced revision is below 54441, so the
 * server expects no addendum after its Hello. A refused Hello is logged by
 * the server at Error level ("Authentication failed" or "Wrong password").
 */
#include <stdio.h>
#include <string.h>

#include "probes/probe.h"

#define NAME "clickhouse-native"
#define REVISION 54406
#define MAX_STRING (64 * 1024)

enum rd { RD_OK, RD_MORE, RD_BAD };

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	do {
		p[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			p[n] |= 0x80;
		n++;
	} while (v);
	return n;
}

static size_t put_string(uint8_t *p, const char *s)
{
	size_t k = strlen(s), n = put_varint(p, k);

	memcpy(p + n, s, k);
	return n + k;
}

static enum rd get_varint(const uint8_t *s, size_t n, size_t *i, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (*i >= n)
			return RD_MORE;
		*v |= (uint64_t)(s[*i] & 0x7f) << shift;
		if (!(s[(*i)++] & 0x80))
			return RD_OK;
	}
	return RD_BAD;
}

static enum rd get_string(const uint8_t *s, size_t n, size_t *i, const uint8_t **str, size_t *len)
{
	uint64_t k;
	enum rd r = get_varint(s, n, i, &k);

	if (r != RD_OK)
		return r;
	if (k > MAX_STRING)
		return RD_BAD;
	if (n - *i < k)
		return RD_MORE;
	*str = s + *i;
	*len = (size_t)k;
	*i += (size_t)k;
	return RD_OK;
}

static enum probe_next hello(struct probe_io *io)
{
	uint8_t b[128];
	size_t n = put_varint(b, 0); /* Hello */

	n += put_string(b + n, "leakwatch-probe");
	n += put_varint(b + n, 1);
	n += put_varint(b + n, 0);
	n += put_varint(b + n, REVISION);
	n += put_string(b + n, "");        /* the user's default database */
	n += put_string(b + n, "default"); /* user */
	n += put_string(b + n, "");        /* password: empty */
	io->step = 1;
	return probe__out(io, b, n) ? PROBE_SEND : PROBE_DONE;
}

static const char *code_name(int32_t code)
{
	switch (code) {
	case 192: return "UNKNOWN_USER";
	case 193: return "WRONG_PASSWORD";
	case 194: return "REQUIRED_PASSWORD";
	case 516: return "AUTHENTICATION_FAILED";
	default: return NULL;
	}
}

static enum probe_next server_hello(struct probe_io *io, size_t i)
{
	uint64_t major, minor, rev;
	const uint8_t *name;
	size_t len;
	enum rd r = get_string(io->in, io->in_len, &i, &name, &len);

	r = r == RD_OK ? get_varint(io->in, io->in_len, &i, &major) : r;
	r = r == RD_OK ? get_varint(io->in, io->in_len, &i, &minor) : r;
	r = r == RD_OK ? get_varint(io->in, io->in_len, &i, &rev) : r;
	if (r == RD_MORE && !io->eof)
		return PROBE_MORE;
	if (r != RD_OK || !len || len > 32)
		return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "Hello -> not a ClickHouse server Hello");
	return probe__verdict(io, LW_AUTH_NONE, NAME,
			      "Hello as default, empty password -> server Hello %.*s %llu.%llu (revision %llu)",
			      (int)len, name, (unsigned long long)major, (unsigned long long)minor,
			      (unsigned long long)rev);
}

static enum probe_next exception(struct probe_io *io, size_t i)
{
	const uint8_t *name;
	size_t len;
	int32_t code;

	if (io->in_len - i < 4)
		return io->eof ? probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "Hello -> short exception") : PROBE_MORE;
	code = (int32_t)((uint32_t)io->in[i] | (uint32_t)io->in[i + 1] << 8 | (uint32_t)io->in[i + 2] << 16 |
			 (uint32_t)io->in[i + 3] << 24);
	i += 4;
	switch (get_string(io->in, io->in_len, &i, &name, &len)) {
	case RD_MORE:
		if (!io->eof)
			return PROBE_MORE;
		/* fallthrough */
	case RD_BAD:
		return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "Hello -> not a ClickHouse exception");
	case RD_OK:
		break;
	}
	if (code_name(code))
		return probe__verdict(io, LW_AUTH_REQUIRED, NAME, "Hello as default, empty password -> exception %d %s",
				      code, code_name(code));
	return probe__verdict(io, LW_AUTH_UNKNOWN, NAME, "Hello -> exception %d %.*s", code,
			      (int)(len < 40 ? len : 40), name);
}

static enum probe_next step(struct probe_io *io)
{
	uint64_t type;
	size_t i = 0;

	if (io->step == 0)
		return hello(io);
	switch (get_varint(io->in, io->in_len, &i, &type)) {
	case RD_MORE:
		return io->eof ? probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "Hello -> %s",
						io->reset ? "connection reset" : "closed without a reply")
			       : PROBE_MORE;
	case RD_BAD:
		return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "Hello -> not the native protocol");
	case RD_OK:
		break;
	}
	if (type == 0)
		return server_hello(io, i);
	if (type == 2)
		return exception(io, i);
	return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "Hello -> packet %llu, not Hello or Exception",
			      (unsigned long long)type);
}

const struct lw_probe lw_probe_clickhouse_native = {
	.name = NAME,
	.services = { "clickhouse" },
	.ports = { 9000, 9440 },
	.flags = LW_PROBE_TCP,
	.step = step,
};
