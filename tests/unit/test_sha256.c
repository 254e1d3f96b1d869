// SPDX-License-Identifier: Apache-2.0
/* detect/sha256 against FIPS 180-2's examples and against OpenSSL at every
 * length across the block and padding edges, fed whole and byte by byte;
 * HMAC-SHA256 against OpenSSL's at key lengths across the block size. Each
 * with the CPU's SHA-256 instructions (where this CPU has them) and
 * without. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>

#include "detect/sha256.h"
#include "data/hex.h"

static void digest_hex(const void *data, size_t len, char out[2 * LW_SHA256_LEN + 1])
{
	uint8_t d[LW_SHA256_LEN];
	struct sha256 c;

	sha256__init(&c);
	sha256__update(&c, data, len);
	sha256__final(&c, d);
	hex__encode(d, sizeof(d), out);
}

static void fips_examples(void)
{
	static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[2 * LW_SHA256_LEN + 1];
	uint8_t d[LW_SHA256_LEN];
	struct sha256 c;
	char *million;

	digest_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	digest_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	digest_hex(two_blocks, strlen(two_blocks), hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* a million 'a's, fed in uneven pieces */
	million = malloc(1000000);
	assert_non_null(million);
	memset(million, 'a', 1000000);
	sha256__init(&c);
	for (size_t off = 0, step = 1; off < 1000000; off += step, step = step * 3 % 997 + 1)
		sha256__update(&c, million + off, off + step > 1000000 ? 1000000 - off : step);
	sha256__final(&c, d);
	hex__encode(d, sizeof(d), hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

static void matches_openssl(void)
{
	uint8_t buf[300], mine[LW_SHA256_LEN], theirs[LW_SHA256_LEN], bytewise[LW_SHA256_LEN];
	unsigned int theirs_len = 0;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (size_t len = 0; len <= sizeof(buf); len++) {
		struct sha256 c;

		sha256__init(&c);
		sha256__update(&c, buf, len);
		sha256__final(&c, mine);
		sha256__init(&c);
		for (size_t i = 0; i < len; i++)
			sha256__update(&c, buf + i, 1);
		sha256__final(&c, bytewise);
		assert_int_equal(EVP_Digest(buf, len, theirs, &theirs_len, EVP_sha256(), NULL), 1);
		assert_int_equal(theirs_len, LW_SHA256_LEN);
		assert_memory_equal(mine, theirs, LW_SHA256_LEN);
		assert_memory_equal(bytewise, theirs, LW_SHA256_LEN);
	}
}

static void hmac_matches_openssl(void)
{
	uint8_t key[140], msg[200], mine[LW_SHA256_LEN], theirs[LW_SHA256_LEN];
	struct hmac_sha256 m;
	unsigned int len = 0;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 37 + 1);
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 131 + 7);
	/* keys shorter than, as long as and longer than a block (hashed first) */
	for (size_t kn = 0; kn <= sizeof(key); kn += kn < 60 || kn > 130 ? 1 : 3) {
		hmac_sha256__key(&m, key, kn);
		for (size_t mn = 0; mn <= sizeof(msg); mn += mn < 130 ? 1 : 7) {
			hmac_sha256__mac(&m, msg, mn, mine);
			assert_non_null(HMAC(EVP_sha256(), key, (int)kn, msg, mn, theirs, &len));
			assert_int_equal(len, LW_SHA256_LEN);
			assert_memory_equal(mine, theirs, LW_SHA256_LEN);
		}
	}
}

/* each test with the CPU's instructions, if this CPU has them, then without */
static void test_fips_both_ways(void **state)
{
	(void)state;
	printf("sha256: this CPU's SHA-256 instructions: %s\n", sha256__accelerated(true) ? "used" : "none");
	for (int accel = 1; accel >= 0; accel--) {
		sha256__accelerated(accel);
		fips_examples();
	}
	sha256__accelerated(true);
}

static void test_matches_openssl(void **state)
{
	(void)state;
	for (int accel = 1; accel >= 0; accel--) {
		sha256__accelerated(accel);
		matches_openssl();
		hmac_matches_openssl();
	}
	sha256__accelerated(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_both_ways),
		cmocka_unit_test(test_matches_openssl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
