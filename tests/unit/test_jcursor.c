// SPDX-License-Identifier: Apache-2.0
/* jcursor: the saved journal cursor, and what a cursor says about its entry. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal/jcursor.h"

#define C1 "s=ad063cabada04d0facd846a6472e75fe;i=15c;b=20b832742e84401fba92b9017963e726;m=898e28bc;t=661b6c7036267;x=3b68828f1594e18"
#define C2 "s=ad063cabada04d0facd846a6472e75fe;i=160;b=20b832742e84401fba92b9017963e726;m=898e28ff;t=661b6c7036300;x=1"
#define C3 "s=00000000000000000000000000000001;i=1;b=20b832742e84401fba92b9017963e726;m=1;t=661b6c7036400;x=2"

static void test_parse(void **state)
{
	struct jcursor_pos p;
	(void)state;

	assert_true(jcursor__parse(C1, &p));
	assert_string_equal(p.seqnum_id, "ad063cabada04d0facd846a6472e75fe");
	assert_int_equal(p.seqnum, 0x15c);
	assert_true(p.has_realtime);
	assert_int_equal(p.realtime_us, 0x661b6c7036267ULL);
	assert_false(jcursor__parse("", &p));
	assert_false(jcursor__parse("i=zz;s=abc", &p));
	assert_false(jcursor__parse("garbage", &p));
}

static void test_between(void **state)
{
	struct jcursor_pos a, b, c;
	(void)state;

	assert_true(jcursor__parse(C1, &a));
	assert_true(jcursor__parse(C2, &b));
	assert_true(jcursor__parse(C3, &c));
	assert_int_equal(jcursor__between(&a, &b), 0x160 - 0x15c - 1);
	assert_int_equal(jcursor__between(&a, &a), -1);
	assert_int_equal(jcursor__between(&b, &a), -1);
	/* another journal's numbering: cannot be told */
	assert_int_equal(jcursor__between(&a, &c), -1);
}

static void test_save_and_load(void **state)
{
	char dir[] = "/tmp/lw-jcursor.XXXXXX", path[128], got[JCURSOR_MAX];
	struct stat st;
	FILE *f;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/journal.cursor", dir);
	assert_int_equal(jcursor__load(path, got), -ENOENT);
	assert_int_equal(jcursor__save(path, C1), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(jcursor__load(path, got), 0);
	assert_string_equal(got, C1);
	assert_int_equal(jcursor__save(path, C2), 0);
	assert_int_equal(jcursor__load(path, got), 0);
	assert_string_equal(got, C2);
	/* damaged: not a cursor */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("s=abc; rm -rf\n", f);
	fclose(f);
	assert_int_equal(jcursor__load(path, got), -EINVAL);
	f = fopen(path, "w");
	fclose(f);
	assert_int_equal(jcursor__load(path, got), -EINVAL);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_between),
		cmocka_unit_test(test_save_and_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
