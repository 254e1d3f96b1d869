// SPDX-License-Identifier: Apache-2.0
/*
 * The protocol probes as specifications: for each, the reply a server of
 * that kind sends (built from the vendor's documentation of the wire
 * format), and the verdict it must give. No socket: the probes are pure
 * state machines, and the runner is tested against real servers
 * (tests/integration/probes*.sh).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "probes/http.h"
#include "probes/json.h"
#include "probes/probe.h"

struct run {
	struct probe_io io;
	struct lw_auth auth;
};

static const struct lw_probe *probe(const char *name)
{
	const struct lw_probe *p = probe__by_name(name);

	assert_non_null(p);
	return p;
}

/* The first step of a fresh connection: what the probe sends first. */
static enum probe_next start(struct run *r, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->io.auth = &r->auth;
	r->io.host = "203.0.113.7:1234";
	return probe(name)->step(&r->io);
}

/* The server's reply, whole; the probe's answer to it. */
static enum probe_next reply(struct run *r, const char *name, const void *b, size_t n)
{
	r->io.in = b;
	r->io.in_len = n;
	r->io.eof = true;
	r->io.out_len = 0;
	return probe(name)->step(&r->io);
}

#define REPLY(r, name, lit) reply(r, name, lit, sizeof(lit) - 1)

static void verdict(const struct run *r, enum lw_auth_state st, const char *protocol, const char *evidence)
{
	if (r->auth.state != st || strcmp(r->auth.protocol, protocol))
		fail_msg("got state %d protocol \"%s\" (%s), wanted %d \"%s\"", r->auth.state, r->auth.protocol,
			 r->auth.evidence, st, protocol);
	if (evidence && !strstr(r->auth.evidence, evidence))
		fail_msg("evidence \"%s\" lacks \"%s\"", r->auth.evidence, evidence);
}

static void test_registry(void **state)
{
	size_t n = 0;

	(void)state;
	for (; lw_probes[n]; n++) {
		assert_non_null(lw_probes[n]->step);
		if (n)
			assert_true(strcmp(lw_probes[n - 1]->name, lw_probes[n]->name) < 0);
	}
	assert_true(n >= 15);
	assert_true(probe__serves(probe("redis"), "valkey"));
	assert_false(probe__serves(probe("redis"), "memcached"));
	assert_null(probe__by_name("no-such-probe"));
}

static void test_redis(void **state)
{
	struct run r;

	(void)state;
	assert_int_equal(start(&r, "redis"), PROBE_SEND);
	assert_memory_equal(r.io.out, "*1\r\n$4\r\nPING\r\n", 14);
	assert_int_equal(REPLY(&r, "redis", "+PONG\r\n"), PROBE_SEND);
	assert_non_null(memmem(r.io.out, r.io.out_len, "INFO", 4));
	assert_int_equal(REPLY(&r, "redis", "$40\r\n# Server\r\nredis_version:7.2.4\r\nfoo:1\r\n\r\n"), PROBE_DONE);
	verdict(&r, LW_AUTH_NONE, "redis", "PING -> +PONG; redis_version:7.2.4");
	assert_non_null(memmem(r.io.out, r.io.out_len, "QUIT", 4)); /* the goodbye */

	start(&r, "redis");
	assert_int_equal(REPLY(&r, "redis", "-NOAUTH Authentication required.\r\n"), PROBE_DONE);
	verdict(&r, LW_AUTH_REQUIRED, "redis", "-NOAUTH");
	start(&r, "redis");
	REPLY(&r, "redis", "-DENIED Redis is running in protected mode because protected mode is enabled\r\n");
	verdict(&r, LW_AUTH_REQUIRED, "redis", "protected mode");
	/* an HTTP server, or anything else, on 6379: not Redis */
	start(&r, "redis");
	REPLY(&r, "redis", "HTTP/1.0 400 Bad Request\r\n\r\n");
	verdict(&r, LW_AUTH_UNKNOWN, "", "not RESP");
}

static void test_redis_partial(void **state)
{
	struct run r;

	(void)state;
	start(&r, "redis");
	r.io.in = (const uint8_t *)"+PO";
	r.io.in_len = 3;
	assert_int_equal(probe("redis")->step(&r.io), PROBE_MORE);
}

static void test_memcached(void **state)
{
	static const uint8_t sasl[] = { 0x81, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0,
					0,    0,    0, 0, 0, 0, 0, 0, 'P', 'L', 'A', 'I', 'N' };
	static const uint8_t udp[] = { 0x4c, 0x57, 0, 0, 0, 1, 0, 0, 'V', 'E', 'R', 'S', 'I', 'O', 'N',
				       ' ', '1', '.', '6', '\r', '\n' };
	struct run r;

	(void)state;
	start(&r, "memcached");
	assert_memory_equal(r.io.out, "version\r\n", 9);
	REPLY(&r, "memcached", "VERSION 1.6.21\r\n");
	verdict(&r, LW_AUTH_NONE, "memcached", "VERSION 1.6.21");
	start(&r, "memcached");
	REPLY(&r, "memcached", "CLIENT_ERROR unauthenticated\r\n");
	verdict(&r, LW_AUTH_REQUIRED, "memcached", NULL);
	/* closed on a text command: asks again in binary, and SASL answers */
	start(&r, "memcached");
	assert_int_equal(reply(&r, "memcached", "", 0), PROBE_AGAIN);
	r.io.in_len = 0;
	r.io.eof = false;
	assert_int_equal(probe("memcached")->step(&r.io), PROBE_SEND);
	assert_int_equal(r.io.out[0], 0x80);
	assert_int_equal(r.io.out[1], 0x20);
	reply(&r, "memcached", sasl, sizeof(sasl));
	verdict(&r, LW_AUTH_REQUIRED, "memcached", "PLAIN");
	/* UDP: the frame header goes out and must come back */
	memset(&r, 0, sizeof(r));
	r.io.auth = &r.auth;
	r.io.udp = true;
	assert_int_equal(probe("memcached")->step(&r.io), PROBE_SEND);
	assert_int_equal(r.io.out_len, 8 + 9);
	reply(&r, "memcached", udp, sizeof(udp));
	verdict(&r, LW_AUTH_NONE, "memcached", "UDP version -> VERSION 1.6");
}

static void test_clickhouse_native(void **state)
{
	/* packet 0 Hello: name, major, minor, revision (54412 = 0x8c 0xa9 0x03), timezone... */
	static const uint8_t hello[] = { 0, 10, 'C', 'l', 'i', 'c', 'k', 'H', 'o', 'u', 's', 'e', 18, 16,
					 0x8c, 0xa9, 0x03, 3, 'U', 'T', 'C' };
	/* packet 2 Exception: code 516 (int32 LE), name, message, stack, nested */
	static const uint8_t exc[] = { 2, 0x04, 0x02, 0, 0, 13, 'D', 'B', ':', ':', 'E', 'x', 'c', 'e', 'p', 't',
				       'i', 'o', 'n', 4, 'n', 'o', 'p', 'e', 0, 0 };
	struct run r;

	(void)state;
	assert_int_equal(start(&r, "clickhouse-native"), PROBE_SEND);
	assert_int_equal(r.io.out[0], 0); /* client Hello */
	assert_non_null(memmem(r.io.out, r.io.out_len, "\x07" "default\x00", 9)); /* user, empty password */
	reply(&r, "clickhouse-native", hello, sizeof(hello));
	verdict(&r, LW_AUTH_NONE, "clickhouse-native", "ClickHouse 18.16 (revision 54412)");
	start(&r, "clickhouse-native");
	reply(&r, "clickhouse-native", exc, sizeof(exc));
	verdict(&r, LW_AUTH_REQUIRED, "clickhouse-native", "516 AUTHENTICATION_FAILED");
	start(&r, "clickhouse-native");
	r.io.in = hello;
	r.io.in_len = 8; /* cut inside the name */
	assert_int_equal(probe("clickhouse-native")->step(&r.io), PROBE_MORE);
}

static void test_clickhouse_http(void **state)
{
	struct run r;

	(void)state;
	start(&r, "clickhouse-http");
	assert_non_null(strstr((const char *)r.io.out, "GET /?query=SELECT%201 HTTP/1.1\r\n"));
	REPLY(&r, "clickhouse-http", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n1\n");
	verdict(&r, LW_AUTH_NONE, "clickhouse-http", "SELECT 1 -> 1");
	start(&r, "clickhouse-http");
	REPLY(&r, "clickhouse-http", "HTTP/1.1 401 Unauthorized\r\nContent-Length: 60\r\n\r\n"
				     "Code: 516. DB::Exception: default: Authentication failed\n");
	verdict(&r, LW_AUTH_REQUIRED, "clickhouse-http", "401, exception 516");
	start(&r, "clickhouse-http");
	REPLY(&r, "clickhouse-http", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
	verdict(&r, LW_AUTH_UNKNOWN, "", NULL);
}

static void test_postgresql(void **state)
{
	static const uint8_t ok[] = { 'R', 0, 0, 0, 8, 0, 0, 0, 0 };
	static const uint8_t sasl[] = { 'R', 0, 0, 0, 23, 0, 0, 0, 10, 'S', 'C', 'R', 'A', 'M', '-', 'S',
					'H', 'A', '-', '2', '5', '6', 0, 0 };
	static char hba[] = "E\0\0\0\0SFATAL\0C28000\0Mno pg_hba.conf entry for host \"203.0.113.9\", "
				  "user \"postgres\", database \"postgres\"\0\0";
	struct run r;

	(void)state;
	start(&r, "postgresql");
	assert_int_equal(r.io.out[4], 0);
	assert_int_equal(r.io.out[5], 3); /* protocol 3.0 */
	assert_non_null(memmem(r.io.out, r.io.out_len, "user\0postgres\0", 14));
	reply(&r, "postgresql", ok, sizeof(ok));
	verdict(&r, LW_AUTH_NONE, "postgresql", "AuthenticationOk");
	assert_int_equal(r.io.out[0], 'X'); /* Terminate */
	start(&r, "postgresql");
	reply(&r, "postgresql", sasl, sizeof(sasl));
	verdict(&r, LW_AUTH_REQUIRED, "postgresql", "AuthenticationSASL (SCRAM-SHA-256)");
	assert_int_equal(r.io.out_len, 0); /* no Terminate in mid-authentication: it would be logged */
	hba[4] = (char)(sizeof(hba) - 2); /* the length counts itself, not the type byte */
	start(&r, "postgresql");
	reply(&r, "postgresql", hba, sizeof(hba) - 1);
	verdict(&r, LW_AUTH_REQUIRED, "postgresql", "28000 no pg_hba.conf entry");
}

static void test_mysql(void **state)
{
	/* protocol 10, version, thread id, scramble, filler, capabilities,
	 * charset, status, capabilities, scramble length, reserved, scramble 2, plugin */
	static char handshake[] =
		"\0\0\0\0" "\x0a" "11.4.2-MariaDB\0" "\x01\0\0\0" "abcdefgh" "\0" "\xff\xf7" "\x21" "\x02\0"
		"\xff\x81" "\x15" "\0\0\0\0\0\0\0\0\0\0" "ijklmnopqrst\0" "mysql_native_password\0";
	static const char ok[] = "\x07\0\0\x02" "\0\0\0\x02\0\0\0";
	static char denied[] = "\0\0\0\x02" "\xff\x15\x04" "#28000"
				     "Access denied for user 'root'@'203.0.113.9' (using password: NO)";
	static char host[] = "\0\0\0\0" "\xff\x6a\x04" "Host '203.0.113.9' is not allowed to connect";
	struct run r;

	(void)state;
	handshake[0] = (char)(sizeof(handshake) - 1 - 4);
	denied[0] = (char)(sizeof(denied) - 1 - 4);
	host[0] = (char)(sizeof(host) - 1 - 4);
	assert_int_equal(start(&r, "mysql"), PROBE_MORE); /* the server speaks first */
	assert_int_equal(reply(&r, "mysql", handshake, sizeof(handshake) - 1), PROBE_SEND);
	assert_non_null(memmem(r.io.out, r.io.out_len, "root\0\0mysql_native_password\0", 28));
	reply(&r, "mysql", ok, sizeof(ok) - 1);
	verdict(&r, LW_AUTH_NONE, "mysql", "OK (11.4.2-MariaDB)");
	assert_int_equal(r.io.out[4], 0x01); /* COM_QUIT */

	start(&r, "mysql");
	reply(&r, "mysql", handshake, sizeof(handshake) - 1);
	reply(&r, "mysql", denied, sizeof(denied) - 1);
	verdict(&r, LW_AUTH_REQUIRED, "mysql", "ERR 1045");
	start(&r, "mysql");
	reply(&r, "mysql", host, sizeof(host) - 1);
	verdict(&r, LW_AUTH_REQUIRED, "mysql", "ERR 1130");
}

/* An OP_MSG reply around one BSON document. */
static size_t op_msg(uint8_t *b, const uint8_t *doc, size_t n)
{
	size_t len = 21 + n;

	memset(b, 0, 21);
	b[0] = (uint8_t)len;
	b[12] = 2013 & 0xff;
	b[13] = 2013 >> 8;
	memcpy(b + 21, doc, n);
	return len;
}

static void test_mongodb(void **state)
{
	/* {maxWireVersion: 21, ok: 1.0} */
	static uint8_t hello[] = { 0, 0, 0, 0, 0x10, 'm', 'a', 'x', 'W', 'i', 'r', 'e', 'V', 'e', 'r', 's',
					 'i', 'o', 'n', 0, 21, 0, 0, 0, 0x01, 'o', 'k', 0, 0, 0, 0, 0, 0, 0, 0xf0,
					 0x3f, 0 };
	/* {ok: 0.0, code: 13, codeName: "Unauthorized"} */
	static uint8_t denied[] = { 0, 0, 0, 0, 0x01, 'o', 'k', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 'c', 'o',
					  'd', 'e', 0, 13, 0, 0, 0, 0x02, 'c', 'o', 'd', 'e', 'N', 'a', 'm', 'e', 0,
					  13, 0, 0, 0, 'U', 'n', 'a', 'u', 't', 'h', 'o', 'r', 'i', 'z', 'e', 'd', 0, 0 };
	uint8_t b[128];
	struct run r;

	(void)state;
	assert_int_equal(start(&r, "mongodb"), PROBE_SEND);
	assert_non_null(memmem(r.io.out, r.io.out_len, "hello", 5));
	hello[0] = sizeof(hello);
	denied[0] = sizeof(denied);
	assert_int_equal(reply(&r, "mongodb", b, op_msg(b, hello, sizeof(hello))), PROBE_SEND);
	assert_non_null(memmem(r.io.out, r.io.out_len, "listDatabases", 13));
	reply(&r, "mongodb", b, op_msg(b, denied, sizeof(denied)));
	verdict(&r, LW_AUTH_REQUIRED, "mongodb", "code 13 Unauthorized");
}

static void test_nats(void **state)
{
	struct run r;

	(void)state;
	assert_int_equal(start(&r, "nats"), PROBE_MORE); /* the server speaks first */
	REPLY(&r, "nats", "INFO {\"server_id\":\"NDXB4\",\"version\":\"2.10.14\",\"proto\":1,"
			  "\"max_payload\":1048576}\r\n");
	verdict(&r, LW_AUTH_NONE, "nats", "NATS 2.10.14, no auth_required");
	start(&r, "nats");
	REPLY(&r, "nats", "INFO {\"server_id\":\"NDXB4\",\"version\":\"2.10.14\",\"auth_required\":true}\r\n");
	verdict(&r, LW_AUTH_REQUIRED, "nats", "auth_required");
	start(&r, "nats");
	REPLY(&r, "nats", "+OK\r\n");
	verdict(&r, LW_AUTH_UNKNOWN, "", "not NATS");
}

static void test_http_parsing(void **state)
{
	static const char chunked[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				      "5\r\n{\"mod\r\nb\r\nels\":[1,2]}\r\n0\r\n\r\n";
	struct run r;

	(void)state;
	start(&r, "ollama");
	REPLY(&r, "ollama", chunked);
	verdict(&r, LW_AUTH_NONE, "ollama", "(2 models)");
	/* a TLS alert to a plain request: start over in TLS */
	start(&r, "ollama");
	assert_int_equal(reply(&r, "ollama", "\x15\x03\x03\x00\x02\x02\x32", 7), PROBE_TLS);
	start(&r, "etcd");
	assert_int_equal(REPLY(&r, "etcd", "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an "
					   "HTTPS server.\n"),
			 PROBE_TLS);
	start(&r, "qdrant");
	REPLY(&r, "qdrant", "HTTP/1.1 401 Unauthorized\r\nContent-Length: 58\r\n\r\n"
			    "Must provide an API key or an Authorization bearer token");
	verdict(&r, LW_AUTH_REQUIRED, "qdrant", "GET /collections -> 401");
}

static void test_json(void **state)
{
	static const char doc[] = " {\"a\": \"x\\\"}\", \"n\": [ {\"k\": [1,2]}, \"s,]\", 3 ], \"v\": {\"number\":\"8.1\"}}";
	const uint8_t *v;
	size_t len;
	char out[16];

	(void)state;
	assert_int_equal(json__array_len((const uint8_t *)doc, sizeof(doc) - 1, "n"), 3);
	assert_true(json__key((const uint8_t *)doc, sizeof(doc) - 1, "v", &v, &len));
	assert_true(json__string(v, len, "number", out, sizeof(out)));
	assert_string_equal(out, "8.1");
	assert_int_equal(json__array_len((const uint8_t *)"[]", 2, NULL), 0);
	assert_int_equal(json__array_len((const uint8_t *)"{}", 2, "n"), -1);
	/* cut by the reply bound: what came is counted */
	assert_int_equal(json__array_len((const uint8_t *)"[1,2,3", 6, NULL), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_redis),
		cmocka_unit_test(test_redis_partial),
		cmocka_unit_test(test_memcached),
		cmocka_unit_test(test_clickhouse_native),
		cmocka_unit_test(test_clickhouse_http),
		cmocka_unit_test(test_postgresql),
		cmocka_unit_test(test_mysql),
		cmocka_unit_test(test_mongodb),
		cmocka_unit_test(test_nats),
		cmocka_unit_test(test_http_parsing),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
