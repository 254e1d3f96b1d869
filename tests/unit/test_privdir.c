// SPDX-License-Identifier: Apache-2.0
/* privdir: a state directory is created private, and tightened when found open. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "os/privdir.h"
#include "tmpdir.h"

static unsigned mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void test_created_private_with_its_parents(void **state)
{
	char dir[64], path[160], err[256];
	(void)state;

	assert_int_equal(tmpdir__make(dir, sizeof(dir), "lw-privdir"), 0);
	snprintf(path, sizeof(path), "%s/a/b/state", dir);
	assert_int_equal(privdir__ensure(path, "state_dir", err, sizeof(err)), 0);
	assert_int_equal(mode_of(path), 0700);
	snprintf(path, sizeof(path), "%s/a", dir);
	assert_int_equal(mode_of(path) & 0700, 0700);
	assert_int_equal(tmpdir__remove(dir), 0);
}

static void test_an_open_existing_directory_is_tightened(void **state)
{
	char dir[64], path[160], err[256];
	(void)state;

	assert_int_equal(tmpdir__make(dir, sizeof(dir), "lw-privdir"), 0);
	snprintf(path, sizeof(path), "%s/state", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(chmod(path, 0755), 0);
	assert_int_equal(privdir__ensure(path, "state_dir", err, sizeof(err)), 0);
	assert_int_equal(mode_of(path), 0700);
	assert_int_equal(tmpdir__remove(dir), 0);
}

static void test_a_file_in_its_place_is_an_error(void **state)
{
	char dir[64], path[160], err[256];
	FILE *f;
	(void)state;

	assert_int_equal(tmpdir__make(dir, sizeof(dir), "lw-privdir"), 0);
	snprintf(path, sizeof(path), "%s/state", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(privdir__ensure(path, "state_dir", err, sizeof(err)), -ENOTDIR);
	assert_non_null(strstr(err, "not a directory"));
	assert_int_equal(tmpdir__remove(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_created_private_with_its_parents),
		cmocka_unit_test(test_an_open_existing_directory_is_tightened),
		cmocka_unit_test(test_a_file_in_its_place_is_an_error),
	};

	return cmocka_run_group_tests_name("privdir", tests, NULL, NULL);
}
