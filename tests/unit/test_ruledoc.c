// SPDX-License-Identifier: Apache-2.0
/*
 * The table of rules: the README holds exactly what `leakwatch rules`
 * prints (make readme-rules rewrites it), one row per rule, and the JSON
 * form has one object per rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/ruledoc.h"
#include "rules/rules.h"

static char *render(int (*fn)(FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fn(f), 0);
	fclose(f);
	return buf;
}

static size_t lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_readme_matches(void **state)
{
	FILE *f = fopen(LW_SRCDIR "/README.md", "r");
	char *table = render(ruledoc__markdown), *readme = NULL, *begin, *end;
	size_t cap = 0;
	ssize_t n;

	(void)state;
	assert_non_null(f);
	n = getdelim(&readme, &cap, '\0', f);
	fclose(f);
	assert_true(n > 0);
	begin = strstr(readme, "<!-- rules:begin -->\n");
	end = strstr(readme, "<!-- rules:end -->");
	assert_non_null(begin);
	assert_non_null(end);
	begin += strlen("<!-- rules:begin -->\n");
	if ((size_t)(end - begin) != strlen(table) || memcmp(begin, table, strlen(table))) {
		print_error("README.md's rules table differs from `leakwatch rules`: run make readme-rules\n");
		fail();
	}
	/* a header, a rule line, a row per rule */
	assert_int_equal(lines(table), rules__count() + 2);
	free(table);
	free(readme);
}

static void test_json(void **state)
{
	char *json = render(ruledoc__json);

	(void)state;
	assert_int_equal(lines(json), rules__count());
	assert_non_null(strstr(json, "{\"rule\":\"github-pat\",\"family\":\"github-classic\",\"severity\":\"high\""));
	free(json);
}

static void test_validated(void **state)
{
	char v[512];

	(void)state;
	for (size_t i = 0; i < rules__count(); i++) {
		const struct lw_rule *r = rules__get(i);

		ruledoc__validated(r, v, sizeof(v));
		assert_true(v[0]);
		if (r->check)
			assert_non_null(r->checks); /* a check says what it checks */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readme_matches),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_validated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
