// SPDX-License-Identifier: Apache-2.0
/* The keyed fingerprint: HMAC-SHA256 by RFC 4231's vectors, with and
 * without the CPU's SHA-256 instructions, the same under a key used again
 * and after another key, and per thread when several threads fingerprint
 * under different keys at once; the redacted form. */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "detect/sha256.h"
#include "leaks/secret.h"

static struct lw_fpkey key_of(const void *k, size_t n)
{
	struct lw_fpkey key = { .len = n };

	memcpy(key.key, k, n);
	return key;
}

static void fp(const struct lw_fpkey *k, const char *s, char out[LW_FINGERPRINT_LEN + 1])
{
	secret__fingerprint(k, s, strlen(s), out);
}

/* RFC 4231 test cases 2 and 6 (a key longer than SHA-256's block), the
 * first 128 bits of each MAC */
#define RFC_CASE2 "5bdcc146bf60754e6a042426089575c7"
#define RFC_CASE6 "60e431591ee0b67f0d8a26aacbf5b77f"
#define CASE6_TEXT "Test Using Larger Than Block-Size Key - Hash Key First"

static void test_rfc4231_vectors_and_rekeying(void **state)
{
	uint8_t long_key[131];
	struct lw_fpkey jefe = key_of("Jefe", 4), aa;
	char out[LW_FINGERPRINT_LEN + 1];
	(void)state;

	memset(long_key, 0xaa, sizeof(long_key));
	aa = key_of(long_key, sizeof(long_key));
	/* each key twice in a row (its states kept), then the other; rounds
	 * 0 and 2 with this CPU's SHA-256 instructions where it has them */
	for (int round = 0; round < 3; round++) {
		sha256__accelerated(round != 1);
		fp(&jefe, "what do ya want for nothing?", out);
		assert_string_equal(out, RFC_CASE2);
		fp(&jefe, "what do ya want for nothing?", out);
		assert_string_equal(out, RFC_CASE2);
		fp(&aa, CASE6_TEXT, out);
		assert_string_equal(out, RFC_CASE6);
		fp(&aa, CASE6_TEXT, out);
		assert_string_equal(out, RFC_CASE6);
	}
	/* a key that differs from the held one only in its last byte */
	aa.key[130] = 0xab;
	fp(&aa, CASE6_TEXT, out);
	assert_string_not_equal(out, RFC_CASE6);
	/* one byte shorter: another key too */
	aa.key[130] = 0xaa;
	aa.len = 130;
	fp(&aa, CASE6_TEXT, out);
	assert_string_not_equal(out, RFC_CASE6);
}

struct worker {
	struct lw_fpkey key;
	const char *text, *want;
	int wrong;
};

static void *fingerprint_many(void *arg)
{
	struct worker *w = arg;
	char out[LW_FINGERPRINT_LEN + 1];

	for (int i = 0; i < 20000; i++) {
		fp(&w->key, w->text, out);
		w->wrong += strcmp(out, w->want) != 0;
	}
	return NULL;
}

static void test_threads_under_different_keys(void **state)
{
	uint8_t long_key[131];
	struct worker w[4];
	pthread_t t[4];
	(void)state;

	memset(long_key, 0xaa, sizeof(long_key));
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){
			.key = i % 2 ? key_of(long_key, sizeof(long_key)) : key_of("Jefe", 4),
			.text = i % 2 ? CASE6_TEXT : "what do ya want for nothing?",
			.want = i % 2 ? RFC_CASE6 : RFC_CASE2,
		};
		assert_int_equal(pthread_create(&t[i], NULL, fingerprint_many, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].wrong, 0);
	}
}

/* the main thread's keyed states released, and made afresh when next needed */
static void test_thread_release(void **state)
{
	struct lw_fpkey jefe = key_of("Jefe", 4);
	char out[LW_FINGERPRINT_LEN + 1];
	(void)state;

	secret__thread_release();
	secret__thread_release(); /* twice, or with none held: nothing to do */
	fp(&jefe, "what do ya want for nothing?", out);
	assert_string_equal(out, RFC_CASE2);
	secret__thread_release();
	fp(&jefe, "what do ya want for nothing?", out);
	assert_string_equal(out, RFC_CASE2);
	secret__thread_release();
}

static void test_redacted_form(void **state)
{
	char out[LW_REDACTED_MAX];
	(void)state;

	secret__redact("ghp_0123456789abcdefghijklmnopqrstuvwxyz", 40, out);
	assert_string_equal(out, "ghp_...wxyz");
	/* a short secret shows a sixth of itself on each side, nothing under 6 */
	secret__redact("abcdefghijkl", 12, out);
	assert_string_equal(out, "ab...kl");
	secret__redact("abcde", 5, out);
	assert_string_equal(out, "****");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4231_vectors_and_rekeying),
		cmocka_unit_test(test_threads_under_different_keys),
		cmocka_unit_test(test_thread_release),
		cmocka_unit_test(test_redacted_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
