// SPDX-License-Identifier: Apache-2.0
/* gz: round trips, and the limits that stop a decompression bomb. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "wire/gz.h"

static void test_round_trip(void **state)
{
	const char text[] = "a log line with some text in it\n";
	uint8_t *gz, *back;
	size_t gz_len, back_len;
	(void)state;

	assert_int_equal(gz__compress(text, sizeof(text), &gz, &gz_len), 0);
	assert_int_equal(gz[0], 0x1f); /* gzip magic */
	assert_int_equal(gz[1], 0x8b);
	assert_int_equal(gz__inflate(gz, gz_len, 1 << 20, 0, &back, &back_len), 0);
	assert_int_equal(back_len, sizeof(text));
	assert_memory_equal(back, text, sizeof(text));
	free(gz);
	free(back);
}

static void test_bomb_is_refused(void **state)
{
	size_t big = 64 << 20;
	uint8_t *zeros = calloc(1, big), *gz, *out = NULL;
	size_t gz_len, out_len;
	(void)state;

	assert_non_null(zeros);
	assert_int_equal(gz__compress(zeros, big, &gz, &gz_len), 0);
	assert_true(gz_len < 100 * 1024); /* small body, huge inflation */
	/* over the size limit */
	assert_int_equal(gz__inflate(gz, gz_len, 32 << 20, 0, &out, &out_len), -EFBIG);
	/* over the ratio limit, though under the size limit */
	assert_int_equal(gz__inflate(gz, gz_len, 1ULL << 30, 100, &out, &out_len), -EFBIG);
	assert_null(out);
	free(gz);
	free(zeros);
}

static void test_garbage_and_truncation(void **state)
{
	const char text[] = "hello hello hello hello";
	uint8_t *gz, *out = NULL;
	size_t gz_len, out_len;
	(void)state;

	assert_int_equal(gz__inflate("not gzip at all", 15, 1 << 20, 0, &out, &out_len), -EINVAL);
	assert_int_equal(gz__compress(text, sizeof(text), &gz, &gz_len), 0);
	assert_int_equal(gz__inflate(gz, gz_len / 2, 1 << 20, 0, &out, &out_len), -EINVAL);
	assert_null(out);
	free(gz);
}

/* Bytes after the gzip member are no valid body, whichever inflater reads
 * it: here the extra bytes repeat the trailer's size, so the claim is true. */
static void test_bytes_after_the_member(void **state)
{
	const char text[] = "hello hello hello hello";
	uint8_t *gz, *longer, *out = NULL;
	size_t gz_len, out_len;
	(void)state;

	assert_int_equal(gz__compress(text, sizeof(text), &gz, &gz_len), 0);
	longer = malloc(gz_len + 4);
	assert_non_null(longer);
	memcpy(longer, gz, gz_len);
	memcpy(longer + gz_len, gz + gz_len - 4, 4);
	assert_int_equal(gz__inflate(longer, gz_len + 4, 1 << 20, 0, &out, &out_len), -EINVAL);
	longer[gz_len] = 0xff; /* a claim over the limit: zlib's loop reads it */
	longer[gz_len + 3] = 0x7f;
	assert_int_equal(gz__inflate(longer, gz_len + 4, 1 << 20, 0, &out, &out_len), -EINVAL);
	assert_null(out);
	free(longer);
	free(gz);
}

/* Sets the gzip trailer's ISIZE, the size the body claims to inflate to. */
static void set_isize(uint8_t *gz, size_t gz_len, uint32_t isize)
{
	for (int i = 0; i < 4; i++)
		gz[gz_len - 4 + i] = (uint8_t)(isize >> (8 * i));
}

/* The trailer's size sizes the first buffer; a lie in it is refused by
 * zlib's length check or held to the limits, never trusted. */
static void test_trailer_size_is_only_a_hint(void **state)
{
	size_t big = 1 << 20, gz_len, out_len;
	uint8_t *text = malloc(big), *gz, *out = NULL;
	(void)state;

	assert_non_null(text);
	for (size_t i = 0; i < big; i++)
		text[i] = (uint8_t)("0123456789abcdef ghij\n"[i % 22] ^ (i >> 12 & 1));
	assert_int_equal(gz__compress(text, big, &gz, &gz_len), 0);
	assert_int_equal(gz__inflate(gz, gz_len, 2 << 20, 0, &out, &out_len), 0);
	assert_int_equal(out_len, big);
	assert_memory_equal(out, text, big);
	free(out);
	out = NULL;

	set_isize(gz, gz_len, 0xffffffffu); /* claims 4 GiB */
	assert_int_equal(gz__inflate(gz, gz_len, 2 << 20, 0, &out, &out_len), -EINVAL);
	set_isize(gz, gz_len, 1); /* claims a byte */
	assert_int_equal(gz__inflate(gz, gz_len, 2 << 20, 0, &out, &out_len), -EINVAL);
	/* a lie under the limit does not lift it */
	assert_int_equal(gz__inflate(gz, gz_len, big / 2, 0, &out, &out_len), -EFBIG);
	set_isize(gz, gz_len, (uint32_t)big + 1); /* a byte more than it holds */
	assert_int_equal(gz__inflate(gz, gz_len, 2 << 20, 0, &out, &out_len), -EINVAL);
	assert_null(out);
	free(gz);
	free(text);
}

/* A header with FHCRC set is checked, as zlib checks it: libdeflate, which
 * skips it unread, does not get such a body. */
static void test_header_checksum_is_checked(void **state)
{
	const char text[] = "a header with its own checksum, long enough to be deflated";
	uint8_t *gz, *with, *out = NULL;
	size_t gz_len, out_len;
	uLong crc;
	(void)state;

	assert_int_equal(gz__compress(text, sizeof(text), &gz, &gz_len), 0);
	with = malloc(gz_len + 2);
	assert_non_null(with);
	memcpy(with, gz, 10);
	with[3] |= 0x02;
	crc = crc32(0, with, 10);
	with[10] = (uint8_t)crc;
	with[11] = (uint8_t)(crc >> 8);
	memcpy(with + 12, gz + 10, gz_len - 10);
	assert_int_equal(gz__inflate(with, gz_len + 2, 1 << 20, 0, &out, &out_len), 0);
	assert_int_equal(out_len, sizeof(text));
	free(out);
	out = NULL;
	with[10] ^= 0xff;
	assert_int_equal(gz__inflate(with, gz_len + 2, 1 << 20, 0, &out, &out_len), -EINVAL);
	assert_null(out);
	free(with);
	free(gz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bomb_is_refused),
		cmocka_unit_test(test_garbage_and_truncation),
		cmocka_unit_test(test_bytes_after_the_member),
		cmocka_unit_test(test_header_checksum_is_checked),
		cmocka_unit_test(test_trailer_size_is_only_a_hint),
	};

	return cmocka_run_group_tests_name("gz", tests, NULL, NULL);
}
