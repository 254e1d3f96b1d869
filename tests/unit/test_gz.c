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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bomb_is_refused),
		cmocka_unit_test(test_garbage_and_truncation),
	};

	return cmocka_run_group_tests_name("gz", tests, NULL, NULL);
}
