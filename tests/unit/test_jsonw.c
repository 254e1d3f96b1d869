// SPDX-License-Identifier: Apache-2.0
/* jsonw: escaping, nesting and where the commas go. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "wire/jsonw.h"

static struct jsonw w;

static int setup(void **state)
{
	(void)state;
	jsonw__init(&w);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	jsonw__free(&w);
	return 0;
}

static void test_escaping(void **state)
{
	(void)state;

	jsonw__string(&w, "say \"hi\" C:\\dir\n\tx\ry");
	assert_string_equal(jsonw__str(&w), "\"say \\\"hi\\\" C:\\\\dir\\n\\tx\\ry\"");

	jsonw__reset(&w);
	jsonw__string(&w, "\x01\x1f\x7f\x08\x0c" " ~");
	assert_string_equal(jsonw__str(&w), "\"\\u0001\\u001f\\u007f\\u0008\\u000c ~\"");

	/* UTF-8 passes through; a NUL inside a counted string is escaped */
	jsonw__reset(&w);
	jsonw__string_len(&w, "caf\xc3\xa9\0end", 9);
	assert_string_equal(jsonw__str(&w), "\"caf\xc3\xa9\\u0000end\"");

	/* keys are escaped too */
	jsonw__reset(&w);
	jsonw__begin_object(&w);
	jsonw__kv_str(&w, "a\"b\n", "v\\");
	jsonw__end_object(&w);
	assert_string_equal(jsonw__str(&w), "{\"a\\\"b\\n\":\"v\\\\\"}");

	jsonw__reset(&w);
	jsonw__string(&w, "");
	assert_string_equal(jsonw__str(&w), "\"\"");
}

static void test_nesting_and_commas(void **state)
{
	(void)state;

	jsonw__begin_object(&w);
	jsonw__kv_u64(&w, "a", 1);
	jsonw__key(&w, "b");
	jsonw__begin_array(&w);
	jsonw__u64(&w, 1);
	jsonw__i64(&w, -2);
	jsonw__begin_object(&w);
	jsonw__key(&w, "c");
	jsonw__null(&w);
	jsonw__end_object(&w);
	jsonw__begin_array(&w);
	jsonw__end_array(&w);
	jsonw__end_array(&w);
	jsonw__key(&w, "d");
	jsonw__begin_object(&w);
	jsonw__end_object(&w);
	jsonw__kv_bool(&w, "e", true);
	jsonw__kv_bool(&w, "f", false);
	jsonw__kv_str(&w, "g", NULL);
	jsonw__kv_i64(&w, "h", INT64_MIN);
	jsonw__kv_u64(&w, "i", UINT64_MAX);
	jsonw__end_object(&w);

	assert_string_equal(jsonw__str(&w),
			    "{\"a\":1,\"b\":[1,-2,{\"c\":null},[]],\"d\":{},\"e\":true,\"f\":false,"
			    "\"g\":null,\"h\":-9223372036854775808,\"i\":18446744073709551615}");
}

static void test_array_of_objects(void **state)
{
	(void)state;

	jsonw__begin_array(&w);
	for (int i = 0; i < 3; i++) {
		jsonw__begin_object(&w);
		jsonw__kv_i64(&w, "n", i);
		jsonw__kv_str(&w, "s", "x");
		jsonw__end_object(&w);
	}
	jsonw__end_array(&w);
	assert_string_equal(jsonw__str(&w), "[{\"n\":0,\"s\":\"x\"},{\"n\":1,\"s\":\"x\"},{\"n\":2,\"s\":\"x\"}]");
}

/* integers at every width, and both ends of both types, as printf writes them */
static void test_integers_as_printf_writes_them(void **state)
{
	const int64_t signed_values[] = { 0, 1, -1, 9, 10, -10, 99, 100, 12345, -999999, INT32_MAX, INT32_MIN,
					  INT64_MAX, INT64_MIN, INT64_MIN + 1 };
	const uint64_t unsigned_values[] = { 0, 1, 9, 10, 1000000, UINT32_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX - 1,
					     UINT64_MAX };
	char want[32];
	(void)state;

	for (size_t i = 0; i < sizeof(signed_values) / sizeof(signed_values[0]); i++) {
		jsonw__reset(&w);
		jsonw__i64(&w, signed_values[i]);
		snprintf(want, sizeof(want), "%" PRId64, signed_values[i]);
		assert_string_equal(jsonw__str(&w), want);
	}
	for (size_t i = 0; i < sizeof(unsigned_values) / sizeof(unsigned_values[0]); i++) {
		jsonw__reset(&w);
		jsonw__u64(&w, unsigned_values[i]);
		snprintf(want, sizeof(want), "%" PRIu64, unsigned_values[i]);
		assert_string_equal(jsonw__str(&w), want);
	}
	/* and many in a row, each after its comma */
	jsonw__reset(&w);
	jsonw__begin_array(&w);
	for (int64_t v = -1000; v <= 1000; v += 7)
		jsonw__i64(&w, v);
	jsonw__end_array(&w);
	assert_non_null(strstr(jsonw__str(&w), ",-6,1,8,"));
}

static void test_doubles(void **state)
{
	(void)state;

	jsonw__begin_array(&w);
	jsonw__double(&w, 1.5);
	jsonw__double(&w, -0.25);
	jsonw__double(&w, NAN);
	jsonw__double(&w, INFINITY);
	jsonw__end_array(&w);
	assert_string_equal(jsonw__str(&w), "[1.5,-0.25,null,null]");
}

static void test_reset_and_growth(void **state)
{
	char big[1000];
	(void)state;

	assert_string_equal(jsonw__str(&w), "");

	jsonw__begin_object(&w);
	jsonw__kv_u64(&w, "x", 1);
	jsonw__end_object(&w);
	assert_string_equal(jsonw__str(&w), "{\"x\":1}");

	/* after a reset the next document starts clean: no leading comma */
	jsonw__reset(&w);
	jsonw__begin_object(&w);
	jsonw__kv_u64(&w, "y", 2);
	jsonw__end_object(&w);
	assert_string_equal(jsonw__str(&w), "{\"y\":2}");

	/* larger than the first allocation */
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	jsonw__reset(&w);
	jsonw__string(&w, big);
	assert_int_equal(strlen(jsonw__str(&w)), sizeof(big) - 1 + 2);
	assert_int_equal(jsonw__str(&w)[0], '"');
	assert_int_equal(jsonw__str(&w)[sizeof(big)], '"');
}

static void test_too_deep(void **state)
{
	(void)state;

	for (int i = 0; i < JSONW_MAX_DEPTH + 2; i++)
		jsonw__begin_array(&w);
	assert_true(w.failed);
	assert_null(jsonw__str(&w));

	/* a reset makes it usable again */
	jsonw__reset(&w);
	for (int i = 0; i < JSONW_MAX_DEPTH - 1; i++)
		jsonw__begin_array(&w);
	for (int i = 0; i < JSONW_MAX_DEPTH - 1; i++)
		jsonw__end_array(&w);
	assert_non_null(jsonw__str(&w));
	assert_int_equal(strlen(jsonw__str(&w)), 2 * (JSONW_MAX_DEPTH - 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nesting_and_commas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_array_of_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_integers_as_printf_writes_them, setup, teardown),
		cmocka_unit_test_setup_teardown(test_doubles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_and_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_deep, setup, teardown),
	};

	return cmocka_run_group_tests_name("jsonw", tests, NULL, NULL);
}
