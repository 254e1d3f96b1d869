// SPDX-License-Identifier: Apache-2.0
/*
 * unpack: a whole gzip member inflates in one call, and anything that is not
 * exactly one whole member that fits is handed back (-EAGAIN) for the
 * streaming decoder; each format is told by its magic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scan/unpack.h"
#include "wire/gz.h"

#define TEXT "2026-12-04T10:00:00Z INFO GET /api/v1/items 200 12ms user=alice\n"

struct member {
	uint8_t *gz;
	size_t len;
};

static struct member gzip_of(const char *text, size_t n)
{
	struct member m;

	assert_int_equal(gz__compress(text, n, &m.gz, &m.len), 0);
	return m;
}

static void test_one_member_inflates_whole(void **state)
{
	struct member m = gzip_of(TEXT, strlen(TEXT));
	uint8_t out[sizeof(TEXT)];
	size_t used = 0, got = 0;
	(void)state;

	assert_int_equal(unpack__gzip_member(m.gz, m.len, out, strlen(TEXT), &used, &got), 0);
	assert_int_equal(got, strlen(TEXT));
	assert_int_equal(used, m.len);
	assert_memory_equal(out, TEXT, strlen(TEXT));
	free(m.gz);
}

static void test_first_of_two_members_says_where_it_ends(void **state)
{
	struct member m = gzip_of(TEXT, strlen(TEXT));
	uint8_t *two = malloc(2 * m.len), out[sizeof(TEXT)];
	size_t used = 0, got = 0;
	(void)state;

	memcpy(two, m.gz, m.len);
	memcpy(two + m.len, m.gz, m.len);
	assert_int_equal(unpack__gzip_member(two, 2 * m.len, out, sizeof(out), &used, &got), 0);
	/* the caller sees used < the file, and streams the file instead */
	assert_int_equal(used, m.len);
	free(two);
	free(m.gz);
}

static void test_what_does_not_fit_is_handed_back(void **state)
{
	struct member m = gzip_of(TEXT, strlen(TEXT));
	uint8_t out[sizeof(TEXT)];
	size_t used, got;
	(void)state;

	/* a trailer that lies (ISIZE is modulo 2^32): too little room */
	assert_int_equal(unpack__gzip_member(m.gz, m.len, out, strlen(TEXT) - 1, &used, &got), -EAGAIN);
	/* truncated */
	assert_int_equal(unpack__gzip_member(m.gz, m.len - 5, out, sizeof(out), &used, &got), -EAGAIN);
	/* corrupt: the deflate data overwritten */
	memset(m.gz + 10, 0xff, m.len - 18);
	assert_int_equal(unpack__gzip_member(m.gz, m.len, out, sizeof(out), &used, &got), -EAGAIN);
	free(m.gz);
}

static void test_formats_by_magic(void **state)
{
	static const unsigned char gz[] = { 0x1f, 0x8b, 8, 0 }, zst[] = { 0x28, 0xb5, 0x2f, 0xfd },
				   xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0 },
				   bz[] = { 'B', 'Z', 'h', '9', 0x31, 0x41, 0x59, 0x26, 0x53, 0x59 };
	(void)state;

	assert_int_equal(unpack__detect(gz, sizeof(gz)), UNPACK_GZIP);
	assert_int_equal(unpack__detect(zst, sizeof(zst)), UNPACK_ZSTD);
	assert_int_equal(unpack__detect(xz, sizeof(xz)), UNPACK_XZ);
	assert_int_equal(unpack__detect(bz, sizeof(bz)), UNPACK_BZIP2);
	/* "BZh" opens text too */
	assert_int_equal(unpack__detect((const unsigned char *)"BZh, said the log", 17), UNPACK_NONE);
	assert_int_equal(unpack__detect((const unsigned char *)TEXT, strlen(TEXT)), UNPACK_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_member_inflates_whole),
		cmocka_unit_test(test_first_of_two_members_says_where_it_ends),
		cmocka_unit_test(test_what_does_not_fit_is_handed_back),
		cmocka_unit_test(test_formats_by_magic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
