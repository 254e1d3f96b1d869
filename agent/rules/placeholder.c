// SPDX-License-Identifier: Apache-2.0
#include "rules/placeholder.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

/* Lower-cases the first cap bytes of s: placeholders sit near the start. */
static size_t lower(const char *s, size_t n, char *out, size_t cap)
{
	if (n > cap)
		n = cap;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		out[i] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
	}
	return n;
}

static bool equals_ci(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && !strncasecmp(s, word, n);
}

/* aaaaaaaa, abababab, 00000000 ... */
static bool repetitive(const char *s, size_t n)
{
	unsigned char seen[256] = { 0 };
	size_t run = 1, distinct = 0;

	for (size_t i = 0; i < n; i++) {
		if (!seen[(unsigned char)s[i]]++)
			distinct++;
		if (i && s[i] == s[i - 1]) {
			if (++run >= 8)
				return true;
		} else {
			run = 1;
		}
	}
	return n >= 6 && distinct <= 2;
}

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * abcdef, aBcDeF, 123456, zyxwvu: six characters that follow each other in
 * the alphabet. A random token holds such a run once in ~10^7.
 */
static bool alphabet_run(const char *low, size_t n)
{
	size_t up = 1, down = 1;

	for (size_t i = 1; i < n; i++) {
		bool ok = alnum(low[i]) && alnum(low[i - 1]);

		up = ok && low[i] == low[i - 1] + 1 ? up + 1 : 1;
		down = ok && low[i] == low[i - 1] - 1 ? down + 1 : 1;
		if (up >= 6 || down >= 6)
			return true;
	}
	return false;
}

/* Substrings that mark a stand-in, lower case. */
static const struct {
	const char *s;
	size_t n;
} parts[] = {
#define P(x) { x, sizeof(x) - 1 }
	P("your_"), P("your-"), P("yourapi"), P("yourkey"), P("yourtoken"), P("yoursecret"), P("yourpass"),
	P("example"), P("placeholder"), P("redacted"), P("changeme"), P("change_me"), P("change-me"),
	P("replace_me"), P("replaceme"), P("replace_with"), P("replace-with"), P("replacewith"), P("insert_"),
	P("_here"), P("-here"), P("*****"), P("#####"), P("${"), P("{{"), P("}}"), P("$("), P("%("),
	P("#{"), P("<%"), P("..."), P("\xe2\x80\xa6"), P("0123456789"), P("123456789"), P("qwerty"),
#undef P
};
#define N_PARTS (sizeof(parts) / sizeof(parts[0]))

/* parts by first byte: one pass over the value instead of a memmem per part */
static uint8_t bucket_first[256], bucket_next[N_PARTS];

__attribute__((constructor)) static void init_buckets(void)
{
	memset(bucket_first, 0xff, sizeof(bucket_first));
	for (size_t i = N_PARTS; i-- > 0;) {
		unsigned char c = (unsigned char)parts[i].s[0];

		bucket_next[i] = bucket_first[c];
		bucket_first[c] = (uint8_t)i;
	}
}

static bool has_part(const char *low, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (uint8_t k = bucket_first[(unsigned char)low[i]]; k != 0xff; k = bucket_next[k])
			if (parts[k].n <= n - i && !memcmp(low + i, parts[k].s, parts[k].n))
				return true;
	return false;
}

/*
 * sk-proj-xxxxxxxx...: a run of x in one case (xXxXx is random), five long
 * in a short value, eight in a long one (where five happen by chance).
 */
static bool x_mask(const char *s, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		run = (s[i] == 'x' || s[i] == 'X') && i && s[i] == s[i - 1] ? run + 1 : (s[i] == 'x' || s[i] == 'X');
		if (run >= 8 || (run >= 5 && n < 64))
			return true;
	}
	return false;
}

/* ****, xxxx, ----, ____: a mask of any length */
static bool mask(const char *s, size_t n)
{
	size_t k = 0;

	while (k < n && s[k] && strchr("*#xX.-_ ", s[k]))
		k++;
	return k == n;
}

/* <token>, [secret], (hidden), {password} */
static bool wrapped(const char *s, size_t n)
{
	static const char pairs[][2] = { { '<', '>' }, { '[', ']' }, { '(', ')' }, { '{', '}' } };

	for (size_t i = 0; n >= 2 && i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (s[0] == pairs[i][0] && s[n - 1] == pairs[i][1])
			return true;
	return false;
}

/* $VAR, $env:VAR, %VAR%, %s */
static bool variable(const char *s, size_t n)
{
	if (s[0] == '$' && n > 1 && (s[1] == '_' || (s[1] >= 'A' && s[1] <= 'Z') || (s[1] >= 'a' && s[1] <= 'z')))
		return true;
	return s[0] == '%' && (n == 2 || s[n - 1] == '%');
}

/* test, dummy, fake: the whole value or its end (mytoken_test, key-dummy) */
static bool stand_in_suffix(const char *low, size_t ln, size_t n)
{
	static const char *const ends[] = { "test", "dummy", "fake" };

	if (ln < n)
		return false; /* the end was cut off: only the start was looked at */
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		size_t k = strlen(ends[i]);

		if (ln >= k && !memcmp(low + ln - k, ends[i], k))
			return true;
	}
	return false;
}

bool placeholder__match(const char *s, size_t n)
{
	static const char *const words[] = {
		"changeme", "change_me", "changeit", "null", "nil", "none", "undefined", "true", "false", "yes",
		"no", "example", "password", "passwd", "pass", "passphrase", "mypassword", "my_password", "mysecret", "secret",
		"token", "redacted", "removed", "hidden", "masked", "filtered", "sample", "placeholder", "todo",
		"tbd", "default", "empty", "unset", "notset", "n/a", "string", "value", "your_api_key", "api_key",
		"apikey", "nan", "[]", "{}", "\"\"", "''",
	};
	char low[512];
	size_t ln;

	if (n == 0)
		return true;
	for (size_t i = 0; n <= 16 && i < sizeof(words) / sizeof(words[0]); i++)
		if (equals_ci(s, n, words[i]))
			return true;
	ln = lower(s, n, low, sizeof(low));
	return has_part(low, ln) || x_mask(s, n) || mask(s, n) || wrapped(s, n) || variable(s, n) || repetitive(s, n) ||
	       alphabet_run(low, ln) || stand_in_suffix(low, ln, n);
}
