// SPDX-License-Identifier: Apache-2.0
/* coalesce: one report per secret per file per window, with the count. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "leaks/coalesce.h"

static const struct lw_rule_info rule = { "github-pat", "github-classic", "GitHub token", LW_SEV_HIGH };

struct sink {
	int reports;
	struct lw_leak last;
};

static void on_emit(void *ctx, const struct lw_leak *leak)
{
	struct sink *s = ctx;

	s->reports++;
	s->last = *leak;
	s->last.path = NULL;
}

static struct lw_leak leak_in(const char *fp, uint64_t ino, uint64_t offset)
{
	struct lw_leak l;

	memset(&l, 0, sizeof(l));
	l.rule = &rule;
	memset(l.fingerprint, 0, sizeof(l.fingerprint));
	strncpy(l.fingerprint, fp, LW_FINGERPRINT_LEN);
	l.path = strdup("/var/log/app.log");
	l.ino = ino;
	l.offset = offset;
	return l;
}

#define FP_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define FP_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void test_burst_is_one_report_with_count(void **state)
{
	struct sink sink = { 0 };
	struct coalesce *c = coalesce__new(1000, 60000, 100, on_emit, &sink);
	struct lw_leak l = leak_in(FP_A, 7, 100);
	(void)state;

	coalesce__add(c, &l, 0);
	for (int i = 1; i < 10000; i++)
		assert_int_equal(coalesce__repeat(c, FP_A, 0, 7, 100 + (uint64_t)i * 80, 5), 1);
	coalesce__tick(c, 999);
	assert_int_equal(sink.reports, 0); /* held for the delay */
	coalesce__tick(c, 1000);
	assert_int_equal(sink.reports, 1);
	assert_int_equal(sink.last.count, 10000);
	assert_int_equal(sink.last.total, 10000);
	assert_int_equal(sink.last.offset, 100);
	assert_int_equal(sink.last.last_offset, 100 + 9999 * 80);
	assert_false(sink.last.repeat);
	/* quiet through the window: nothing more, and the entry is forgotten */
	coalesce__tick(c, 30000);
	assert_int_equal(sink.reports, 1);
	coalesce__tick(c, 61000);
	assert_int_equal(sink.reports, 1);
	assert_int_equal(coalesce__count(c), 0);
	coalesce__free(c);
}

static void test_repeats_reported_once_per_window(void **state)
{
	struct sink sink = { 0 };
	struct coalesce *c = coalesce__new(1000, 60000, 100, on_emit, &sink);
	struct lw_leak l = leak_in(FP_A, 7, 0);
	(void)state;

	coalesce__add(c, &l, 0);
	coalesce__tick(c, 1000);
	assert_int_equal(sink.reports, 1);
	for (int i = 0; i < 50; i++)
		coalesce__repeat(c, FP_A, 0, 7, 0, 0);
	coalesce__tick(c, 30000);
	assert_int_equal(sink.reports, 1);
	coalesce__tick(c, 61000);
	assert_int_equal(sink.reports, 2);
	assert_true(sink.last.repeat);
	assert_int_equal(sink.last.count, 50);
	assert_int_equal(sink.last.total, 51);
	coalesce__free(c);
}

static void test_other_secret_or_file_is_separate(void **state)
{
	struct sink sink = { 0 };
	struct coalesce *c = coalesce__new(0, 60000, 100, on_emit, &sink);
	struct lw_leak a = leak_in(FP_A, 7, 0), b = leak_in(FP_B, 7, 0), a2 = leak_in(FP_A, 8, 0);
	(void)state;

	coalesce__add(c, &a, 0);
	assert_int_equal(coalesce__repeat(c, FP_B, 0, 7, 0, 0), 0);
	coalesce__add(c, &b, 0);
	assert_int_equal(coalesce__repeat(c, FP_A, 0, 8, 0, 0), 0);
	coalesce__add(c, &a2, 0);
	assert_int_equal(sink.reports, 3); /* no delay: each reported at once */
	coalesce__free(c);
}

static void test_full_table_reports_at_once(void **state)
{
	struct sink sink = { 0 };
	struct coalesce *c = coalesce__new(1000, 60000, 1, on_emit, &sink);
	struct lw_leak a = leak_in(FP_A, 7, 0), b = leak_in(FP_B, 7, 0);
	(void)state;

	coalesce__add(c, &a, 0);
	coalesce__add(c, &b, 0);
	assert_int_equal(sink.reports, 1); /* b had no room: not lost, reported now */
	coalesce__flush(c);
	assert_int_equal(sink.reports, 2);
	coalesce__free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_is_one_report_with_count),
		cmocka_unit_test(test_repeats_reported_once_per_window),
		cmocka_unit_test(test_other_secret_or_file_is_separate),
		cmocka_unit_test(test_full_table_reports_at_once),
	};

	return cmocka_run_group_tests_name("coalesce", tests, NULL, NULL);
}
