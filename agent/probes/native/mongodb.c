// SPDX-License-Identifier: Apache-2.0
/*
 * MongoDB's wire protocol, OP_MSG (mongodb.com/docs/manual/reference/
 * mongodb-wire-protocol): `hello` on admin, which every server answers
 * without authentication (maxWireVersion tells it is MongoDB), then
 * `listDatabases` with nameOnly. ok: 1 means commands run unauthenticated;
 * code 13 (Unauthorized) means authentication is on. Only the number of
 * databases is kept, never their names. There is no goodbye: the connection
 * is closed. mongod logs "Connection accepted" and "Connection ended" at its
 * default verbosity; unauthorized commands are not logged unless auditing
 * is on. Servers before 3.6 do not speak OP_MSG and close the connection.
 */
#include <stdio.h>
#include <string.h>

#include "probes/probe.h"

#define NAME "mongodb"
#define OP_MSG 2013
#define MAX_MESSAGE (48 * 1000 * 1000)

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

/* An OP_MSG with one body section {cmd: 1, [nameOnly: true,] $db: "admin"}. */
static enum probe_next command(struct probe_io *io, const char *cmd, bool name_only, uint32_t request_id)
{
	uint8_t b[128];
	size_t o = 21, doc;

	doc = o;
	o += 4;
	b[o++] = 0x10; /* int32 */
	memcpy(b + o, cmd, strlen(cmd) + 1);
	o += strlen(cmd) + 1;
	put32(b + o, 1);
	o += 4;
	if (name_only) {
		b[o++] = 0x08; /* bool */
		memcpy(b + o, "nameOnly", 9);
		o += 9;
		b[o++] = 1;
	}
	b[o++] = 0x02; /* string */
	memcpy(b + o, "$db", 4);
	o += 4;
	put32(b + o, 6);
	o += 4;
	memcpy(b + o, "admin", 6);
	o += 6;
	b[o++] = 0; /* the document's end */
	put32(b + doc, (uint32_t)(o - doc));
	put32(b, (uint32_t)o);
	put32(b + 4, request_id);
	put32(b + 8, 0);
	put32(b + 12, OP_MSG);
	put32(b + 16, 0); /* flags */
	b[20] = 0;        /* section kind 0: the body */
	return probe__out(io, b, o) ? PROBE_SEND : PROBE_DONE;
}

struct reply {
	bool has_ok, has_wire;
	double ok;
	int32_t code;
	long databases; /* -1: no such array */
	char code_name[32];
};

/* Past the value of an element of BSON type t at d[i], or 0 when malformed. */
static size_t skip(uint8_t t, const uint8_t *d, size_t i, size_t n)
{
	size_t k;

	switch (t) {
	case 0x01: case 0x09: case 0x11: case 0x12: k = 8; break;
	case 0x10: k = 4; break;
	case 0x08: k = 1; break;
	case 0x07: k = 12; break;
	case 0x13: k = 16; break;
	case 0x0a: case 0x7f: case 0xff: k = 0; break;
	case 0x02: case 0x0d: case 0x0e: k = n - i >= 4 ? 4 + (size_t)le32(d + i) : n; break;
	case 0x03: case 0x04: k = n - i >= 4 ? (size_t)le32(d + i) : n; break;
	case 0x05: k = n - i >= 4 ? 5 + (size_t)le32(d + i) : n; break;
	default: return 0;
	}
	return k <= n - i ? i + k : 0;
}

static long count_elements(const uint8_t *d, size_t n)
{
	size_t i = 4;
	long c = 0;

	while (i < n && d[i]) {
		uint8_t t = d[i++];
		size_t name = strnlen((const char *)d + i, n - i);

		if ((i += name + 1) > n || !(i = skip(t, d, i, n)))
			return -1;
		c++;
	}
	return c;
}

/* The top-level fields the verdict needs, from the reply's body document. */
static bool parse(const uint8_t *d, size_t n, struct reply *r)
{
	size_t i = 4;

	memset(r, 0, sizeof(*r));
	r->databases = -1;
	if (n < 5 || le32(d) != n)
		return false;
	while (i < n && d[i]) {
		uint8_t t = d[i++];
		const char *name = (const char *)d + i;
		size_t v = i + strnlen(name, n - i) + 1, end;

		if (v > n || !(end = skip(t, d, v, n)))
			return false;
		if (!strcmp(name, "ok")) {
			r->has_ok = true;
			if (t == 0x01)
				memcpy(&r->ok, d + v, sizeof(r->ok)); /* a little-endian double */
			else if (t == 0x08)
				r->ok = d[v];
			else if (t == 0x10 || t == 0x12)
				r->ok = (int32_t)le32(d + v);
		} else if (!strcmp(name, "code") && t == 0x10) {
			r->code = (int32_t)le32(d + v);
		} else if (!strcmp(name, "codeName") && t == 0x02) {
			probe__excerpt(d + v + 4, end - v - 4, r->code_name, sizeof(r->code_name));
		} else if (!strcmp(name, "maxWireVersion")) {
			r->has_wire = true;
		} else if (!strcmp(name, "databases") && t == 0x04) {
			r->databases = count_elements(d + v, end - v);
		}
		i = end;
	}
	return true;
}

static enum probe_next step(struct probe_io *io)
{
	struct reply r;
	uint32_t len;

	if (io->step == 0) {
		io->step = 1;
		return command(io, "hello", false, 1);
	}
	if (io->in_len < 16)
		return io->eof ? probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "hello -> %s",
						io->in_len  ? "not MongoDB"
						: io->reset ? "connection reset"
							    : "closed without a reply (before 3.6?)")
			       : PROBE_MORE;
	len = le32(io->in);
	if (len < 21 || len > MAX_MESSAGE || le32(io->in + 12) != OP_MSG)
		return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "hello -> not an OP_MSG reply");
	if (io->in_len < len)
		return io->eof ? probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "hello -> reply cut short") : PROBE_MORE;
	if (io->in[20] != 0 || !parse(io->in + 21, len - 21, &r))
		return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "hello -> not a MongoDB reply");
	if (io->step == 1) {
		if (!r.has_wire || r.ok != 1)
			return probe__verdict(io, LW_AUTH_UNKNOWN, r.has_ok ? NAME : NULL, "hello -> ok: %g", r.ok);
		io->step = 2;
		return command(io, "listDatabases", true, 2);
	}
	if (r.ok == 1)
		return probe__verdict(io, LW_AUTH_NONE, NAME, "listDatabases -> ok: 1 (%ld databases)",
				      r.databases < 0 ? 0 : r.databases);
	if (r.code == 13)
		return probe__verdict(io, LW_AUTH_REQUIRED, NAME, "listDatabases -> code 13 %s",
				      r.code_name[0] ? r.code_name : "Unauthorized");
	return probe__verdict(io, LW_AUTH_UNKNOWN, NAME, "listDatabases -> ok: 0, code %d %s", r.code, r.code_name);
}

const struct lw_probe lw_probe_mongodb = {
	.name = NAME,
	.services = { "mongodb" },
	.ports = { 27017, 27018, 27019 },
	.flags = LW_PROBE_TCP | LW_PROBE_LOGIN,
	.step = step,
};
