// SPDX-License-Identifier: Apache-2.0
#include "rules/placeholder.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

/* Only the first LOOK bytes are searched for marks and alphabet runs:
 * placeholders sit near the start, and a long value costs no more. */
#define LOOK 512

/* ASCII lower case; other bytes as they are (never the locale's) */
static inline unsigned char fold(char c)
{
	return (unsigned char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
}

/* A string and its length, for the tables below: all lower case. */
struct literal {
	const char *s;
	size_t n;
};
#define LIT(x) { x, sizeof(x) - 1 }

/* s[0..n) is lit, case ignored (ASCII: the agent never sets a locale) */
static bool is_literal(const char *s, size_t n, const struct literal *lit)
{
	return lit->n == n && !strncasecmp(s, lit->s, n);
}

/* Substrings that mark a stand-in. */
static const struct literal parts[] = {
	LIT("your_"), LIT("your-"), LIT("yourapi"), LIT("yourkey"), LIT("yourtoken"), LIT("yoursecret"),
	LIT("yourpass"), LIT("example"), LIT("placeholder"), LIT("redacted"), LIT("changeme"), LIT("change_me"),
	LIT("change-me"), LIT("replace_me"), LIT("replaceme"), LIT("replace_with"), LIT("replace-with"),
	LIT("replacewith"), LIT("insert_"), LIT("_here"), LIT("-here"), LIT("*****"), LIT("#####"), LIT("${"),
	LIT("{{"), LIT("}}"), LIT("$("), LIT("%("), LIT("#{"), LIT("<%"), LIT("..."), LIT("\xe2\x80\xa6"),
	LIT("0123456789"), LIT("123456789"), LIT("qwerty"),
};
#define N_PARTS (sizeof(parts) / sizeof(parts[0]))

/*
 * parts by first byte, and the pairs of bytes a part starts with: a value
 * is read once, and a part is looked for only where its first two bytes
 * are, so random bytes (most values) rarely branch off the pass
 */
static uint8_t bucket_first[256], bucket_next[N_PARTS];
static uint64_t part_starts[65536 / 64];

__attribute__((constructor)) static void init_buckets(void)
{
	memset(bucket_first, 0xff, sizeof(bucket_first));
	for (size_t i = N_PARTS; i-- > 0;) {
		unsigned char c = (unsigned char)parts[i].s[0];
		unsigned pair = (unsigned)c << 8 | (unsigned char)parts[i].s[1];

		bucket_next[i] = bucket_first[c];
		bucket_first[c] = (uint8_t)i;
		part_starts[pair / 64] |= 1ULL << (pair % 64);
	}
}

static inline bool part_may_start(unsigned char a, unsigned char b)
{
	unsigned pair = (unsigned)a << 8 | b;

	return part_starts[pair / 64] >> (pair % 64) & 1;
}

/* Does a mark start at s[i], within the first n bytes? */
static bool part_at(const char *s, size_t i, size_t n)
{
	for (uint8_t k = bucket_first[fold(s[i])]; k != 0xff; k = bucket_next[k])
		if (parts[k].n <= n - i && is_literal(s + i, parts[k].n, &parts[k]))
			return true;
	return false;
}

static inline bool alnum(unsigned char c)
{
	return ((unsigned)c - 'a' < 26u) | ((unsigned)c - '0' < 10u);
}

/*
 * The checks that look at every byte, in one pass (every candidate of
 * every rule comes here), written so that a random value takes no branch
 * it cannot predict:
 * - a mark from parts[] in the first LOOK bytes, case ignored;
 * - abcdef, aBcDeF, 123456, zyxwvu: six characters that follow each other
 *   in the alphabet, in the first LOOK bytes (a random token holds such a
 *   run once in ~10^7);
 * - sk-proj-xxxxxxxx...: a run of x in one case (xXxXx is random), five
 *   long in a short value, eight in a long one (where five happen by chance);
 * - aaaaaaaa: a run of eight of one byte; abababab, 000000: six bytes or
 *   more, of at most two kinds.
 */
static bool stand_in_bytes(const char *s, size_t n)
{
	size_t look = n < LOOK ? n : LOOK, xs_max = n < 64 ? 5 : 8;
	unsigned char prev = (unsigned char)s[0], lprev = fold(s[0]), first = prev, second = prev;
	size_t up = 1, down = 1, same = 1, kinds = 1, xs = lprev == 'x';

	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i], lo = fold(s[i]);
		size_t eq = c == prev;

		same = 1 + same * eq;
		xs = (lo == 'x') * (1 + xs * eq); /* x after x, X after X */
		if (kinds < 3 && c != first && c != second) {
			second = c;
			kinds++;
		}
		if (i < look) {
			size_t ok = alnum(lo) & alnum(lprev);

			up = 1 + up * (ok & (lo == lprev + 1));
			down = 1 + down * (ok & (lo + 1 == lprev));
			if (part_may_start(lprev, lo) && part_at(s, i - 1, look))
				return true;
		}
		if ((same >= 8) | (xs >= xs_max) | (up >= 6) | (down >= 6))
			return true;
		prev = c;
		lprev = lo;
	}
	return n >= 6 && kinds <= 2;
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

static inline bool name_byte(unsigned char c)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * Where a secret comes from, not the secret: env:VAR, file:/path, fd:N, the
 * pass phrase sources of OpenSSL (openssl-passphrase-options(1)) and of
 * the tools that took them up.
 */
static bool secret_source(const char *s, size_t n)
{
	static const struct literal env = LIT("env:"), file = LIT("file:"), fd = LIT("fd:");
	size_t i;

	if (n > env.n && is_literal(s, env.n, &env)) {
		for (i = env.n; i < n && name_byte((unsigned char)s[i]);)
			i++;
		return i == n && !(s[env.n] >= '0' && s[env.n] <= '9');
	}
	if (n > file.n + 1 && is_literal(s, file.n, &file))
		return s[file.n] == '/' || s[file.n] == '.' || s[file.n] == '~';
	if (n > fd.n && is_literal(s, fd.n, &fd)) {
		for (i = fd.n; i < n && s[i] >= '0' && s[i] <= '9';)
			i++;
		return i == n;
	}
	return false;
}

/* $VAR, $env:VAR, %VAR%, %s, env:VAR */
static bool variable(const char *s, size_t n)
{
	if (s[0] == '$' && n > 1 && (s[1] == '_' || (s[1] >= 'A' && s[1] <= 'Z') || (s[1] >= 'a' && s[1] <= 'z')))
		return true;
	if (s[0] == '%' && (n == 2 || s[n - 1] == '%'))
		return true;
	return secret_source(s, n);
}

/* test, dummy, fake: the whole value or its end (mytoken_test, key-dummy) */
static bool stand_in_suffix(const char *s, size_t n)
{
	static const struct literal ends[] = { LIT("test"), LIT("dummy"), LIT("fake") };

	if (n > LOOK)
		return false; /* only the start of a long value is looked at */
	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++)
		if (n >= ends[i].n && is_literal(s + n - ends[i].n, ends[i].n, &ends[i]))
			return true;
	return false;
}

/* a value that is one of these words, case ignored, stands in */
static bool stand_in_word(const char *s, size_t n)
{
	static const struct literal words[] = {
		LIT("changeme"), LIT("change_me"), LIT("changeit"), LIT("null"), LIT("nil"), LIT("none"),
		LIT("undefined"), LIT("true"), LIT("false"), LIT("yes"), LIT("no"), LIT("example"),
		LIT("password"), LIT("passwd"), LIT("pass"), LIT("passphrase"), LIT("mypassword"),
		LIT("my_password"), LIT("mysecret"), LIT("secret"), LIT("token"), LIT("redacted"),
		LIT("removed"), LIT("hidden"), LIT("masked"), LIT("filtered"), LIT("sample"),
		LIT("placeholder"), LIT("todo"), LIT("tbd"), LIT("default"), LIT("empty"), LIT("unset"),
		LIT("notset"), LIT("n/a"), LIT("string"), LIT("value"), LIT("your_api_key"), LIT("api_key"),
		LIT("apikey"), LIT("nan"), LIT("[]"), LIT("{}"), LIT("\"\""), LIT("''"),
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (is_literal(s, n, &words[i]))
			return true;
	return false;
}

bool placeholder__match(const char *s, size_t n)
{
	if (n == 0)
		return true;
	return stand_in_word(s, n) || mask(s, n) || wrapped(s, n) || variable(s, n) || stand_in_suffix(s, n) ||
	       stand_in_bytes(s, n);
}
