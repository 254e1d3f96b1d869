// SPDX-License-Identifier: Apache-2.0
/* Room in a growing array: doubling from the first size, and nothing lost on a refusal. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>

#include "data/grow.h"

static void test_starts_at_first_and_doubles_to_fit(void **state)
{
	int *v = NULL;
	size_t cap = 0;
	(void)state;

	assert_int_equal(grow__reserve((void **)&v, &cap, 1, sizeof(*v), 16), 0);
	assert_non_null(v);
	assert_int_equal(cap, 16);
	v[15] = 7;
	assert_int_equal(grow__reserve((void **)&v, &cap, 16, sizeof(*v), 16), 0);
	assert_int_equal(cap, 16); /* it fits: untouched */
	assert_int_equal(grow__reserve((void **)&v, &cap, 17, sizeof(*v), 16), 0);
	assert_int_equal(cap, 32);
	assert_int_equal(grow__reserve((void **)&v, &cap, 100, sizeof(*v), 16), 0);
	assert_int_equal(cap, 128);
	assert_int_equal(v[15], 7); /* what it held moved with it */
	free(v);
}

static void test_a_byte_buffer_grows_to_what_it_must_hold(void **state)
{
	char *b = NULL;
	size_t cap = 0;
	(void)state;

	assert_int_equal(grow__reserve((void **)&b, &cap, 5000, 1, 4096), 0);
	assert_int_equal(cap, 8192);
	free(b);
}

static void test_an_overflowing_size_is_refused_and_nothing_changes(void **state)
{
	long *v = NULL;
	size_t cap = 0, before;
	long *was;
	(void)state;

	assert_int_equal(grow__reserve((void **)&v, &cap, 4, sizeof(*v), 4), 0);
	was = v;
	before = cap;
	assert_int_equal(grow__reserve((void **)&v, &cap, SIZE_MAX / 4, sizeof(*v), 4), -ENOMEM);
	assert_int_equal(grow__reserve((void **)&v, &cap, SIZE_MAX, 1, 4), -ENOMEM);
	assert_ptr_equal(v, was);
	assert_int_equal(cap, before);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_starts_at_first_and_doubles_to_fit),
		cmocka_unit_test(test_a_byte_buffer_grows_to_what_it_must_hold),
		cmocka_unit_test(test_an_overflowing_size_is_refused_and_nothing_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
