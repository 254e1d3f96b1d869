// SPDX-License-Identifier: Apache-2.0
/*
 * The collector's pages (collector/ui) without a server: the escaping every
 * value goes through, the POSTed forms, the signed session cookies and
 * their CSRF tokens, and ui__handle answering requests as the server hands
 * them over (who may see a page, sign-in, cross-site and CSRF checks, where
 * a sign-in may send the browser), over a real store in a temporary
 * directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/auth.h"
#include "access/token.h"
#include "collector_fixtures.h"
#include "server/metrics.h"
#include "storage/store.h"
#include "tmpdir.h"
#include "web/form.h"
#include "net/url.h"
#include "web/html.h"
#include "web/session.h"
#include "ui/ui.h"

#define NOW_S 1700000000ULL /* 2023-11-14 22:13:20 UTC */
#define OPERATOR_TOKEN "operator-token-of-alice-0123"
#define OTHER_OPERATOR_TOKEN "operator-token-of-bob-456789"
#define INGEST_TOKEN "ingest-token-for-the-whole-fleet"
#define UNKNOWN_TOKEN "nobody-was-ever-given-this-one"
#define FP "0123456789abcdef"

/* --- capturing what a function writes to a FILE * --- */

struct cap {
	char *buf;
	size_t len;
};

/* Runs `call` with f open on memory, and compares what it wrote with want. */
#define assert_writes(call, want)                                                                          \
	do {                                                                                               \
		struct cap c_ = { 0 };                                                                     \
		FILE *f = open_memstream(&c_.buf, &c_.len);                                                \
		assert_non_null(f);                                                                        \
		call;                                                                                      \
		assert_int_equal(fclose(f), 0);                                                            \
		assert_string_equal(c_.buf, want);                                                         \
		free(c_.buf);                                                                              \
	} while (0)

/* --- html --- */

static void test_html_text_escapes(void **state)
{
	(void)state;
	assert_writes(html__text(f, "plain db-7.example"), "plain db-7.example");
	assert_writes(html__text(f, "<script>alert(\"x\" & 'y')</script>"),
		      "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");
	/* an entity is escaped again: the text shows what the agent sent */
	assert_writes(html__text(f, "&amp;"), "&amp;amp;");
	/* control characters become U+FFFD; a tab and UTF-8 stay */
	assert_writes(html__text(f, "a\nb\x1b[31mc\td\xc3\xa9"),
		      "a\xef\xbf\xbd" "b\xef\xbf\xbd" "[31mc\td\xc3\xa9");
	assert_writes(html__text(f, NULL), "");
	assert_writes(html__text(f, ""), "");
	/* html__text_n stops at n, and at a NUL before it */
	assert_writes(html__text_n(f, "<ab>", 2), "&lt;a");
	assert_writes(html__text_n(f, "ab\0<cd", 6), "ab");
	assert_writes(html__text_n(f, NULL, 5), "");
}

static void test_html_url_part(void **state)
{
	(void)state;
	assert_writes(url__encode(f, "a/b&c<d e", false), "a%2Fb%26c%3Cd%20e");
	/* '+' and '%' too, or a form or a path would read them back otherwise */
	assert_writes(url__encode(f, "1+1=2%", false), "1%2B1%3D2%25");
	assert_writes(url__encode(f, "\"'>?#", false), "%22%27%3E%3F%23");
	/* non-ASCII bytes one by one, in upper-case hex */
	assert_writes(url__encode(f, "caf\xc3\xa9", false), "caf%C3%A9");
	/* unreserved characters and ':' (IPv6 addresses) as they are */
	assert_writes(url__encode(f, "AZaz09-._~:", false), "AZaz09-._~:");
	assert_writes(url__encode(f, "2001:db8::1", false), "2001:db8::1");
	assert_writes(url__encode(f, NULL, false), "");
}

static void test_url_segment_between(void **state)
{
	char out[8];
	(void)state;

	assert_string_equal(url__segment_between("/ui/leak/abc/ack", "/ui/leak/", "/ack", out, sizeof(out)), "abc");
	assert_string_equal(out, "abc");
	/* seven characters fit in eight bytes, eight do not */
	assert_non_null(url__segment_between("/ui/leak/abcdefg/ack", "/ui/leak/", "/ack", out, sizeof(out)));
	assert_null(url__segment_between("/ui/leak/abcdefgh/ack", "/ui/leak/", "/ack", out, sizeof(out)));
	assert_null(url__segment_between("/ui/leak//ack", "/ui/leak/", "/ack", out, sizeof(out)));
	assert_null(url__segment_between("/ui/leak/a/b/ack", "/ui/leak/", "/ack", out, sizeof(out)));
	assert_null(url__segment_between("/ui/leak/abc", "/ui/leak/", "/ack", out, sizeof(out)));
	assert_null(url__segment_between("/ui/leak/ack", "/ui/leak/", "/ack", out, sizeof(out)));
	assert_null(url__segment_between("/ui/lea/abc/ack", "/ui/leak/", "/ack", out, sizeof(out)));
}

static void test_html_url_decode(void **state)
{
	char s[64];
	(void)state;

	strcpy(s, "%2Fui%2fhosts");
	assert_int_equal(html__url_decode(s, false), 0);
	assert_string_equal(s, "/ui/hosts");

	/* '+' is a space in a form only; "%2B" is always '+' */
	strcpy(s, "a+b%2Bc");
	assert_int_equal(html__url_decode(s, false), 0);
	assert_string_equal(s, "a+b+c");
	strcpy(s, "a+b%2Bc");
	assert_int_equal(html__url_decode(s, true), 0);
	assert_string_equal(s, "a b+c");

	strcpy(s, "caf%C3%A9");
	assert_int_equal(html__url_decode(s, true), 0);
	assert_string_equal(s, "caf\xc3\xa9");

	/* malformed escapes, and an encoded NUL that would cut the value */
	strcpy(s, "a%G1");
	assert_int_equal(html__url_decode(s, false), -1);
	strcpy(s, "a%1G");
	assert_int_equal(html__url_decode(s, false), -1);
	strcpy(s, "trailing%");
	assert_int_equal(html__url_decode(s, false), -1);
	strcpy(s, "trailing%4");
	assert_int_equal(html__url_decode(s, false), -1);
	strcpy(s, "nul%00here");
	assert_int_equal(html__url_decode(s, true), -1);
}

static void test_html_time_age_bytes(void **state)
{
	const uint64_t now = NOW_S * (uint64_t)SEC;
	(void)state;

	assert_writes(html__time(f, NOW_S * (uint64_t)SEC), "2023-11-14 22:13:20 UTC");
	assert_writes(html__time(f, 0), "\xe2\x80\x94");

	assert_writes(html__age(f, 0, now), "\xe2\x80\x94");
	assert_writes(html__age(f, now, now), "0 s ago");
	assert_writes(html__age(f, now - 59 * SEC, now), "59 s ago");
	assert_writes(html__age(f, now - 3 * 60 * SEC, now), "3 min ago");
	assert_writes(html__age(f, now - 90 * 60 * SEC, now), "1 h ago");
	assert_writes(html__age(f, now - 2 * 86400 * SEC, now), "2 d ago");
	/* a little clock skew is "now"; more is said */
	assert_writes(html__age(f, now + 30 * SEC, now), "0 s ago");
	assert_writes(html__age(f, now + 61 * SEC, now), "in the future");

	assert_writes(html__bytes(f, 0), "0 B");
	assert_writes(html__bytes(f, 1023), "1023 B");
	assert_writes(html__bytes(f, 1536), "1.5 KiB");
	assert_writes(html__bytes(f, 1024 * 1024), "1.0 MiB");
	assert_writes(html__bytes(f, 5ULL << 30), "5.0 GiB");
	/* TiB is the largest unit */
	assert_writes(html__bytes(f, 2048ULL << 40), "2048.0 TiB");
}

/* --- form --- */

static void test_form_fields(void **state)
{
	static const char body[] = "token=abc%2Fdef+gh&next=%2Fui%2Fhosts&empty=&flag&last=1";
	char out[64];
	(void)state;

	assert_int_equal(form__get(body, strlen(body), "token", out, sizeof(out)), 0);
	assert_string_equal(out, "abc/def gh");
	assert_int_equal(form__get(body, strlen(body), "next", out, sizeof(out)), 0);
	assert_string_equal(out, "/ui/hosts");
	assert_int_equal(form__get(body, strlen(body), "empty", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(form__get(body, strlen(body), "last", out, sizeof(out)), 0);
	assert_string_equal(out, "1");
	/* a field without '=' has no value to give */
	assert_int_equal(form__get(body, strlen(body), "flag", out, sizeof(out)), -ENOENT);
	assert_int_equal(form__get(body, strlen(body), "csrf", out, sizeof(out)), -ENOENT);
	assert_int_equal(form__get("", 0, "token", out, sizeof(out)), -ENOENT);
	assert_int_equal(form__get(NULL, 0, "token", out, sizeof(out)), -ENOENT);
}

/* The body is len bytes, not a C string: what follows is not read. */
static void test_form_respects_len(void **state)
{
	static const char body[] = "a=1&token=secret";
	char out[64];
	(void)state;

	assert_int_equal(form__get(body, 3, "a", out, sizeof(out)), 0);
	assert_string_equal(out, "1");
	assert_int_equal(form__get(body, 3, "token", out, sizeof(out)), -ENOENT);
	assert_int_equal(form__get(body, 12, "token", out, sizeof(out)), 0);
	assert_string_equal(out, "se");
}

/* A name that is a prefix of another field's (or the other way) is not that field. */
static void test_form_names_match_whole(void **state)
{
	char out[64];
	(void)state;

	assert_int_equal(form__get("csrf2=x", 7, "csrf", out, sizeof(out)), -ENOENT);
	assert_int_equal(form__get("xcsrf=x", 7, "csrf", out, sizeof(out)), -ENOENT);
	assert_int_equal(form__get("csrf=x", 6, "csrf2", out, sizeof(out)), -ENOENT);
	assert_int_equal(form__get("csrf2=x&csrf=y", 14, "csrf", out, sizeof(out)), 0);
	assert_string_equal(out, "y");
	/* the first of two fields of one name */
	assert_int_equal(form__get("csrf=a&csrf=b", 13, "csrf", out, sizeof(out)), 0);
	assert_string_equal(out, "a");
}

static void test_form_refuses(void **state)
{
	static const char nul[] = "token=a\0b";
	char out[8];
	(void)state;

	/* 7 characters and the NUL fit in 8; 8 do not */
	assert_int_equal(form__get("v=1234567", 9, "v", out, sizeof(out)), 0);
	assert_string_equal(out, "1234567");
	assert_int_equal(form__get("v=12345678", 10, "v", out, sizeof(out)), -EINVAL);
	/* the limit is on the encoded text, before decoding */
	assert_int_equal(form__get("v=%2F%2F%2F", 11, "v", out, sizeof(out)), -EINVAL);
	/* malformed escapes, an encoded NUL, a raw NUL inside the body */
	assert_int_equal(form__get("v=%G1", 5, "v", out, sizeof(out)), -EINVAL);
	assert_int_equal(form__get("v=ab%", 5, "v", out, sizeof(out)), -EINVAL);
	assert_int_equal(form__get("v=%00", 5, "v", out, sizeof(out)), -EINVAL);
	assert_int_equal(form__get(nul, sizeof(nul) - 1, "token", out, sizeof(out)), -EINVAL);
}

/* --- credentials for the session and page tests --- */

/* A digest file in dir, as `token create` writes one. */
static void digest_file(const char *dir, const char *name, const char *token, char *path, size_t len)
{
	uint8_t d[TOKEN_DIGEST_LEN];
	FILE *f;

	snprintf(path, len, "%s/%s.sha256", dir, name);
	token__digest(token, strlen(token), d);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < TOKEN_DIGEST_LEN; i++)
		fprintf(f, "%02x", d[i]);
	fputc('\n', f);
	assert_int_equal(fclose(f), 0);
}

/*
 * alice and bob (operators) and fleet (ingest). alice_token changes
 * alice's digest (a rotation); with_alice false leaves her out.
 */
static struct auth *credentials(const char *dir, bool with_alice, const char *alice_token)
{
	char alice[160], bob[160], fleet[160], err[256];
	struct auth_cred_cfg cfg[3];
	size_t n = 0;
	struct auth *a;

	digest_file(dir, "alice", alice_token, alice, sizeof(alice));
	digest_file(dir, "bob", OTHER_OPERATOR_TOKEN, bob, sizeof(bob));
	digest_file(dir, "fleet", INGEST_TOKEN, fleet, sizeof(fleet));
	if (with_alice)
		cfg[n++] = (struct auth_cred_cfg){ .name = "alice", .roles = AUTH_OPERATOR, .digest_file = alice };
	cfg[n++] = (struct auth_cred_cfg){ .name = "bob", .roles = AUTH_OPERATOR, .digest_file = bob };
	cfg[n++] = (struct auth_cred_cfg){ .name = "fleet", .roles = AUTH_INGEST, .digest_file = fleet };
	a = auth__build(cfg, n, NULL, NULL, err, sizeof(err));
	if (!a)
		fprintf(stderr, "auth: %s\n", err);
	assert_non_null(a);
	return a;
}

struct sess {
	char dir[64];
	struct auth *a;
	struct session_key key;
};

static int sess_setup(void **state)
{
	struct sess *s = calloc(1, sizeof(*s));

	if (!s || tmpdir__make(s->dir, sizeof(s->dir), "lw-ui-session"))
		return -1;
	s->a = credentials(s->dir, true, OPERATOR_TOKEN);
	if (session__new_key(&s->key))
		return -1;
	*state = s;
	return 0;
}

static int sess_teardown(void **state)
{
	struct sess *s = *state;

	auth__unref(s->a);
	tmpdir__remove(s->dir);
	free(s);
	return 0;
}

/* alice's cookie, valid until NOW_S + 3600 */
static void alice_cookie(struct sess *s, char cookie[SESSION_COOKIE_MAX])
{
	const struct auth_cred *alice = auth__by_name(s->a, "alice");

	assert_non_null(alice);
	assert_int_equal(session__issue(&s->key, alice, NOW_S + 3600, cookie), 0);
}

/* --- session --- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A key file: two collectors that read the same one accept each other's
 * cookies; a trailing newline is not part of the key; a short file, or
 * none, is refused with a reason that never holds the content. */
static void test_session_key_file(void **state)
{
	struct sess *s = *state;
	const struct auth_cred *alice = auth__by_name(s->a, "alice");
	struct session_key a, b, other;
	char path[128], cookie[SESSION_COOKIE_MAX], err[256];

	snprintf(path, sizeof(path), "%s/session.key", s->dir);
	write_file(path, "c2VjcmV0IGZvciB0aGUgdGVzdHMgb25seSwgbm90IGEgcmVhbCBrZXkgYXQgYWxs");
	assert_int_equal(session__key_from_file(path, &a, err, sizeof(err)), 0);
	write_file(path, "c2VjcmV0IGZvciB0aGUgdGVzdHMgb25seSwgbm90IGEgcmVhbCBrZXkgYXQgYWxs\n");
	assert_int_equal(session__key_from_file(path, &b, err, sizeof(err)), 0);
	assert_memory_equal(a.k, b.k, sizeof(a.k));
	assert_int_equal(session__issue(&a, alice, NOW_S + 3600, cookie), 0);
	assert_non_null(session__verify(&b, s->a, cookie, NOW_S));
	assert_null(session__verify(&s->key, s->a, cookie, NOW_S));

	write_file(path, "c2VjcmV0IGZvciB0aGUgdGVzdHMgb25seSwgbm90IGEgcmVhbCBrZXkgYXQgYWxt");
	assert_int_equal(session__key_from_file(path, &other, err, sizeof(err)), 0);
	assert_null(session__verify(&other, s->a, cookie, NOW_S));

	write_file(path, "shortsecret-31-bytes-long------\n");
	assert_int_equal(session__key_from_file(path, &other, err, sizeof(err)), -EINVAL);
	assert_null(strstr(err, "shortsecret"));
	assert_non_null(strstr(err, "32"));
	write_file(path, "");
	assert_int_equal(session__key_from_file(path, &other, err, sizeof(err)), -EINVAL);
	snprintf(path, sizeof(path), "%s/absent.key", s->dir);
	assert_int_equal(session__key_from_file(path, &other, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "absent.key"));
}

static void test_session_issue_and_verify(void **state)
{
	struct sess *s = *state;
	char cookie[SESSION_COOKIE_MAX];
	const struct auth_cred *c;

	alice_cookie(s, cookie);
	/* "<name hex>.<expiry>.<nonce hex><mac hex>" */
	assert_memory_equal(cookie, "616c696365.1700003600.", 22);
	assert_int_equal(strlen(cookie), 22 + 16 + 64);
	c = session__verify(&s->key, s->a, cookie, NOW_S);
	assert_non_null(c);
	assert_string_equal(c->name, "alice");
	assert_ptr_equal(c, auth__by_name(s->a, "alice"));
	/* two sign-ins, two sessions: the nonce tells them apart */
	{
		char again[SESSION_COOKIE_MAX];

		alice_cookie(s, again);
		assert_string_not_equal(cookie, again);
		assert_non_null(session__verify(&s->key, s->a, again, NOW_S));
		/* the nonce is under the MAC */
		again[22] = again[22] == '0' ? '1' : '0';
		assert_null(session__verify(&s->key, s->a, again, NOW_S));
	}
}

static void test_session_expires(void **state)
{
	struct sess *s = *state;
	char cookie[SESSION_COOKIE_MAX];

	alice_cookie(s, cookie);
	assert_non_null(session__verify(&s->key, s->a, cookie, NOW_S + 3599));
	assert_null(session__verify(&s->key, s->a, cookie, NOW_S + 3600));
	assert_null(session__verify(&s->key, s->a, cookie, NOW_S + 100000));
}

/* Any change to what the MAC covers, or to the MAC, and the cookie is no one's. */
static void test_session_tampered(void **state)
{
	struct sess *s = *state;
	char cookie[SESSION_COOKIE_MAX], t[SESSION_COOKIE_MAX + 8];
	struct session_key other;
	size_t n;

	alice_cookie(s, cookie);
	n = strlen(cookie);

	/* one hex digit of the MAC flipped (still lower-case hex) */
	strcpy(t, cookie);
	t[n - 1] = t[n - 1] == '0' ? '1' : '0';
	assert_null(session__verify(&s->key, s->a, t, NOW_S));

	/* bob is an operator too, but the MAC is alice's */
	snprintf(t, sizeof(t), "626f62%s", cookie + strlen("616c696365"));
	assert_non_null(auth__by_name(s->a, "bob"));
	assert_null(session__verify(&s->key, s->a, t, NOW_S));

	/* a later expiry */
	strcpy(t, cookie);
	t[strlen("616c696365.17000")] = '9';
	assert_null(session__verify(&s->key, s->a, t, NOW_S));

	/* the same cookie under another collector's (or a restarted one's) key */
	assert_int_equal(session__new_key(&other), 0);
	assert_null(session__verify(&other, s->a, cookie, NOW_S));

	/* the untouched cookie still verifies: the refusals above are the changes' */
	assert_non_null(session__verify(&s->key, s->a, cookie, NOW_S));
}

/* A session ends at once when its token is removed or rotated. */
static void test_session_ends_with_its_credential(void **state)
{
	struct sess *s = *state;
	char cookie[SESSION_COOKIE_MAX];
	struct auth *same, *rotated, *removed;

	alice_cookie(s, cookie);
	/* a reload with the same digest keeps it */
	same = credentials(s->dir, true, OPERATOR_TOKEN);
	assert_non_null(session__verify(&s->key, same, cookie, NOW_S));
	rotated = credentials(s->dir, true, "operator-token-of-alice-ROTATED");
	assert_null(session__verify(&s->key, rotated, cookie, NOW_S));
	removed = credentials(s->dir, false, OPERATOR_TOKEN);
	assert_null(auth__by_name(removed, "alice"));
	assert_null(session__verify(&s->key, removed, cookie, NOW_S));
	auth__unref(same);
	auth__unref(rotated);
	auth__unref(removed);
}

/* A cookie made for an ingest credential opens nothing. */
static void test_session_needs_the_operator_role(void **state)
{
	struct sess *s = *state;
	const struct auth_cred *fleet = auth__by_name(s->a, "fleet");
	char cookie[SESSION_COOKIE_MAX];

	assert_non_null(fleet);
	assert_int_equal(session__issue(&s->key, fleet, NOW_S + 3600, cookie), 0);
	assert_null(session__verify(&s->key, s->a, cookie, NOW_S));
}

static void test_session_malformed(void **state)
{
	struct sess *s = *state;
	char cookie[SESSION_COOKIE_MAX], t[SESSION_COOKIE_MAX + 8];
	const char *mac;

	alice_cookie(s, cookie);
	mac = strrchr(cookie, '.') + 1;

	assert_null(session__verify(&s->key, s->a, NULL, NOW_S));
	assert_null(session__verify(&s->key, s->a, "", NOW_S));
	assert_null(session__verify(&s->key, s->a, "616c696365", NOW_S));
	assert_null(session__verify(&s->key, s->a, "..", NOW_S));
	/* no name */
	snprintf(t, sizeof(t), ".1700003600.%s", mac);
	assert_null(session__verify(&s->key, s->a, t, NOW_S));
	/* the expiry in another spelling: one cookie per session */
	snprintf(t, sizeof(t), "%.*s.0%s", (int)(strchr(cookie, '.') - cookie), cookie, strchr(cookie, '.') + 1);
	assert_null(session__verify(&s->key, s->a, t, NOW_S));
	/* an odd number of hex digits in the name */
	snprintf(t, sizeof(t), "616c69636.1700003600.%s", mac);
	assert_null(session__verify(&s->key, s->a, t, NOW_S));
	/* upper-case hex, in the name and in the MAC */
	snprintf(t, sizeof(t), "616C696365.1700003600.%s", mac);
	assert_null(session__verify(&s->key, s->a, t, NOW_S));
	strcpy(t, cookie);
	for (char *p = strrchr(t, '.') + 1; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	assert_string_not_equal(t, cookie);
	assert_null(session__verify(&s->key, s->a, t, NOW_S));
	/* a MAC one digit short, or one too long */
	strcpy(t, cookie);
	t[strlen(t) - 1] = '\0';
	assert_null(session__verify(&s->key, s->a, t, NOW_S));
	snprintf(t, sizeof(t), "%s0", cookie);
	assert_null(session__verify(&s->key, s->a, t, NOW_S));
	/* an expiry that is no number */
	snprintf(t, sizeof(t), "616c696365.+1700003600.%s", mac);
	assert_null(session__verify(&s->key, s->a, t, NOW_S));
	snprintf(t, sizeof(t), "616c696365.1700003600x.%s", mac);
	assert_null(session__verify(&s->key, s->a, t, NOW_S));
	/* a NUL in the name ("alice\0") */
	snprintf(t, sizeof(t), "616c69636500.1700003600.%s", mac);
	assert_null(session__verify(&s->key, s->a, t, NOW_S));
}

static void test_csrf(void **state)
{
	struct sess *s = *state;
	const struct auth_cred *bob = auth__by_name(s->a, "bob");
	char cookie[SESSION_COOKIE_MAX], other[SESSION_COOKIE_MAX];
	char tok[SESSION_CSRF_LEN + 1], tok2[SESSION_CSRF_LEN + 1], t[SESSION_CSRF_LEN + 2];

	alice_cookie(s, cookie);
	assert_int_equal(session__issue(&s->key, bob, NOW_S + 3600, other), 0);
	session__csrf(&s->key, cookie, tok);
	assert_int_equal(strlen(tok), SESSION_CSRF_LEN);
	assert_int_equal(strspn(tok, "0123456789abcdef"), SESSION_CSRF_LEN);
	/* the same cookie, the same token: a page's form works on the next page */
	session__csrf(&s->key, cookie, tok2);
	assert_string_equal(tok, tok2);

	assert_true(session__csrf_ok(&s->key, cookie, tok));
	/* another session's token */
	session__csrf(&s->key, other, tok2);
	assert_string_not_equal(tok, tok2);
	assert_false(session__csrf_ok(&s->key, cookie, tok2));
	assert_false(session__csrf_ok(&s->key, other, tok));
	/* wrong lengths */
	snprintf(t, sizeof(t), "%.*s", SESSION_CSRF_LEN - 1, tok);
	assert_false(session__csrf_ok(&s->key, cookie, t));
	snprintf(t, sizeof(t), "%s0", tok);
	assert_false(session__csrf_ok(&s->key, cookie, t));
	assert_false(session__csrf_ok(&s->key, cookie, ""));
	assert_false(session__csrf_ok(&s->key, cookie, NULL));
	assert_false(session__csrf_ok(&s->key, NULL, tok));
	/* the CSRF token is not the cookie's MAC (the two MACs are kept apart) */
	assert_string_not_equal(tok, strrchr(cookie, '.') + 1);
}

/* --- ui__handle --- */

struct uictx {
	char dir[64], db[96];
	struct store *store;
	struct metrics m;
	struct auth *a;
	struct ui ui;
};

static int ui_setup(void **state)
{
	struct uictx *c = calloc(1, sizeof(*c));
	struct store_opts so = { .busy_timeout_ms = 1000 };
	char err[256];

	if (!c || tmpdir__make(c->dir, sizeof(c->dir), "lw-ui"))
		return -1;
	/* opened for writing once, so the schema exists for the pages' read-only opens */
	snprintf(c->db, sizeof(c->db), "%s/collector.db", c->dir);
	if (fx_store_opts(&so, c->db) || store__open(&so, &c->store, err, sizeof(err))) {
		fprintf(stderr, "store: %s\n", err);
		return -1;
	}
	c->a = credentials(c->dir, true, OPERATOR_TOKEN);
	c->ui.db_where = so;
	c->ui.store = c->store;
	c->ui.metrics = &c->m;
	if (ui__init(&c->ui))
		return -1;
	*state = c;
	return 0;
}

static int ui_teardown(void **state)
{
	struct uictx *c = *state;

	ui__fini(&c->ui);
	auth__unref(c->a);
	store__close(c->store);
	tmpdir__remove(c->dir);
	free(c);
	return 0;
}

/* A request as the server makes one: no headers, an empty body, now. */
static struct ui_request request(struct uictx *c, const char *method, const char *path)
{
	return (struct ui_request){ .method = method, .path = path, .body = "", .auth = c->a,
				    .now_ns = NOW_S * (uint64_t)SEC };
}

static void with_body(struct ui_request *rq, const char *body)
{
	rq->body = body;
	rq->len = strlen(body);
}

/* No answer may ever show a token back: not the body, a header or the cookie. */
static void assert_no_token(const struct ui_response *r)
{
	static const char *const tokens[] = { OPERATOR_TOKEN, OTHER_OPERATOR_TOKEN, INGEST_TOKEN, UNKNOWN_TOKEN };

	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		if (r->body)
			assert_null(memmem(r->body, r->len, tokens[i], strlen(tokens[i])));
		assert_null(strstr(r->location, tokens[i]));
		assert_null(strstr(r->set_cookie, tokens[i]));
	}
}

/* ui__handle, checked for tokens; free with ui__response_free */
static void handle(struct uictx *c, const struct ui_request *rq, struct ui_response *out)
{
	ui__handle(&c->ui, rq, out);
	assert_no_token(out);
}

static bool body_has(const struct ui_response *r, const char *s)
{
	return r->body && memmem(r->body, r->len, s, strlen(s));
}

/* Signs in with token as a browser would (same origin), and returns the cookie's value. */
static void sign_in(struct uictx *c, const char *token, char cookie[SESSION_COOKIE_MAX])
{
	struct ui_request rq = request(c, "POST", "/ui/login");
	struct ui_response r;
	char body[256];
	const char *v, *end;

	snprintf(body, sizeof(body), "token=%s&next=%%2Fui%%2F", token);
	with_body(&rq, body);
	rq.sec_fetch_site = "same-origin";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 303);
	v = strstr(r.set_cookie, UI_COOKIE "=");
	assert_non_null(v);
	v += strlen(UI_COOKIE "=");
	end = strchr(v, ';');
	assert_non_null(end);
	assert_true(end > v && (size_t)(end - v) < SESSION_COOKIE_MAX);
	memcpy(cookie, v, (size_t)(end - v));
	cookie[end - v] = '\0';
	ui__response_free(&r);
}

/*
 * A path too long to carry in next signs in to /ui/ instead: the address
 * is whole or not there, never cut (a cut one can end in half an escape,
 * "%2"). Lengths around the 600 bytes the redirect has room for.
 */
static void test_ui_sign_in_redirect_is_never_cut(void **state)
{
	struct uictx *c = *state;
	char path[700], full[2100];

	for (size_t n = 560; n < 600; n++) {
		for (int slash = 0; slash < 2; slash++) {
			struct ui_request rq = request(c, "GET", path);
			struct ui_response r;
			FILE *f;

			snprintf(path, sizeof(path), "/ui/%0*d%s", (int)n, 0, slash ? "/" : "");
			f = fmemopen(full, sizeof(full), "w");
			assert_non_null(f);
			fputs("/ui/login?next=", f);
			url__encode(f, path, false);
			assert_int_equal(fclose(f), 0);

			handle(c, &rq, &r);
			assert_int_equal(r.status, 303);
			if (strcmp(r.location, "/ui/login"))
				assert_string_equal(r.location, full);
			else /* only when it did not fit */
				assert_true(strlen(full) >= 590);
			ui__response_free(&r);
		}
	}
}

/* Nobody signed in: a page sends the browser to sign in, back to where it was. */
static void test_ui_anonymous_is_sent_to_sign_in(void **state)
{
	struct uictx *c = *state;
	struct ui_request rq = request(c, "GET", "/ui/");
	struct ui_response r;

	handle(c, &rq, &r);
	assert_int_equal(r.status, 303);
	assert_string_equal(r.location, "/ui/login?next=%2Fui%2F");
	assert_string_equal(r.set_cookie, "");
	ui__response_free(&r);

	rq.path = "/ui/hosts";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 303);
	assert_string_equal(r.location, "/ui/login?next=%2Fui%2Fhosts");
	ui__response_free(&r);

	/* a forged cookie is forgotten on the way */
	rq.cookie = "616c696365.1700003600.00";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 303);
	assert_memory_equal(r.location, "/ui/login?next=", 15);
	assert_non_null(strstr(r.set_cookie, UI_COOKIE "=;"));
	assert_non_null(strstr(r.set_cookie, "Max-Age=0"));
	ui__response_free(&r);

	/* anything but a page is refused outright */
	rq = request(c, "POST", "/ui/leak/" FP "/ack");
	handle(c, &rq, &r);
	assert_int_equal(r.status, 401);
	ui__response_free(&r);
}

static void test_ui_bearer_tokens(void **state)
{
	struct uictx *c = *state;
	struct ui_request rq = request(c, "GET", "/ui/");
	struct ui_response r;

	rq.authorization = "Bearer " INGEST_TOKEN;
	handle(c, &rq, &r);
	assert_int_equal(r.status, 403);
	assert_int_equal(c->m.rejected[REJECT_FORBIDDEN], 1);
	ui__response_free(&r);

	rq.authorization = "Bearer " UNKNOWN_TOKEN;
	handle(c, &rq, &r);
	assert_int_equal(r.status, 401);
	assert_int_equal(c->m.rejected[REJECT_AUTH], 1);
	ui__response_free(&r);

	rq.authorization = "Bearer " OPERATOR_TOKEN;
	handle(c, &rq, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.type, "text/html; charset=utf-8");
	assert_true(body_has(&r, "Open problems"));
	assert_true(body_has(&r, "alice"));
	/* signed in by token, not by a session: no sign-out form with a CSRF token */
	assert_false(body_has(&r, "name=\"csrf\""));
	ui__response_free(&r);

	/* a bearer token needs no CSRF token: it is no browser's ambient credential */
	rq = request(c, "POST", "/ui/leak/" FP "/ack");
	rq.authorization = "Bearer " OPERATOR_TOKEN;
	handle(c, &rq, &r);
	assert_int_equal(r.status, 404);
	ui__response_free(&r);
}

static void test_ui_assets_need_no_sign_in(void **state)
{
	struct uictx *c = *state;
	struct ui_request rq = request(c, "GET", "/ui/style.css");
	struct ui_response r;

	handle(c, &rq, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.type, "text/css; charset=utf-8");
	assert_true(r.cacheable);
	assert_true(r.len > 0);
	ui__response_free(&r);

	rq.path = "/ui/app.js";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.type, "text/javascript; charset=utf-8");
	ui__response_free(&r);

	/* read, never written to */
	rq.method = "POST";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(r.allow, "GET, HEAD");
	ui__response_free(&r);
}

static void test_ui_login_refuses_ingest_and_unknown_tokens(void **state)
{
	struct uictx *c = *state;
	struct ui_request rq = request(c, "POST", "/ui/login");
	struct ui_response r;

	rq.sec_fetch_site = "same-origin";
	with_body(&rq, "token=" INGEST_TOKEN "&next=%2Fui%2F");
	handle(c, &rq, &r);
	assert_int_equal(r.status, 403);
	assert_string_equal(r.set_cookie, "");
	assert_string_equal(r.location, "");
	assert_true(body_has(&r, "ingest role"));
	ui__response_free(&r);

	with_body(&rq, "token=" UNKNOWN_TOKEN);
	handle(c, &rq, &r);
	assert_int_equal(r.status, 401);
	assert_string_equal(r.set_cookie, "");
	ui__response_free(&r);

	/* no token at all: the form again */
	with_body(&rq, "token=&next=%2Fui%2F");
	handle(c, &rq, &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(r.set_cookie, "");
	ui__response_free(&r);
}

static void test_ui_login_sets_the_session_cookie(void **state)
{
	struct uictx *c = *state;
	struct ui_request rq = request(c, "POST", "/ui/login");
	struct ui_response r;

	rq.sec_fetch_site = "same-origin";
	/* pasted with the newline of its file */
	with_body(&rq, "token=" OPERATOR_TOKEN "%0A&next=%2Fui%2Fhosts");
	handle(c, &rq, &r);
	assert_int_equal(r.status, 303);
	assert_string_equal(r.location, "/ui/hosts");
	assert_memory_equal(r.set_cookie, UI_COOKIE "=616c696365.", strlen(UI_COOKIE "=616c696365."));
	assert_non_null(strstr(r.set_cookie, "; Path=/ui;"));
	assert_non_null(strstr(r.set_cookie, "; HttpOnly"));
	assert_non_null(strstr(r.set_cookie, "; SameSite=Strict"));
	assert_non_null(strstr(r.set_cookie, "; Max-Age=43200"));
	assert_null(strstr(r.set_cookie, "Secure")); /* plain HTTP: a Secure cookie would never come back */
	ui__response_free(&r);

	c->ui.tls = true;
	handle(c, &rq, &r);
	assert_int_equal(r.status, 303);
	assert_non_null(strstr(r.set_cookie, "; Secure"));
	assert_non_null(strstr(r.set_cookie, "; HttpOnly"));
	ui__response_free(&r);
}

static void test_ui_session_opens_the_pages(void **state)
{
	struct uictx *c = *state;
	char cookie[SESSION_COOKIE_MAX], csrf[SESSION_CSRF_LEN + 1];
	struct ui_request rq = request(c, "GET", "/ui/");
	struct ui_response r;

	sign_in(c, OPERATOR_TOKEN, cookie);
	rq.cookie = cookie;
	handle(c, &rq, &r);
	assert_int_equal(r.status, 200);
	assert_true(body_has(&r, "Open problems"));
	/* the sign-out form carries this session's CSRF token */
	session__csrf(&c->ui.key, cookie, csrf);
	assert_true(body_has(&r, csrf));
	ui__response_free(&r);

	rq.path = "/ui/hosts";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 200);
	ui__response_free(&r);

	rq.path = "/ui/no-such-page";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 404);
	ui__response_free(&r);

	/* twelve hours later it is over */
	rq.path = "/ui/";
	rq.now_ns = (NOW_S + 12 * 3600) * (uint64_t)SEC;
	handle(c, &rq, &r);
	assert_int_equal(r.status, 303);
	ui__response_free(&r);
}

/* A form POSTed with a session needs its CSRF token, and to come from our own pages. */
static void test_ui_ack_checks_csrf_and_origin(void **state)
{
	struct uictx *c = *state;
	char cookie[SESSION_COOKIE_MAX], other[SESSION_COOKIE_MAX], csrf[SESSION_CSRF_LEN + 1];
	char good[128], wrong[128];
	struct ui_request rq = request(c, "POST", "/ui/leak/" FP "/ack");
	struct ui_response r;

	sign_in(c, OPERATOR_TOKEN, cookie);
	sign_in(c, OTHER_OPERATOR_TOKEN, other);
	session__csrf(&c->ui.key, cookie, csrf);
	snprintf(good, sizeof(good), "csrf=%s", csrf);
	session__csrf(&c->ui.key, other, csrf);
	snprintf(wrong, sizeof(wrong), "csrf=%s", csrf); /* bob's session's token */
	rq.cookie = cookie;

	/* no token */
	rq.sec_fetch_site = "same-origin";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 403);
	ui__response_free(&r);

	/* another session's token */
	with_body(&rq, wrong);
	handle(c, &rq, &r);
	assert_int_equal(r.status, 403);
	ui__response_free(&r);

	/* the right token, from another site */
	with_body(&rq, good);
	rq.sec_fetch_site = "cross-site";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 403);
	ui__response_free(&r);

	/* the right token from our own page: past the checks, to a store that has no such leak */
	rq.sec_fetch_site = "same-origin";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body, "no leak with this fingerprint");
	ui__response_free(&r);

	/* a GET is no acknowledgement */
	rq.method = "GET";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 405);
	ui__response_free(&r);
}

/* Browsers without Sec-Fetch-Site say where a POST comes from in Origin. */
static void test_ui_login_from_another_origin(void **state)
{
	struct uictx *c = *state;
	struct ui_request rq = request(c, "POST", "/ui/login");
	struct ui_response r;

	with_body(&rq, "token=" OPERATOR_TOKEN);
	rq.host = "lw.example:8443";
	rq.origin = "https://evil.example";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 403);
	assert_string_equal(r.set_cookie, "");
	ui__response_free(&r);

	/* an origin of our host with another port is another site too */
	rq.origin = "https://lw.example";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 403);
	ui__response_free(&r);

	/* our own origin, and "null" (Referrer-Policy: no-referrer), sign in */
	rq.origin = "https://lw.example:8443";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 303);
	assert_non_null(strstr(r.set_cookie, UI_COOKIE "="));
	ui__response_free(&r);
	rq.origin = "null";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 303);
	ui__response_free(&r);

	/* Sec-Fetch-Site, when sent, is what counts */
	rq.sec_fetch_site = "same-site";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 403);
	ui__response_free(&r);
}

/* After signing in the browser goes to one of our pages, never to another site. */
static void test_ui_login_next_stays_here(void **state)
{
	static const struct {
		const char *next, *location;
	} cases[] = {
		{ "%2Fui%2Fhosts", "/ui/hosts" },
		{ "%2Fui%2Fleak%2F" FP, "/ui/leak/" FP },
		{ "%2F%2Fevil.example%2F", "/ui/" },
		{ "https%3A%2F%2Fevil", "/ui/" },
		{ "%2Fui%2F%2Fevil.example", "/ui/" },
		{ "%2Fui%2F%5C%5Cevil.example", "/ui/" },
		{ "%2Fui%2F%0D%0ASet-Cookie%3A+x%3D1", "/ui/" },
		{ "%2Fother", "/ui/" },
		{ "%ZZ", "/ui/" },
	};
	struct uictx *c = *state;
	char body[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ui_request rq = request(c, "POST", "/ui/login");
		struct ui_response r;

		snprintf(body, sizeof(body), "token=%s&next=%s", OPERATOR_TOKEN, cases[i].next);
		with_body(&rq, body);
		rq.sec_fetch_site = "same-origin";
		handle(c, &rq, &r);
		assert_int_equal(r.status, 303);
		assert_string_equal(r.location, cases[i].location);
		ui__response_free(&r);
	}
}

/* The query as rq->arg asks for it: ctx is { name, value }, one argument. */
static const char *one_arg(void *ctx, const char *name)
{
	const char *const *kv = ctx;

	return !strcmp(name, kv[0]) ? kv[1] : NULL;
}

/* The sign-in form carries next in an attribute: escaped, and only one of ours. */
static void test_ui_login_form(void **state)
{
	struct uictx *c = *state;
	struct ui_request rq = request(c, "GET", "/ui/login");
	struct ui_response r;
	const char *hostile[2] = { "next", "/ui/?host=\"><script>x</script>" };
	const char *elsewhere[2] = { "next", "https://evil.example/" };

	rq.arg = one_arg;
	rq.arg_ctx = hostile;
	handle(c, &rq, &r);
	assert_int_equal(r.status, 200);
	assert_true(body_has(&r, "name=\"next\" value=\"/ui/?host=&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""));
	assert_false(body_has(&r, "<script>x"));
	ui__response_free(&r);

	rq.arg_ctx = elsewhere;
	handle(c, &rq, &r);
	assert_int_equal(r.status, 200);
	assert_true(body_has(&r, "name=\"next\" value=\"/ui/\""));
	assert_false(body_has(&r, "evil.example"));
	ui__response_free(&r);

	/* a method the form does not take */
	rq.method = "PUT";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 405);
	ui__response_free(&r);
}

/* Signing out needs the session's CSRF token too, and clears the cookie. */
static void test_ui_logout(void **state)
{
	struct uictx *c = *state;
	char cookie[SESSION_COOKIE_MAX], csrf[SESSION_CSRF_LEN + 1], body[128];
	struct ui_request rq = request(c, "POST", "/ui/logout");
	struct ui_response r;

	sign_in(c, OPERATOR_TOKEN, cookie);
	rq.cookie = cookie;
	rq.sec_fetch_site = "same-origin";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 403);
	assert_string_equal(r.set_cookie, "");
	ui__response_free(&r);

	session__csrf(&c->ui.key, cookie, csrf);
	snprintf(body, sizeof(body), "csrf=%s", csrf);
	with_body(&rq, body);
	handle(c, &rq, &r);
	assert_int_equal(r.status, 303);
	assert_string_equal(r.location, "/ui/login");
	assert_non_null(strstr(r.set_cookie, UI_COOKIE "=;"));
	assert_non_null(strstr(r.set_cookie, "Max-Age=0"));
	ui__response_free(&r);

	/* signing out ends the session itself, not only the browser's copy */
	rq = request(c, "GET", "/ui/hosts");
	rq.cookie = cookie;
	handle(c, &rq, &r);
	assert_int_equal(r.status, 303);
	assert_non_null(strstr(r.location, "/ui/login?next="));
	ui__response_free(&r);
	/* and another session of the same operator goes on */
	sign_in(c, OPERATOR_TOKEN, cookie);
	rq.cookie = cookie;
	handle(c, &rq, &r);
	assert_int_equal(r.status, 200);
	ui__response_free(&r);
}

/* Signing out on one collector ends the session on the others on the same
 * database, which share its key. */
static void test_ui_logout_on_every_collector(void **state)
{
	struct uictx *c = *state;
	struct ui *other = calloc(1, sizeof(*other));
	char cookie[SESSION_COOKIE_MAX], csrf[SESSION_CSRF_LEN + 1], body[128];
	struct ui_request rq = request(c, "GET", "/ui/hosts");
	struct ui_response r;

	assert_non_null(other);
	other->db_where = c->ui.db_where;
	other->store = c->store;
	other->metrics = &c->m;
	assert_int_equal(ui__init(other), 0);
	other->key = c->ui.key;
	sign_in(c, OPERATOR_TOKEN, cookie);
	rq.cookie = cookie;
	ui__handle(other, &rq, &r);
	assert_int_equal(r.status, 200); /* signed in here, a page there */
	ui__response_free(&r);

	rq = request(c, "POST", "/ui/logout");
	rq.cookie = cookie;
	rq.sec_fetch_site = "same-origin";
	session__csrf(&c->ui.key, cookie, csrf);
	snprintf(body, sizeof(body), "csrf=%s", csrf);
	with_body(&rq, body);
	handle(c, &rq, &r);
	assert_int_equal(r.status, 303);
	ui__response_free(&r);

	rq = request(c, "GET", "/ui/hosts");
	rq.cookie = cookie;
	ui__handle(other, &rq, &r);
	assert_int_equal(r.status, 303);
	assert_non_null(strstr(r.location, "/ui/login?next="));
	ui__response_free(&r);
	/* another session of the same operator goes on there */
	sign_in(c, OPERATOR_TOKEN, cookie);
	rq.cookie = cookie;
	ui__handle(other, &rq, &r);
	assert_int_equal(r.status, 200);
	ui__response_free(&r);
	ui__fini(other);
	free(other);
}

/* A session signed out of stays refused until it would have expired; the
 * list forgets what has expired, and when full the one closest to expiry. */
static void test_session_revoked_list(void **state)
{
	static struct session_revoked r; /* large: not on the stack */
	char a[SESSION_COOKIE_MAX], b[SESSION_COOKIE_MAX];
	(void)state;

	pthread_mutex_init(&r.lock, NULL);
	r.n = 0;
	/* name, expiry, then a 16-digit nonce and a 64-digit MAC */
	snprintf(a, sizeof(a), "616c696365.2000.%016d1%063d", 0, 0);
	snprintf(b, sizeof(b), "616c696365.3000.%016d2%063d", 0, 0);
	session__revoke(&r, a, 1000);
	assert_true(session__revoked(&r, a));
	assert_false(session__revoked(&r, b));
	session__revoke(&r, b, 2500); /* a has expired by now: it goes */
	assert_int_equal(r.n, 1);
	assert_true(session__revoked(&r, b));
	assert_false(session__revoked(&r, "not a cookie"));
	session__revoke(&r, "616c696365.0100.x", 50); /* not our shape: ignored */
	assert_int_equal(r.n, 1);
	pthread_mutex_destroy(&r.lock);
}

/* What agents send is shown escaped: a host, a path and a process may be named to inject markup. */
#define EVIL_HOST "db-1\"><script>alert(1)</script>"
#define EVIL_PATH "/var/log/<img src=x onerror=alert(2)>.log"
#define EVIL_COMM "<svg onload=alert(3)>"
#define LEAK_FP "00112233445566778899aabbccddeeff"

static void put(struct uictx *c, Leakwatch__V1__Event **evs, size_t n, uint64_t now)
{
	struct ingest_limits lim;
	struct ingest_batch *b;
	struct store_result r;
	uint8_t *raw;
	size_t len;

	ingest__default_limits(&lim);
	raw = fx_batch(evs, n, "agent-1", 1, &len);
	assert_non_null(raw);
	assert_int_equal(ingest__decode(raw, len, INGEST_IDENTITY, &lim, now, &b), INGEST_OK);
	assert_int_equal(store__write_batch(c->store, b, now, &r), 0);
	assert_int_equal(r.accepted, n);
	ingest__free(b);
	free(raw);
}

static void assert_no_markup_from_agents(const struct ui_response *r)
{
	assert_false(body_has(r, "<script>alert"));
	assert_false(body_has(r, "<img src=x"));
	assert_false(body_has(r, "<svg onload"));
}

static void test_ui_pages_escape_what_agents_send(void **state)
{
	struct uictx *c = *state;
	uint64_t now = fx_now();
	struct fx l, k, h;
	Leakwatch__V1__Event *evs[3] = {
		fx_listener(&l, 1, (int64_t)now - 60 * SEC, EVIL_HOST, 6379, true),
		fx_leak(&k, 2, (int64_t)now - 30 * SEC, EVIL_HOST, LEAK_FP, EVIL_PATH, 1),
		fx_health(&h, 3, (int64_t)now - 10 * SEC, EVIL_HOST, 0), /* the agent, for /ui/hosts */
	};
	const char *host_filter[2] = { "host", EVIL_HOST };
	struct ui_request rq = request(c, "GET", "/ui/");
	struct ui_response r;

	l.proc.comm = S(EVIL_COMM);
	k.proc.comm = S(EVIL_COMM);
	put(c, evs, 3, now);
	rq.authorization = "Bearer " OPERATOR_TOKEN;
	rq.now_ns = now;

	handle(c, &rq, &r);
	assert_int_equal(r.status, 200);
	/* both are listed, with the host escaped in text and percent-encoded in links */
	assert_true(body_has(&r, "db-1&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_true(body_has(&r, "db-1%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E"));
	assert_true(body_has(&r, LEAK_FP));
	assert_no_markup_from_agents(&r);
	ui__response_free(&r);

	/* the filter is shown back in its field, escaped, and matches the hostile host */
	rq.arg = one_arg;
	rq.arg_ctx = host_filter;
	handle(c, &rq, &r);
	assert_int_equal(r.status, 200);
	assert_true(body_has(&r, "name=\"host\" value=\"db-1&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""));
	assert_true(body_has(&r, LEAK_FP));
	assert_no_markup_from_agents(&r);
	ui__response_free(&r);
	rq.arg = NULL;

	rq.path = "/ui/leak/" LEAK_FP;
	handle(c, &rq, &r);
	assert_int_equal(r.status, 200);
	assert_true(body_has(&r, "/var/log/&lt;img src=x onerror=alert(2)&gt;.log"));
	assert_no_markup_from_agents(&r);
	ui__response_free(&r);

	/* the listener's page, at the address pagelink makes (the path arrives decoded) */
	rq.path = "/ui/listener/" EVIL_HOST "/4026531840/tcp/0.0.0.0/6379";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 200);
	assert_true(body_has(&r, "&lt;svg onload=alert(3)&gt;"));
	assert_no_markup_from_agents(&r);
	ui__response_free(&r);

	rq.path = "/ui/hosts";
	handle(c, &rq, &r);
	assert_int_equal(r.status, 200);
	assert_true(body_has(&r, "db-1&quot;&gt;&lt;script&gt;"));
	assert_no_markup_from_agents(&r);
	ui__response_free(&r);
}

/* The leak's page offers the form; its acknowledgement goes back to that page, which then says who. */
static void test_ui_ack_a_stored_leak(void **state)
{
	struct uictx *c = *state;
	uint64_t now = fx_now();
	struct fx k;
	Leakwatch__V1__Event *evs[1] = { fx_leak(&k, 1, (int64_t)now - 30 * SEC, "web-1", LEAK_FP, "/srv/app.log", 1) };
	char cookie[SESSION_COOKIE_MAX], csrf[SESSION_CSRF_LEN + 1], body[128];
	struct ui_request page = request(c, "GET", "/ui/leak/" LEAK_FP), ack = request(c, "POST", "/ui/leak/" LEAK_FP "/ack");
	struct ui_response r;

	put(c, evs, 1, now);
	sign_in(c, OPERATOR_TOKEN, cookie);
	session__csrf(&c->ui.key, cookie, csrf);
	page.cookie = cookie;

	handle(c, &page, &r);
	assert_int_equal(r.status, 200);
	assert_true(body_has(&r, "<th>Acknowledged</th><td><span class=\"open-door\">not yet"));
	assert_true(body_has(&r, "action=\"/ui/leak/" LEAK_FP "/ack\""));
	assert_true(body_has(&r, csrf));
	ui__response_free(&r);

	snprintf(body, sizeof(body), "csrf=%s", csrf);
	with_body(&ack, body);
	ack.cookie = cookie;
	ack.sec_fetch_site = "same-origin";
	handle(c, &ack, &r);
	assert_int_equal(r.status, 303);
	assert_string_equal(r.location, "/ui/leak/" LEAK_FP);
	ui__response_free(&r);

	handle(c, &page, &r);
	assert_int_equal(r.status, 200);
	assert_true(body_has(&r, "<th>Acknowledged</th><td>by alice "));
	assert_false(body_has(&r, "id=\"acknowledge\""));
	ui__response_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_text_escapes),
		cmocka_unit_test(test_html_url_part),
		cmocka_unit_test(test_url_segment_between),
		cmocka_unit_test(test_html_url_decode),
		cmocka_unit_test(test_html_time_age_bytes),
		cmocka_unit_test(test_form_fields),
		cmocka_unit_test(test_form_respects_len),
		cmocka_unit_test(test_form_names_match_whole),
		cmocka_unit_test(test_form_refuses),
		cmocka_unit_test_setup_teardown(test_session_issue_and_verify, sess_setup, sess_teardown),
		cmocka_unit_test_setup_teardown(test_session_key_file, sess_setup, sess_teardown),
		cmocka_unit_test_setup_teardown(test_session_expires, sess_setup, sess_teardown),
		cmocka_unit_test_setup_teardown(test_session_tampered, sess_setup, sess_teardown),
		cmocka_unit_test_setup_teardown(test_session_ends_with_its_credential, sess_setup, sess_teardown),
		cmocka_unit_test_setup_teardown(test_session_needs_the_operator_role, sess_setup, sess_teardown),
		cmocka_unit_test_setup_teardown(test_session_malformed, sess_setup, sess_teardown),
		cmocka_unit_test_setup_teardown(test_csrf, sess_setup, sess_teardown),
		cmocka_unit_test(test_session_revoked_list),
		cmocka_unit_test_setup_teardown(test_ui_anonymous_is_sent_to_sign_in, ui_setup, ui_teardown),
		cmocka_unit_test_setup_teardown(test_ui_sign_in_redirect_is_never_cut, ui_setup, ui_teardown),
		cmocka_unit_test_setup_teardown(test_ui_bearer_tokens, ui_setup, ui_teardown),
		cmocka_unit_test_setup_teardown(test_ui_assets_need_no_sign_in, ui_setup, ui_teardown),
		cmocka_unit_test_setup_teardown(test_ui_login_refuses_ingest_and_unknown_tokens, ui_setup,
						ui_teardown),
		cmocka_unit_test_setup_teardown(test_ui_login_sets_the_session_cookie, ui_setup, ui_teardown),
		cmocka_unit_test_setup_teardown(test_ui_session_opens_the_pages, ui_setup, ui_teardown),
		cmocka_unit_test_setup_teardown(test_ui_ack_checks_csrf_and_origin, ui_setup, ui_teardown),
		cmocka_unit_test_setup_teardown(test_ui_login_from_another_origin, ui_setup, ui_teardown),
		cmocka_unit_test_setup_teardown(test_ui_login_next_stays_here, ui_setup, ui_teardown),
		cmocka_unit_test_setup_teardown(test_ui_login_form, ui_setup, ui_teardown),
		cmocka_unit_test_setup_teardown(test_ui_logout, ui_setup, ui_teardown),
		cmocka_unit_test_setup_teardown(test_ui_logout_on_every_collector, ui_setup, ui_teardown),
		cmocka_unit_test_setup_teardown(test_ui_pages_escape_what_agents_send, ui_setup, ui_teardown),
		cmocka_unit_test_setup_teardown(test_ui_ack_a_stored_leak, ui_setup, ui_teardown),
	};

	return cmocka_run_group_tests_name("ui", tests, NULL, NULL);
}
