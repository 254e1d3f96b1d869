// SPDX-License-Identifier: Apache-2.0
/* Line counting for a finding's line number: the vector count agrees with
 * a byte-by-byte one at every length and alignment, and across the point
 * where its lane counters are added up. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "scan/lines.h"

static size_t slow_count(const char *p, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += p[i] == '\n';
	return c;
}

static void test_count_agrees_with_bytes(void **state)
{
	enum { N = 20000 };
	char *buf = malloc(N + 16);
	unsigned seed = 7;
	(void)state;

	assert_non_null(buf);
	for (size_t i = 0; i < N + 16; i++) {
		seed = seed * 1103515245u + 12345u;
		/* dense and sparse stretches; bytes near '\n' (0x0a) and high ones */
		buf[i] = (char)(i % 5000 < 2500 ? (seed >> 16) % 4 + 9 : (seed >> 16) & 0xff);
	}
	for (size_t off = 0; off < 16; off++)
		for (size_t n = 0; n < 300; n++)
			assert_int_equal(lines__count(buf + off, n), slow_count(buf + off, n));
	/* past 255 turns, where each lane's byte counter is added up: turns
	 * of 64 bytes, then of 16, then bytes */
	memset(buf, '\n', N);
	assert_int_equal(lines__count(buf, N), N);
	assert_int_equal(lines__count(buf + 5, 255 * 64 + 63), 255 * 64 + 63);
	assert_int_equal(lines__count(buf + 1, 255 * 64 + 48 + 15), 255 * 64 + 48 + 15);
	assert_int_equal(lines__count(buf + 3, 255 * 16 + 1), 255 * 16 + 1);
	assert_int_equal(lines__count(buf, 255 * 16 * 3 + 15), 255 * 16 * 3 + 15);
	memset(buf, 'x', N);
	assert_int_equal(lines__count(buf, N), 0);
	free(buf);
}

static void test_advance(void **state)
{
	const char text[] = "first\nsecond\n\nfourth, no end";
	uint64_t line = 10, at = 500;
	(void)state;

	/* no newline: nothing moves */
	lines__advance("abc", 3, 1000, &line, &at);
	assert_int_equal(line, 10);
	assert_int_equal(at, 500);
	lines__advance(text, 0, 1000, &line, &at);
	assert_int_equal(line, 10);
	/* three newlines; the current line starts past the last */
	lines__advance(text, strlen(text), 1000, &line, &at);
	assert_int_equal(line, 13);
	assert_int_equal(at, 1000 + strlen("first\nsecond\n\n"));
	/* a text that ends with its newline: the next line starts at its end */
	line = 1, at = 0;
	lines__advance("a\nb\n", 4, 0, &line, &at);
	assert_int_equal(line, 3);
	assert_int_equal(at, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_agrees_with_bytes),
		cmocka_unit_test(test_advance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
