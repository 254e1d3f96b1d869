// SPDX-License-Identifier: Apache-2.0
/* The retry policy of every HTTP delivery: backoff, jitter, Retry-After. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "net/retry.h"

static uint64_t next_draw;

static uint64_t fixed_draw(void)
{
	return next_draw;
}

static const struct retry_policy policy = {
	.initial_ms = 500,
	.max_ms = 60000,
	.max_retry_after_ms = RETRY_AFTER_MAX_MS,
	.random = fixed_draw,
};

/* 2001-09-09T01:46:40Z */
#define NOW 1000000000

static void test_backoff_doubles_from_initial_up_to_max(void **state)
{
	(void)state;

	assert_int_equal(retry__backoff_ms(&policy, 0), 0);
	assert_int_equal(retry__backoff_ms(&policy, 1), 500);
	assert_int_equal(retry__backoff_ms(&policy, 2), 1000);
	assert_int_equal(retry__backoff_ms(&policy, 3), 2000);
	assert_int_equal(retry__backoff_ms(&policy, 7), 32000);
	assert_int_equal(retry__backoff_ms(&policy, 8), 60000);
	assert_int_equal(retry__backoff_ms(&policy, 4000000000u), 60000);
}

static void test_backoff_never_overflows(void **state)
{
	const struct retry_policy huge = { .initial_ms = 1ULL << 40, .max_ms = UINT64_MAX };
	const struct retry_policy zero = { .initial_ms = 0, .max_ms = 100 };
	(void)state;

	assert_int_equal(retry__backoff_ms(&huge, 70), UINT64_MAX);
	assert_int_equal(retry__backoff_ms(&zero, 1), 1); /* never a busy loop */
}

/* The wait is drawn from [backoff / 2, backoff]: the draw sets where. */
static void test_wait_is_jittered_between_half_and_all_of_the_backoff(void **state)
{
	(void)state;

	next_draw = 0;
	assert_int_equal(retry__wait_ms(&policy, 1, 0), 250);
	assert_int_equal(retry__wait_ms(&policy, 3, 0), 1000);
	next_draw = 250;
	assert_int_equal(retry__wait_ms(&policy, 1, 0), 500);
	next_draw = 251; /* wraps within the range */
	assert_int_equal(retry__wait_ms(&policy, 1, 0), 250);
	next_draw = 100;
	assert_int_equal(retry__wait_ms(&policy, 1, 0), 350);
	for (uint64_t d = 0; d < 5000; d += 7) {
		uint64_t w;

		next_draw = d * 2654435761u;
		w = retry__wait_ms(&policy, 9, 0);
		assert_true(w >= 30000 && w <= 60000);
	}
}

static void test_real_jitter_spreads_waits(void **state)
{
	const struct retry_policy real = { .initial_ms = 1000, .max_ms = 1000 };
	uint64_t lo = UINT64_MAX, hi = 0;
	(void)state;

	for (int i = 0; i < 200; i++) {
		uint64_t w = retry__wait_ms(&real, 1, 0);

		assert_true(w >= 500 && w <= 1000);
		lo = w < lo ? w : lo;
		hi = w > hi ? w : hi;
	}
	assert_true(hi - lo > 100); /* 200 draws from 501 values do not bunch */
}

static void test_retry_after_is_a_floor(void **state)
{
	(void)state;

	next_draw = 0;
	/* longer than the backoff: the server's word */
	assert_int_equal(retry__wait_ms(&policy, 1, 5000), 5000);
	/* shorter: the backoff still holds, so retries keep spreading out */
	assert_int_equal(retry__wait_ms(&policy, 8, 1000), 30000);
}

static void test_retry_after_is_capped(void **state)
{
	const struct retry_policy tight = { .initial_ms = 500, .max_ms = 60000, .max_retry_after_ms = 10000,
					    .random = fixed_draw };
	(void)state;

	next_draw = 0;
	assert_int_equal(retry__wait_ms(&tight, 1, 3600 * 1000), 10000);
	assert_int_equal(retry__wait_ms(&policy, 1, UINT64_MAX), RETRY_AFTER_MAX_MS);
}

/* The wait a Retry-After value asks for, in ms; NONE when it is invalid. */
#define NONE 42
static uint64_t after(const char *value)
{
	uint64_t ms = NONE;

	return retry__parse_after(value, NOW, &ms) == 0 ? ms : NONE;
}

static void test_parse_delta_seconds(void **state)
{
	(void)state;

	assert_int_equal(after("120"), 120000);
	assert_int_equal(after(" 0\r\n"), 0);
	assert_int_equal(after("\t7 "), 7000);
	/* absurdly large saturates, to be capped by the policy */
	assert_int_equal(after("99999999999999999999999"), UINT64_MAX);
}

static void test_parse_http_dates_in_all_three_forms(void **state)
{
	(void)state;

	assert_int_equal(after("Sun, 09 Sep 2001 01:47:10 GMT"), 30000);
	assert_int_equal(after("Sunday, 09-Sep-01 01:48:40 GMT"), 120000);
	assert_int_equal(after("Sun Sep  9 01:46:50 2001"), 10000);
	/* a date already past: no wait beyond the backoff */
	assert_int_equal(after("Sat, 08 Sep 2001 01:46:40 GMT"), 0);
}

static void test_parse_rejects_what_is_neither(void **state)
{
	uint64_t ms = 5;
	(void)state;

	assert_int_equal(retry__parse_after("", NOW, &ms), -EINVAL);
	assert_int_equal(ms, 5); /* untouched */
	assert_int_equal(after("-5"), NONE);
	assert_int_equal(after("1.5"), NONE);
	assert_int_equal(after("10 seconds"), NONE);
	assert_int_equal(after("soon"), NONE);
	assert_int_equal(after("Sun, 09 Sep 2001 01:47:10 PST"), NONE);
	assert_int_equal(after("2001-09-09T01:47:10Z"), NONE);
}

static void test_header_lines(void **state)
{
	static const char a[] = "Retry-After: 3\r\n", b[] = "retry-after:Sun, 09 Sep 2001 01:47:00 GMT\r\n";
	static const char c[] = "Content-Type: text/plain\r\n", d[] = "Retry-After: later\r\n";
	static const char e[] = "Retry-After-Extra: 3\r\n";
	char long_line[200];
	uint64_t ms = 0;
	(void)state;

	assert_true(retry__header(a, strlen(a), NOW, &ms));
	assert_int_equal(ms, 3000);
	assert_true(retry__header(b, strlen(b), NOW, &ms));
	assert_int_equal(ms, 20000);
	ms = 9;
	assert_false(retry__header(c, strlen(c), NOW, &ms));
	assert_false(retry__header(d, strlen(d), NOW, &ms));
	assert_false(retry__header(e, strlen(e), NOW, &ms));
	assert_false(retry__header(a, 12, NOW, &ms)); /* the name alone */
	memset(long_line, '1', sizeof(long_line));
	memcpy(long_line, "Retry-After: ", 13);
	assert_false(retry__header(long_line, sizeof(long_line), NOW, &ms));
	assert_int_equal(ms, 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_doubles_from_initial_up_to_max),
		cmocka_unit_test(test_backoff_never_overflows),
		cmocka_unit_test(test_wait_is_jittered_between_half_and_all_of_the_backoff),
		cmocka_unit_test(test_real_jitter_spreads_waits),
		cmocka_unit_test(test_retry_after_is_a_floor),
		cmocka_unit_test(test_retry_after_is_capped),
		cmocka_unit_test(test_parse_delta_seconds),
		cmocka_unit_test(test_parse_http_dates_in_all_three_forms),
		cmocka_unit_test(test_parse_rejects_what_is_neither),
		cmocka_unit_test(test_header_lines),
	};

	return cmocka_run_group_tests_name("retry", tests, NULL, NULL);
}
