// SPDX-License-Identifier: Apache-2.0
/* offsets: the table of how far each watched file was scanned, across restarts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "logfiles/offsets.h"
#include "tmpdir.h"

static void test_saved_and_loaded_with_odd_paths(void **state)
{
	char dir[64], file[128];
	struct offsets *o = offsets__new(), *back = offsets__new();
	struct offset_rec *list;
	struct stat st;
	size_t skipped, n;
	(void)state;

	assert_int_equal(tmpdir__make(dir, sizeof(dir), "lw-offsets"), 0);
	snprintf(file, sizeof(file), "%s/offsets.tsv", dir);
	offsets__note(o, (8u << 20) | 1, 1234, 77, 4096, "/var/log/app.log");
	offsets__note(o, 1, 99, 0, 10, "/var/log/odd\tname\\with\nnewline.log");
	offsets__note(o, 1, 1234, 0, 1, "/elsewhere.log"); /* another device */
	offsets__note(o, (8u << 20) | 1, 1234, 77, 8192, "/var/log/app.log"); /* grew */
	assert_int_equal(offsets__save(o, file), 0);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(offsets__load(back, file, &skipped), 0);
	assert_int_equal(skipped, 0);
	n = offsets__list(back, &list);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		if (list[i].ino == 1234 && list[i].dev != 1) {
			assert_int_equal(list[i].offset, 8192);
			assert_int_equal(list[i].generation, 77);
			assert_string_equal(list[i].path, "/var/log/app.log");
		} else if (list[i].ino == 99) {
			assert_string_equal(list[i].path, "/var/log/odd\tname\\with\nnewline.log");
		}
	}
	offsets__free_list(list, n);
	offsets__free(o);
	offsets__free(back);
	assert_int_equal(tmpdir__remove(dir), 0);
}

static void test_damaged_lines_are_skipped_and_counted(void **state)
{
	char dir[64], file[128];
	struct offsets *o = offsets__new();
	size_t skipped;
	FILE *f;
	(void)state;

	assert_int_equal(tmpdir__make(dir, sizeof(dir), "lw-offsets"), 0);
	snprintf(file, sizeof(file), "%s/offsets.tsv", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("# header\n1\t2\t0\t3\t/ok.log\nnot a line\n1\t2\n1\t5\t0\t6\trelative.log\n1\t7\t0\t8\t/bad\\q\n", f);
	fclose(f);
	assert_int_equal(offsets__load(o, file, &skipped), 0);
	assert_int_equal(skipped, 4);
	assert_int_equal(offsets__count(o), 1);
	offsets__free(o);
	assert_int_equal(tmpdir__remove(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_saved_and_loaded_with_odd_paths),
		cmocka_unit_test(test_damaged_lines_are_skipped_and_counted),
	};

	return cmocka_run_group_tests_name("offsets", tests, NULL, NULL);
}
