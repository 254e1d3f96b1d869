// SPDX-License-Identifier: Apache-2.0
/*
 * validate: checksums, alphabets, entropy, JWT headers, PEM bodies, Basic
 * credentials, examples and placeholders. Test tokens are generated here;
 * failures print verdicts, never the strings under test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "b64.h"
#include "rules/validate.h"

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void rnd(char *out, const char *alpha, size_t n)
{
	size_t a = strlen(alpha);

	for (size_t i = 0; i < n; i++)
		out[i] = alpha[next() % a];
	out[n] = '\0';
}


/* prefix + 30 random + base62(crc32(random)) */
static void checksum_token(const char *prefix, char *out)
{
	size_t p = strlen(prefix);

	strcpy(out, prefix);
	rnd(out + p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 30);
	validate__crc_base62((uint32_t)crc32(0L, (const Bytef *)out + p, 30), out + p + 30);
	out[p + 36] = '\0';
}

#define OK(expr) assert_true(expr)
#define NOT(expr) assert_false(expr)

static void test_crc_base62(void **state)
{
	char out[7] = { 0 };

	(void)state;
	validate__crc_base62(0, out);
	assert_string_equal(out, "000000");
	validate__crc_base62(61, out);
	assert_string_equal(out, "00000z");
	validate__crc_base62(62, out);
	assert_string_equal(out, "000010");
	validate__crc_base62(0xffffffffu, out);
	assert_string_equal(out, "4gfFC3");
	validate__crc_base62((uint32_t)crc32(0L, (const Bytef *)"abcdefghijklmnopqrstuvwxyz0123", 30), out);
	assert_string_equal(out, "2LolCm");
}

static void test_crc_tokens(void **state)
{
	static const char *const prefixes[] = { "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "npm_" };
	char tok[64];

	(void)state;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		for (int round = 0; round < 50; round++) {
			checksum_token(prefixes[i], tok);
			OK(validate__crc_token(tok, strlen(tok), 4));
			/* one changed character anywhere breaks it */
			tok[4 + next() % 36] ^= 0x01;
			NOT(validate__crc_token(tok, strlen(tok), 4));
		}
	}
	checksum_token("ghp_", tok);
	NOT(validate__crc_token(tok, strlen(tok) - 1, 4));
	NOT(validate__crc_token(tok, 4, 4));
	/* the checksum covers the random part only, not the prefix */
	tok[1] = 'x';
	OK(validate__crc_token(tok, strlen(tok), 4));
}

static void test_entropy(void **state)
{
	char buf[300];

	(void)state;
	assert_true(validate__entropy("", 0) == 0);
	assert_true(fabs(validate__entropy("aaaaaaaa", 8)) < 1e-9);
	assert_true(fabs(validate__entropy("abab", 4) - 1.0) < 1e-6);
	assert_true(fabs(validate__entropy("abcd", 4) - 2.0) < 1e-6);
	for (int i = 0; i < 256; i++)
		buf[i] = (char)i;
	assert_true(fabs(validate__entropy(buf, 256) - 8.0) < 1e-6);
	/* counts past the small-count table */
	memset(buf, 'a', 300);
	memset(buf, 'b', 150);
	assert_true(fabs(validate__entropy(buf, 300) - 1.0) < 1e-6);
	rnd(buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 40);
	assert_true(validate__entropy(buf, 40) > 4.5);
	assert_true(validate__entropy("password", 8) < 3.0);
}

static void test_classes(void **state)
{
	(void)state;
	assert_int_equal(validate__classes("abc", 3), 1);
	assert_int_equal(validate__classes("ABC", 3), 2);
	assert_int_equal(validate__classes("123", 3), 4);
	assert_int_equal(validate__classes("-_.", 3), 8);
	assert_int_equal(validate__class_count("aB3!", 4), 4);
	assert_int_equal(validate__class_count("", 0), 0);
}

static void test_aws_key_id(void **state)
{
	char id[24];

	(void)state;
	for (int i = 0; i < 20; i++) {
		memcpy(id, i % 2 ? "AKIA" : "ASIA", 4);
		rnd(id + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
		OK(validate__aws_key_id(id, 20));
	}
	memcpy(id, "ABIA", 4);
	OK(validate__aws_key_id(id, 20));
	/* a role's and a user's unique ids: not credentials */
	memcpy(id, "AROA", 4);
	NOT(validate__aws_key_id(id, 20));
	memcpy(id, "AIDA", 4);
	NOT(validate__aws_key_id(id, 20));
	memcpy(id, "A3TX", 4);
	OK(validate__aws_key_id(id, 20));
	memcpy(id, "AKIB", 4);
	NOT(validate__aws_key_id(id, 20));
	/* 0, 1, 8 and 9 are not in the base32 alphabet */
	memcpy(id, "AKIA", 4);
	id[10] = '8';
	NOT(validate__aws_key_id(id, 20));
	id[10] = '0';
	NOT(validate__aws_key_id(id, 20));
	id[10] = 'a';
	NOT(validate__aws_key_id(id, 20));
	id[10] = 'Q';
	NOT(validate__aws_key_id(id, 19));
	NOT(validate__aws_key_id(id, 21));
}

static void test_text(void **state)
{
	static const struct {
		const char *s;
		bool text;
	} cases[] = {
		{ "hunter2-db", true },
		{ "caf\xc3\xa9 \xf0\x9f\x94\x91\tline\r\n", true },
		{ "", false },
		{ "nul\x01", false },
		{ "del\x7f", false },
		/* base64 of a SHA-256 in hex, decoded: bytes with the high bit, not UTF-8 */
		{ "\xdd\xae\xb7k\x9e\xfb\xebG", false },
		{ "\xc3", false },         /* truncated */
		{ "\xed\xa0\x80", false }, /* a surrogate */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(validate__text((const uint8_t *)cases[i].s, strlen(cases[i].s)), cases[i].text);
}

static void test_b64_decode(void **state)
{
	uint8_t out[32];

	(void)state;
	assert_int_equal(validate__b64_decode("aGVsbG8=", 8, out, sizeof(out)), 5);
	assert_memory_equal(out, "hello", 5);
	assert_int_equal(validate__b64_decode("aGVsbG8", 7, out, sizeof(out)), 5);
	assert_int_equal(validate__b64_decode("-_-_", 4, out, sizeof(out)), 3);
	assert_int_equal(out[0], 0xfb);
	assert_int_equal(validate__b64_decode("+/+/", 4, out, sizeof(out)), 3);
	assert_int_equal(out[0], 0xfb);
	assert_int_equal(validate__b64_decode("aGV$bG8=", 8, out, sizeof(out)), -1);
	assert_int_equal(validate__b64_decode("aGVsbG8=", 8, out, 4), -1);
	assert_int_equal(validate__b64_decode("", 0, out, sizeof(out)), 0);
}

static void jwt(const char *header, const char *payload, char *out)
{
	char sig[44];

	b64((const uint8_t *)header, strlen(header), true, out);
	strcat(out, ".");
	b64((const uint8_t *)payload, strlen(payload), true, out + strlen(out));
	strcat(out, ".");
	rnd(sig, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 43);
	strcat(out, sig);
}

static void test_jwt(void **state)
{
	char t[512];
	uint8_t raw[30];

	(void)state;
	jwt("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "{\"sub\":\"1234567890\",\"iat\":1516239022}", t);
	OK(validate__jwt(t, strlen(t)));
	jwt("{\"typ\": \"JWT\", \"alg\": \"RS256\", \"kid\": \"k1\"}", "{\"sub\": \"42\"}", t);
	OK(validate__jwt(t, strlen(t)));
	jwt(" {\"alg\":\"ES256\"}", "{\"a\":1}", t);
	OK(validate__jwt(t, strlen(t)));
	/* JSON without "alg", or not JSON */
	jwt("{\"typ\":\"JWT\"}", "{\"sub\":\"1\"}", t);
	NOT(validate__jwt(t, strlen(t)));
	for (int i = 0; i < 30; i++)
		raw[i] = (uint8_t)next();
	raw[0] = 0x7b; /* looks like '{' then garbage */
	b64(raw, sizeof(raw), true, t);
	strcat(t, ".eyJzdWIiOiIxIn0.abcdefghijklmnopqrstuvwxyz");
	NOT(validate__jwt(t, strlen(t)));
	jwt("{\"alg\":\"HS256\"}", "not json at all", t);
	NOT(validate__jwt(t, strlen(t)));
	NOT(validate__jwt("eyJhbGciOiJIUzI1NiJ9", 20));
	NOT(validate__jwt("eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ", 31));
	NOT(validate__jwt("", 0));
}

static void basic(const char *creds, char *out)
{
	b64((const uint8_t *)creds, strlen(creds), false, out);
}

static void test_basic_auth(void **state)
{
	char t[128], pw[20], creds[64];

	(void)state;
	rnd(pw, "abcdefghijkmnopqrstuvwxyzABCDEFGH23456789", 14);
	snprintf(creds, sizeof(creds), "svc-deploy:%s", pw);
	basic(creds, t);
	OK(validate__basic_auth(t, strlen(t)));
	basic(":onlyapassword1", t);
	OK(validate__basic_auth(t, strlen(t)));
	basic("nocolonhere", t);
	NOT(validate__basic_auth(t, strlen(t)));
	basic("user:", t);
	NOT(validate__basic_auth(t, strlen(t)));
	basic("user:changeme", t);
	NOT(validate__basic_auth(t, strlen(t)));
	basic("user:${PASSWORD}", t);
	NOT(validate__basic_auth(t, strlen(t)));
	basic("us\x01r:pa\x02ss", t);
	NOT(validate__basic_auth(t, strlen(t)));
	NOT(validate__basic_auth("not*base64", 10));
}

static void body(char *out, size_t lines, const char *sep)
{
	uint8_t raw[48];
	char line[80];

	out[0] = '\0';
	for (size_t l = 0; l < lines; l++) {
		for (size_t i = 0; i < sizeof(raw); i++)
			raw[i] = (uint8_t)next();
		b64(raw, sizeof(raw), false, line);
		strcat(out, sep);
		strcat(out, line);
	}
}

static void test_pem_body(void **state)
{
	char b[2048], t[2200];

	(void)state;
	body(b, 4, "\n");
	OK(validate__pem_body(b, strlen(b)));
	snprintf(t, sizeof(t), "%s\n-----END RSA PRIVATE KEY-----\n", b);
	OK(validate__pem_body(t, strlen(t)));
	/* JSON-escaped newlines, CRLF, blanks, and a key escaped twice */
	body(b, 3, "\\n");
	OK(validate__pem_body(b, strlen(b)));
	body(b, 3, "\r\n");
	OK(validate__pem_body(b, strlen(b)));
	body(b, 3, " ");
	OK(validate__pem_body(b, strlen(b)));
	body(b, 3, "\\\\n");
	OK(validate__pem_body(b, strlen(b)));
	/* legacy encryption headers come first */
	body(b, 3, "\n");
	snprintf(t, sizeof(t), "\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF\n%s", b);
	OK(validate__pem_body(t, strlen(t)));
	/* each line behind a log prefix */
	body(b, 1, "");
	snprintf(t, sizeof(t), "\n2026-11-29T10:00:00.000Z INFO [api] %s\n", b);
	OK(validate__pem_body(t, strlen(t)));
	/* the body is not in the buffer: the BEGIN line decides */
	OK(validate__pem_body("", 0));
	OK(validate__pem_body("\n", 1));
	/* masked, elided or empty bodies */
	NOT(validate__pem_body("\n<redacted>\n-----END RSA PRIVATE KEY-----", 40));
	NOT(validate__pem_body("\n...\n-----END RSA PRIVATE KEY-----", 34));
	NOT(validate__pem_body("\n-----END PRIVATE KEY-----", 26));
	NOT(validate__pem_body("\nREDACTED\n", 10));
	NOT(validate__pem_body("\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", 40));
	NOT(validate__pem_body(" goes here", 10));
}

static void test_examples(void **state)
{
	char t[512];

	(void)state;
	OK(validate__is_example("AKIAIOSFODNN7EXAMPLE", 20));
	OK(validate__is_example("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", 40));
	OK(validate__is_example("AKIAI44QH8DHBEXAMPLE", 20));
	OK(validate__is_example("sk_test_4eC39HqLyjWDarjtT1zdp7dc", 32));
	OK(validate__is_example("ghp_16C7e42F292c6912E7710c838347Ae178B4a", 40));
	snprintf(t, sizeof(t), "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwi"
			       "aWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
	OK(validate__is_example(t, strlen(t)));
	OK(validate__is_example("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==", 88));
	rnd(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
	memmove(t + 4, t, 17);
	memcpy(t, "AKIA", 4);
	NOT(validate__is_example(t, 20));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc_base62),
		cmocka_unit_test(test_crc_tokens),
		cmocka_unit_test(test_entropy),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_aws_key_id),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_b64_decode),
		cmocka_unit_test(test_jwt),
		cmocka_unit_test(test_basic_auth),
		cmocka_unit_test(test_pem_body),
		cmocka_unit_test(test_examples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
