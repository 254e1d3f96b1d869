// SPDX-License-Identifier: Apache-2.0
/* Libraries loaded on first use: all of a table resolved, or none of it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "os/dynlib.h"

struct zapi {
	__typeof__(zlibVersion) *version;
	__typeof__(crc32) *crc32;
};

static void test_resolves_every_symbol_of_a_real_library(void **state)
{
	struct zapi z = { 0 };
	const struct dynlib_sym syms[] = { { "zlibVersion", (void **)&z.version }, { "crc32", (void **)&z.crc32 } };
	char err[256] = "";

	(void)state;
	assert_int_equal(dynlib__load("libz.so.1", syms, 2, err, sizeof(err)), 0);
	assert_non_null(z.version);
	/* the functions are the library's own: they answer as the linked ones do */
	assert_string_equal(z.version(), zlibVersion());
	assert_int_equal(z.crc32(0, (const Bytef *)"123456789", 9), 0xcbf43926);
}

static void test_a_missing_library_is_named(void **state)
{
	void *fn = NULL;
	const struct dynlib_sym syms[] = { { "f", &fn } };
	char err[256] = "";

	(void)state;
	assert_int_equal(dynlib__load("libleakwatch-none.so.9", syms, 1, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot load libleakwatch-none.so.9"));
	assert_null(fn);
}

static void test_a_missing_symbol_sets_no_pointer(void **state)
{
	struct zapi z = { 0 };
	void *none = NULL;
	const struct dynlib_sym syms[] = {
		{ "zlibVersion", (void **)&z.version }, { "zlib_no_such_function", &none }, { "crc32", (void **)&z.crc32 },
	};
	char err[256] = "";

	(void)state;
	assert_int_equal(dynlib__load("libz.so.1", syms, 3, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "libz.so.1 has no zlib_no_such_function"));
	/* all or nothing: the symbols found before it are not set either */
	assert_null(z.version);
	assert_null(z.crc32);
}

static struct zapi used;
static int loaded_calls;

static void on_loaded(void)
{
	loaded_calls++;
}

static void test_use_loads_once_and_runs_the_hook_once(void **state)
{
	static const struct dynlib_sym syms[] = { { "zlibVersion", (void **)&used.version },
						  { "crc32", (void **)&used.crc32 } };
	static struct dynlib lib = { .soname = "libz.so.1", .package = "zlib1g", .syms = syms, .n = 2,
				     .loaded = on_loaded };
	char err[256] = "";

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(dynlib__use(&lib, err, sizeof(err)), 0);
	assert_int_equal(loaded_calls, 1);
	assert_string_equal(used.version(), zlibVersion());
}

static void test_use_names_the_package_every_time(void **state)
{
	void *fn = NULL;
	static struct dynlib_sym syms[1];
	static struct dynlib lib = { .soname = "libleakwatch-none.so.9", .package = "leakwatch-none", .syms = syms,
				     .n = 1 };
	char err[256];

	(void)state;
	syms[0] = (struct dynlib_sym){ "f", &fn };
	for (int i = 0; i < 2; i++) {
		err[0] = '\0';
		assert_int_equal(dynlib__use(&lib, err, sizeof(err)), -ELIBACC);
		assert_non_null(strstr(err, "cannot load libleakwatch-none.so.9"));
		assert_non_null(strstr(err, "(the leakwatch-none package)"));
	}
	assert_null(fn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolves_every_symbol_of_a_real_library),
		cmocka_unit_test(test_a_missing_library_is_named),
		cmocka_unit_test(test_a_missing_symbol_sets_no_pointer),
		cmocka_unit_test(test_use_loads_once_and_runs_the_hook_once),
		cmocka_unit_test(test_use_names_the_package_every_time),
	};

	return cmocka_run_group_tests_name("dynlib", tests, NULL, NULL);
}
