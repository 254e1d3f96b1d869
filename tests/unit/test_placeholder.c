// SPDX-License-Identifier: Apache-2.0
/*
 * placeholder__match, the one test of "a stand-in, not a secret" that every
 * rule applies: a table of values people write where a secret would go,
 * and of values that are secrets (or could be) and must not be taken for
 * placeholders. Random tokens of every common alphabet never are.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "rules/placeholder.h"
#include "sample.h"

static const struct {
	const char *value;
	bool placeholder;
} table[] = {
	/* templating and variables */
	{ "{password}", true },
	{ "${DB_PASSWORD}", true },
	{ "${env:TOKEN}", true },
	{ "{{ .Values.db.password }}", true },
	{ "$DB_PASSWORD", true },
	{ "$(cat /run/secrets/db)", true },
	{ "%DB_PASS%", true },
	{ "%s", true },
	{ "<%= secret %>", true },
	{ "#{password}", true },
	/* where the secret comes from */
	{ "env:MYPASS", true },
	{ "ENV:db_password_2", true },
	{ "file:/run/secrets/db", true },
	{ "fd:3", true },
	{ "env:", false },
	{ "env:9LIVES", false },
	{ "env:x-y", false },
	{ "file:x", false },
	{ "fd:3a", false },
	/* brackets around a word */
	{ "<token>", true },
	{ "<your-api-key>", true },
	{ "[REDACTED]", true },
	{ "[FILTERED]", true },
	{ "(hidden)", true },
	/* instructions */
	{ "REPLACE_WITH_YOUR_KEY", true },
	{ "replace-with-token", true },
	{ "CHANGE_ME", true },
	{ "changeme", true },
	{ "CHANGE_ME_BEFORE_DEPLOY", true },
	{ "YOUR_API_KEY", true },
	{ "your_api_key_here", true },
	{ "insert_token_here", true },
	/* words */
	{ "password", true },
	{ "Password", true },
	{ "mypassword", true },
	{ "pass", true },
	{ "secret", true },
	{ "token", true },
	{ "null", true },
	{ "None", true },
	{ "undefined", true },
	{ "", true },
	/* masks and elisions */
	{ "xxxx", true },
	{ "xxxxxxxxxxxxxxxxxxxxxxxx", true },
	{ "XXXXXXXX", true },
	{ "****", true },
	{ "********************", true },
	{ "sk-...abcd", true },
	{ "key\xe2\x80\xa6", true },
	{ "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", true },
	/* runs */
	{ "AAAAAAAAAAAAAAAAAAAA", true },
	{ "AKIAAAAAAAAAAAAAAAAA", true },
	{ "aBcDeFgHiJkLmNoP", true },
	{ "abcdef123", true },
	{ "0123456789abcdef", true },
	{ "1234567890", true },
	{ "abababab", true },
	{ "0000000000000000", true },
	{ "qwerty123", true },
	/* examples */
	{ "example", true },
	{ "my-example-key", true },
	{ "AKIAIOSFODNN7EXAMPLE", true },
	{ "sk_live_EXAMPLEKEY1234567890", true },
	/* test, dummy, fake: the whole value or its end */
	{ "test", true },
	{ "dummy", true },
	{ "fake", true },
	{ "mytoken_test", true },
	{ "api-key-dummy", true },
	{ "sk_live_51Hfake", true },
	{ "TokenFAKE", true },

	/* secrets, or values that could be */
	{ "Summer2024!", false },
	{ "hunter2isbest", false },
	{ "Tr0ub4dor&3", false },
	{ "n7Qz-Lp4v9WxK2", false },
	{ "sk_test_4eC39HqLyjWDarjtT1zdp7dX", false },
	{ "testing-token-9QzX", false },
	{ "latest7Qv", false },
	{ "fakeroot9Xz", false },
	{ "p@ssw0rd!Qz", false },
	{ "Zx9#kL2$mN8&qR4", false },
};

static void test_table(void **state)
{
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		bool got = placeholder__match(table[i].value, strlen(table[i].value));

		if (got != table[i].placeholder) {
			print_error("\"%s\": %s, wanted %s\n", table[i].value, got ? "a placeholder" : "not one",
				    table[i].placeholder ? "a placeholder" : "not one");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Random tokens are never placeholders, in any alphabet a credential uses. */
/* long values of two kinds of byte and no run of eight: past 255 of one
 * byte too (a per-byte counter once wrapped there and saw a third kind) */
static void test_long_two_kinds(void **state)
{
	char v[600];
	size_t n = 0;
	(void)state;

	for (int i = 0; i < 257; i++, n += 2)
		memcpy(v + n, "01", 2);
	assert_true(placeholder__match(v, n));
	n = 0;
	while (n + 8 <= 300) {
		memset(v + n, 'a', 7);
		v[n + 7] = 'b';
		n += 8;
	}
	assert_true(placeholder__match(v, n));
	v[n / 2] = 'c'; /* a third kind */
	assert_false(placeholder__match(v, n));
}

static void test_random_tokens(void **state)
{
	static const char *const alphabets[] = {
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
		"abcdefghijklmnopqrstuvwxyz0123456789",
		"0123456789abcdef",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
	};
	struct sample rng = { .rng = 0x2545f4914f6cdd1dULL };
	char t[96];

	(void)state;
	for (size_t a = 0; a < sizeof(alphabets) / sizeof(alphabets[0]); a++) {
		size_t an = strlen(alphabets[a]);

		for (int i = 0; i < 2000; i++) {
			size_t n = 16 + sample_rand(&rng) % 64;

			for (size_t k = 0; k < n; k++)
				t[k] = alphabets[a][sample_rand(&rng) % an];
			t[n] = '\0';
			if (placeholder__match(t, n)) {
				print_error("random token #%d of alphabet %zu taken for a placeholder\n", i, a);
				fail();
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_random_tokens),
		cmocka_unit_test(test_long_two_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
