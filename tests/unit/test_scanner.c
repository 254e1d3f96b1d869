// SPDX-License-Identifier: Apache-2.0
/*
 * scanner: the engine over the built-in rules (each rule's own cases are
 * test_rules.c's): look-alikes stay quiet; streams find a secret split
 * at any point, once; JSON-escaped and URL-encoded secrets are found; user
 * rules load from the config. Tokens are generated (checksums computed),
 * never pasted. On failure only rule ids and redacted forms are printed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "b64.h"
#include "settings/config.h"
#include "rules/rules.h"
#include "detect/scanner.h"
#include "leaks/secret.h"
#include "rules/validate.h"

#define B62 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define B64URL B62 "-_"
#define B64 B62 "+/"
#define HEX "0123456789abcdef"
#define UPNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define DIGITS "0123456789"

static struct scanner *sc;

/* ---- generated material ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void rnd(char *out, const char *alpha, size_t n)
{
	size_t a = strlen(alpha);

	for (size_t i = 0; i < n; i++)
		out[i] = alpha[next() % a];
	out[n] = '\0';
}

/* Strings live in a ring of buffers: enough for the few a case uses. */
static char *buf(void)
{
	static char ring[24][16384];
	static int k;

	return ring[k++ % 24];
}

/* prefix, n random characters of alpha, suffix */
static const char *mk(const char *prefix, const char *alpha, size_t n, const char *suffix)
{
	char *b = buf();
	size_t p = strlen(prefix);

	memcpy(b, prefix, p);
	rnd(b + p, alpha, n);
	strcpy(b + p + n, suffix);
	return b;
}

static const char *fmt(const char *f, ...)
{
	char *b = buf();
	va_list ap;

	va_start(ap, f);
	vsnprintf(b, 16384, f, ap);
	va_end(ap);
	return b;
}

static const char *crc_token(const char *prefix, bool good)
{
	char *b = (char *)mk(prefix, B62, 30, "");
	size_t p = strlen(prefix);

	validate__crc_base62((uint32_t)crc32(0L, (const Bytef *)b + p, 30), b + p + 30);
	b[p + 36] = '\0';
	if (!good)
		b[p + 35] = b[p + 35] == 'A' ? 'B' : 'A';
	return b;
}

static const char *b64enc(const uint8_t *in, size_t n, bool url)
{
	char *out = buf();

	b64(in, n, url, out);
	return out;
}

static const char *b64s(const char *s, bool url)
{
	return b64enc((const uint8_t *)s, strlen(s), url);
}

static const char *jwt(const char *header)
{
	return fmt("%s.%s.%s", b64s(header, true), b64s("{\"sub\":\"4815162342\",\"iat\":1764000000}", true),
		   mk("", B64URL, 43, ""));
}

/* A PEM block: BEGIN line, 64-column base64 of nbytes random bytes, END line. */
static const char *pem_raw(const char *label, const uint8_t *raw, size_t n, const char *sep, const char *headers)
{
	const char *body = b64enc(raw, n, false);
	char *b = buf();
	size_t len = strlen(body);

	snprintf(b, 16384, "-----BEGIN %s-----%s%s", label, sep, headers);
	for (size_t i = 0; i < len; i += 64) {
		strncat(b, body + i, len - i < 64 ? len - i : 64);
		strcat(b, sep);
	}
	strcat(b, "-----END ");
	strcat(b, label);
	strcat(b, "-----");
	return b;
}

static const char *pem(const char *label, const char *sep)
{
	uint8_t raw[600];

	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)next();
	return pem_raw(label, raw, sizeof(raw), sep, "");
}

static const char *openssh(const char *cipher)
{
	uint8_t raw[400];
	size_t n = 0, cl = strlen(cipher);

	memcpy(raw, "openssh-key-v1", 15);
	n = 15;
	raw[n++] = 0, raw[n++] = 0, raw[n++] = 0, raw[n++] = (uint8_t)cl;
	memcpy(raw + n, cipher, cl);
	n += cl;
	while (n < sizeof(raw))
		raw[n++] = (uint8_t)next();
	return pem_raw("OPENSSH PRIVATE KEY", raw, sizeof(raw), "\n", "");
}

/* ---- scanning and expectations ---- */

#define MAX_FOUND 16

struct got {
	size_t n;
	struct {
		const char *rule;
		uint64_t start, end;
		char *secret;
		size_t len;
	} f[MAX_FOUND];
};

static int collect(void *ctx, const struct lw_scan_match *m)
{
	struct got *g = ctx;

	if (g->n < MAX_FOUND) {
		g->f[g->n].rule = m->rule->id;
		g->f[g->n].start = m->start;
		g->f[g->n].end = m->end;
		g->f[g->n].secret = malloc(m->secret_len + 1);
		memcpy(g->f[g->n].secret, m->secret, m->secret_len);
		g->f[g->n].len = m->secret_len;
	}
	g->n++;
	return 0;
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n && i < MAX_FOUND; i++)
		free(g->f[i].secret);
	g->n = 0;
}

/* What a failure may show: rules, offsets and redacted forms. */
static void show(const char *name, const char *why, const struct got *g)
{
	print_error("case \"%s\": %s; got %zu finding(s)\n", name, why, g->n);
	for (size_t i = 0; i < g->n && i < MAX_FOUND; i++) {
		char red[LW_REDACTED_MAX];

		secret__redact(g->f[i].secret, g->f[i].len, red);
		print_error("  %s [%llu, %llu) %s\n", g->f[i].rule, (unsigned long long)g->f[i].start,
			    (unsigned long long)g->f[i].end, red);
	}
}

/* One finding of rule whose bytes are secret at [start, end) of text. */
static void expect_at(const char *name, const char *text, const char *rule, const char *secret, uint64_t start,
		      uint64_t end)
{
	struct got g = { 0 };

	assert_int_equal(scanner__scan(sc, text, strlen(text), collect, &g), 0);
	if (g.n != 1 || strcmp(g.f[0].rule, rule)) {
		show(name, fmt("wanted one %s", rule), &g);
		got_free(&g);
		fail();
	}
	if (g.f[0].len != strlen(secret) || memcmp(g.f[0].secret, secret, g.f[0].len)) {
		show(name, "the reported bytes are not the secret", &g);
		got_free(&g);
		fail();
	}
	if (g.f[0].start != start || g.f[0].end != end) {
		show(name, fmt("wanted offsets [%llu, %llu)", (unsigned long long)start, (unsigned long long)end), &g);
		got_free(&g);
		fail();
	}
	got_free(&g);
}

/* secret appears verbatim in text. */
static void expect_found(const char *name, const char *text, const char *rule, const char *secret)
{
	const char *at = strstr(text, secret);

	assert_non_null(at);
	expect_at(name, text, rule, secret, (uint64_t)(at - text), (uint64_t)(at - text) + strlen(secret));
}

/* the line is fmt with %s replaced by secret */
static void tp(const char *rule, const char *f, const char *secret)
{
	expect_found(fmt("%s: %s", rule, f), fmt(f, secret), rule, secret);
}

static void expect_none(const char *name, const char *text)
{
	struct got g = { 0 };

	assert_int_equal(scanner__scan(sc, text, strlen(text), collect, &g), 0);
	if (g.n) {
		show(name, "wanted nothing", &g);
		got_free(&g);
		fail();
	}
}

static void fp(const char *name, const char *f, const char *s)
{
	expect_none(name, fmt(f, s));
}

/* ---- setup ---- */

static int setup(void **state)
{
	char err[256];

	(void)state;
	return scanner__new(NULL, 0, &sc, err, sizeof(err));
}

static int teardown(void **state)
{
	(void)state;
	scanner__free(sc);
	return 0;
}

/* ---- rules ---- */

static void test_table(void **state)
{
	size_t n = scanner__rule_count(sc);

	(void)state;
	assert_true(rules__count() >= 45);
	assert_int_equal(n, rules__count());
	for (size_t i = 0; i < n; i++) {
		const struct lw_rule_info *r = scanner__rule(sc, i);

		assert_non_null(r);
		assert_true(r->id && r->id[0] && r->family && r->family[0] && r->description && r->description[0]);
		assert_true(r->severity >= LW_SEV_LOW && r->severity <= LW_SEV_CRITICAL);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(r->id, scanner__rule(sc, j)->id);
	}
	assert_null(scanner__rule(sc, n));
}

static void test_private_keys(void **state)
{
	static const struct {
		const char *label, *rule;
	} kinds[] = {
		{ "RSA PRIVATE KEY", "private-key-rsa" },
		{ "EC PRIVATE KEY", "private-key-ec" },
		{ "DSA PRIVATE KEY", "private-key-dsa" },
		{ "PRIVATE KEY", "private-key-pkcs8" },
		{ "ENCRYPTED PRIVATE KEY", "private-key-encrypted" },
		{ "PGP PRIVATE KEY BLOCK", "private-key-pgp" },
	};
	uint8_t raw[300];
	const char *k, *putty;

	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		k = pem(kinds[i].label, "\n");
		expect_found(kinds[i].rule, fmt("loaded key:\n%s\nnext line\n", k), kinds[i].rule, k);
		/* JSON-escaped, on one line */
		k = pem(kinds[i].label, "\\n");
		expect_found(fmt("%s escaped", kinds[i].rule), fmt("{\"key\": \"%s\\n\"}", k), kinds[i].rule, k);
	}
	k = openssh("none");
	expect_found("private-key-openssh", fmt("%s\n", k), "private-key-openssh", k);
	k = openssh("aes256-ctr");
	expect_found("openssh, ciphered", fmt("%s\n", k), "private-key-encrypted", k);
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)next();
	k = pem_raw("RSA PRIVATE KEY", raw, sizeof(raw), "\n", "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF00FF00FF00FF00FF00FF00FF00FF\n\n");
	expect_found("rsa with Proc-Type ENCRYPTED", fmt("%s\n", k), "private-key-encrypted", k);
	putty = fmt("PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: rsa-key\nPublic-Lines: 2\n%s\n%s\n"
		    "Private-Lines: 2\n%s\n%s\nPrivate-MAC: %s",
		    mk("", B64, 64, ""), mk("", B64, 20, ""), mk("", B64, 64, ""), mk("", B64, 30, ""),
		    mk("", HEX, 40, ""));
	expect_found("private-key-putty", fmt("%s\n", putty), "private-key-putty", putty);
	/* the BEGIN line alone, at the end of what there is: reported */
	expect_found("BEGIN line at the end", "-----BEGIN RSA PRIVATE KEY-----", "private-key-rsa",
		     "-----BEGIN RSA PRIVATE KEY-----");
	fp("private key: redacted body", "%s", "-----BEGIN RSA PRIVATE KEY-----\n<redacted>\n-----END RSA PRIVATE KEY-----\n");
	fp("private key: elided body", "%s", "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n");
	fp("private key: empty body", "%s", "-----BEGIN EC PRIVATE KEY-----\n-----END EC PRIVATE KEY-----\n");
	fp("public key", "%s", pem("PUBLIC KEY", "\n"));
	fp("certificate", "%s", pem("CERTIFICATE", "\n"));
	fp("ssh public key", "ssh-ed25519 %s deploy@ci", mk("AAAAC3NzaC1lZDI1NTE5AAAAI", B64, 43, ""));
}

static void test_jwt(void **state)
{
	(void)state;
	tp("jwt", "Authorization: Bearer %s", jwt("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"));
	tp("jwt", "set-cookie: session=%s; Path=/", jwt("{\"typ\": \"JWT\", \"alg\": \"RS256\"}"));
	fp("jwt: header without alg", "token %s", jwt("{\"typ\":\"JWT\"}"));
	fp("jwt: random segments", "%s", mk("eyJ", B64URL, 20, fmt(".eyJ%s.%s", mk("", B64URL, 30, ""), mk("", B64URL, 43, ""))));
	fp("jwt: jwt.io sample", "%s",
	   "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
}

static void test_uris_and_headers(void **state)
{
	const char *pw = mk("", B62, 16, "");
	const char *creds = fmt("svc-deploy:%s", mk("", B62, 14, ""));

	(void)state;
	tp("database-uri-password", "connecting to postgres://app:%s@db-0.internal:5432/orders", pw);
	tp("database-uri-password", "mongo uri mongodb+srv://svc:%s@cluster0.abcde.mongodb.net/prod", pw);
	tp("database-uri-password", "redis url redis://:%s@cache:6379/0", pw);
	tp("database-uri-password", "DATABASE_URL=mysql://root:%s@10.0.3.7:3306/shop", pw);
	tp("database-uri-password", "broker amqps://guest2:%s@mq:5671/", pw);
	tp("database-uri-password", "engine postgresql+psycopg2://u:%s@h/db", pw);
	fp("db-uri: placeholder", "%s", "postgres://user:password@localhost/db");
	fp("db-uri: password is the user", "%s", "postgres://postgres:postgres@localhost:5432/test");
	fp("db-uri: variable", "%s", "postgres://app:${DB_PASSWORD}@db/app");
	fp("db-uri: no password", "%s", "postgres://db-0.internal:5432/orders?sslmode=require");
	tp("url-credentials", "pushing to https://deploy:%s@git.example.com/acme/x.git", pw);
	fp("url-credentials: port, no userinfo", "%s", "GET http://10.0.0.1:8080/health 200");
	tp("http-bearer-token", "> Authorization: Bearer %s", mk("", B62 "-._", 59, "Z"));
	tp("http-bearer-token", "curl -H 'Authorization: Bearer %s' https://api.internal/v1/x", mk("", B62, 40, ""));
	tp("http-bearer-token", "headers=map[Authorization:[Bearer %s]]", mk("", B62, 40, ""));
	fp("bearer: undefined", "%s", "Authorization: Bearer undefined");
	fp("bearer: redacted", "%s", "Authorization: Bearer <redacted>");
	fp("bearer: variable", "%s", "curl -H \"Authorization: Bearer $TOKEN\" https://x");
	fp("bearer: token type", "%s", "{\"token_type\": \"Bearer\", \"expires_in\": 3600}");
	tp("http-basic-auth", "request headers: Authorization: Basic %s", b64s(creds, false));
	fp("basic: no colon", "Authorization: Basic %s", b64s("justausername", false));
}

static void test_generic(void **state)
{
	const char *pw = mk("", B62 "!#%^*", 16, "");

	(void)state;
	tp("generic-password", "password=%s", mk("", B62, 16, ""));
	tp("generic-password", "{\"user\":\"admin\",\"password\":\"%s\"}", pw);
	tp("generic-password", "db password=\"%s\"", mk("", B62, 16, ""));
	tp("generic-password", "DB_PASS: %s", mk("", B62, 16, ""));
	tp("generic-password", "PGPASSWORD='%s' psql -h db", mk("", B62, 16, ""));
	tp("cli-password", "mysql --password=%s -h db", mk("", B62, 16, ""));
	tp("generic-password", "{\\\"password\\\":\\\"%s\\\"}", mk("", B62, 16, ""));
	tp("generic-password", "Server=db;Database=app;User Id=sa;Password=%s;", mk("", B62, 16, ""));
	fp("generic-password: a phrase with blanks", "password: \"%s\"", "correct Horse 42 battery");
	fp("generic-password: variable", "%s", "password=${DB_PASSWORD}");
	fp("generic-password: template", "%s", "password: {{ .Values.db.password }}");
	fp("generic-password: mask", "%s", "password=********");
	fp("generic-password: prose", "%s", "password: must be at least eight characters");
	fp("generic-password: a word", "%s", "password=incorrect");
	fp("generic-password: bypass", "%s", "bypass=Abc123Def456");
	fp("generic-password: reset flag", "%s", "password_reset=true user=bob");
	tp("generic-secret", "api_key=%s", mk("", B62, 24, ""));
	tp("generic-secret", "\"client_secret\": \"%s\"", mk("", B62, 32, ""));
	tp("generic-secret", "SECRET_KEY=%s", mk("django-insecure-", B62, 40, ""));
	fp("generic-secret: null", "%s", "token=null");
	fp("generic-secret: boolean", "%s", "secret: true");
	fp("generic-secret: docs", "%s", "api_key=YOUR_API_KEY_HERE");
	fp("generic-secret: counts", "%s", "tokens=6596 max_tokens=4096 token_type=bearer prompt_tokens=12");
	fp("generic-secret: uuid", "token=%s", "550e8400-e29b-41d4-a716-446655440000");
	fp("generic-secret: a path", "%s", "secret=kubernetes.io/service-account-token");
	fp("generic-secret: a name", "%s", "secret_name=db-credentials namespace=prod");
	fp("generic-secret: sentence", "%s", "the token has expired for user bob");
}

/* The strings that look like secrets to simpler tools. */
static void test_lookalikes(void **state)
{
	uint8_t raw[240];

	(void)state;
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)next();
	fp("uuid", "request_id=%s", "f4666287-ae27-4358-a64d-4ab25ba9af0a");
	fp("sha1 commit", "commit %s merged into main", mk("", HEX, 40, ""));
	fp("sha256", "sha256=%s", mk("", HEX, 64, ""));
	fp("md5", "etag=\"%s\"", mk("", HEX, 32, ""));
	fp("sri integrity", "\"integrity\": \"sha512-%s\"", b64enc(raw, 64, false));
	fp("docker digest", "pulled image registry.k8s.io/pause@sha256:%s", mk("", HEX, 64, ""));
	fp("traceparent", "traceparent: 00-%s-01", fmt("%s-%s", mk("", HEX, 32, ""), mk("", HEX, 16, "")));
	fp("b3", "x-b3-traceid: %s", fmt("%s x-b3-spanid: %s", mk("", HEX, 32, ""), mk("", HEX, 16, "")));
	fp("data uri", "thumbnail data:image/png;base64,%s", b64enc(raw, sizeof(raw), false));
	fp("go.sum", "go: downloading golang.org/x/net v0.17.0 h1:%s", b64enc(raw, 32, false));
	fp("publishable stripe key", "stripe publishable key %s loaded for checkout page", mk("pk_live_", B62, 24, ""));
	fp("sk-learn", "%s", "pip install scikit-learn (sk-learn) 1.4 && sk-learn-extras");
	fp("aws docs pair", "%s", "aws example key AKIAIOSFODNN7EXAMPLE secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY from docs");
	fp("openai org id", "openai org=%s model=gpt-4o", mk("org-", B62, 24, ""));
	fp("session key id", "session_key_id=%s rotated", mk("key_", HEX, 24, ""));
	fp("kubernetes pod", "pod %s Running", mk("web-", "abcdefghijklmnopqrstuvwxyz0123456789", 10, "-3cj3j"));
}

/* ---- encodings ---- */

/* every '/' as JSON writes it when asked to: \/ */
static const char *esc_slashes(const char *in)
{
	char *out = buf(), *o = out;

	for (; *in; in++) {
		if (*in == '/')
			*o++ = '\\';
		*o++ = *in;
	}
	*o = '\0';
	return out;
}

static void test_json_escaped(void **state)
{
	const char *url = fmt("https://hooks.slack.com/services/T%s/B%s/%s", mk("", UPNUM, 8, ""),
			      mk("", UPNUM, 10, ""), mk("", B62, 24, ""));
	const char *key = fmt("%s/%s+%s", mk("", B62, 13, ""), mk("", B62, 13, ""), mk("", B62, 12, ""));
	const char *ghp = crc_token("ghp_", true);
	const char *esc = esc_slashes(url), *text, *at;

	(void)state;
	text = fmt("{\"channel\":\"ops\",\"webhook\":\"%s\"}", esc);
	at = strstr(text, "https:");
	expect_at("slack webhook, JSON-escaped", text, "slack-webhook-url", url, (uint64_t)(at - text),
		  (uint64_t)(at - text) + strlen(esc));
	text = fmt("{\"aws_secret_access_key\":\"%s\"}", esc_slashes(key));
	expect_at("aws secret, JSON-escaped", text, "aws-secret-access-key", key, 26, 26 + 41);
	/* a plain token on a line that has escapes elsewhere: found once */
	text = fmt("{\"key\":\"%s\",\"other\":\"a\\/b\"}", ghp);
	expect_found("plain token on an escaped line", text, "github-pat", ghp);
}

static void test_url_encoded(void **state)
{
	const char *key = fmt("%s/%s+%s", mk("", B62, 13, ""), mk("", B62, 13, ""), mk("", B62, 12, ""));
	const char *az = fmt("%s7Q~%s", mk("", B62, 3, ""), mk("", B62, 34, ""));
	const char *text;

	(void)state;
	text = fmt("GET /callback?aws_secret_access_key=%.13s%%2F%.13s%%2B%s&x=1 HTTP/1.1", key, key + 14, key + 28);
	expect_at("aws secret, URL-encoded", text, "aws-secret-access-key", key, 36, 36 + 44);
	text = fmt("POST /token body=client_id%%3Dabc%%26secret%%3D%.5s%%7E%s", az, az + 6);
	{
		const char *at = strstr(text, "secret%3D") + 9;

		expect_at("azure ad secret, URL-encoded", text, "azure-ad-client-secret", az, (uint64_t)(at - text),
			  (uint64_t)(at - text) + strlen(az) + 2);
	}
	text = fmt("next=https%%3A%%2F%%2Fhooks.slack.com%%2Fservices%%2FT%s%%2FB%s%%2F%s done", mk("", UPNUM, 8, ""),
		   mk("", UPNUM, 10, ""), mk("", B62, 24, ""));
	{
		struct got g = { 0 };

		assert_int_equal(scanner__scan(sc, text, strlen(text), collect, &g), 0);
		if (g.n != 1 || strcmp(g.f[0].rule, "slack-webhook-url") || g.f[0].start != 5 ||
		    memcmp(g.f[0].secret, "https://hooks.slack.com/services/T", 34)) {
			show("slack webhook, URL-encoded", "wanted one slack-webhook-url at 5", &g);
			got_free(&g);
			fail();
		}
		got_free(&g);
	}
}

/* ---- streams ---- */

static void feed_split(const char *text, size_t len, size_t cut, size_t cut2, struct got *g)
{
	struct scanner_stream *st;

	assert_int_equal(scanner__stream_open(sc, &st), 0);
	assert_int_equal(scanner__stream_feed(st, text, cut, collect, g), 0);
	assert_int_equal(scanner__stream_feed(st, text + cut, cut2 - cut, collect, g), 0);
	assert_int_equal(scanner__stream_feed(st, text + cut2, len - cut2, collect, g), 0);
	assert_int_equal(scanner__stream_offset(st), len);
	assert_int_equal(scanner__stream_flush(st, collect, g), 0);
	scanner__stream_close(st);
}

/* Split at every point (and every pair of points for short texts): one finding, same offsets, same bytes. */
static void split_everywhere(const char *name, const char *text, const char *rule, const char *secret,
			     bool pairs)
{
	size_t len = strlen(text);
	const char *at = strstr(text, secret);
	uint64_t start = (uint64_t)(at - text), end = start + strlen(secret);

	assert_non_null(at);
	for (size_t cut = 0; cut <= len; cut++) {
		for (size_t cut2 = cut; cut2 <= (pairs ? len : cut); cut2 += pairs ? 7 : 1) {
			struct got g = { 0 };

			feed_split(text, len, cut, cut2, &g);
			if (g.n != 1 || strcmp(g.f[0].rule, rule) || g.f[0].start != start || g.f[0].end != end ||
			    g.f[0].len != strlen(secret) || memcmp(g.f[0].secret, secret, g.f[0].len)) {
				show(fmt("%s split at %zu and %zu", name, cut, cut2),
				     fmt("wanted one %s at [%llu, %llu)", rule, (unsigned long long)start,
					 (unsigned long long)end),
				     &g);
				got_free(&g);
				fail();
			}
			got_free(&g);
		}
	}
}

static void test_stream_splits(void **state)
{
	const char *ghp = crc_token("ghp_", true), *key = mk("", B64, 40, ""), *pw = mk("", B62, 16, "");
	const char *j = jwt("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
	const char *url = fmt("https://hooks.slack.com/services/T%s/B%s/%s", mk("", UPNUM, 8, ""), mk("", UPNUM, 10, ""),
			      mk("", B62, 24, ""));
	const char *k = pem("RSA PRIVATE KEY", "\n");

	(void)state;
	split_everywhere("github", fmt("noise line\nexport GITHUB_TOKEN=%s done\nmore\n", ghp), "github-pat", ghp, true);
	split_everywhere("aws context", fmt("x\naws_secret_access_key = %s\n", key), "aws-secret-access-key", key, true);
	split_everywhere("password in JSON", fmt("{\"user\":\"a\",\"password\":\"%s\"}\n", pw), "generic-password", pw,
			 true);
	split_everywhere("jwt", fmt("Authorization: Bearer %s\n", j), "jwt", j, false);
	split_everywhere("webhook", fmt("posting alert to %s now\n", url), "slack-webhook-url", url, false);
	split_everywhere("pem", fmt("key:\n%s\nafter\n", k), "private-key-rsa", k, false);
	/* the token is the last thing in the stream: reported at flush */
	split_everywhere("token at the very end", fmt("GITHUB_TOKEN=%s", ghp), "github-pat", ghp, false);
	split_everywhere("escaped, split", fmt("{\"k\":\"https:\\/\\/x\",\"t\":\"%s\"}\n", ghp), "github-pat", ghp, false);
}

static void test_stream_bytewise_and_offsets(void **state)
{
	const char *ghp = crc_token("ghp_", true), *npm = crc_token("npm_", true);
	const char *text = fmt("a=1\nGITHUB_TOKEN=%s\nNPM_TOKEN=%s\nsecret: true\n", ghp, npm);
	struct scanner_stream *st;
	struct got g = { 0 }, whole = { 0 };
	char pad[5000];

	(void)state;
	assert_int_equal(scanner__scan(sc, text, strlen(text), collect, &whole), 0);
	assert_int_equal(whole.n, 2);
	assert_int_equal(scanner__stream_open(sc, &st), 0);
	/* a first feed moves every offset */
	memset(pad, 'x', sizeof(pad));
	pad[sizeof(pad) - 1] = '\n';
	assert_int_equal(scanner__stream_feed(st, pad, sizeof(pad), collect, &g), 0);
	for (size_t i = 0; text[i]; i++)
		assert_int_equal(scanner__stream_feed(st, text + i, 1, collect, &g), 0);
	assert_int_equal(scanner__stream_flush(st, collect, &g), 0);
	scanner__stream_close(st);
	assert_int_equal(g.n, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(g.f[i].start, whole.f[i].start + sizeof(pad));
		assert_int_equal(g.f[i].end, whole.f[i].end + sizeof(pad));
		assert_string_equal(g.f[i].rule, whole.f[i].rule);
		assert_true(g.f[i].len == whole.f[i].len && !memcmp(g.f[i].secret, whole.f[i].secret, g.f[i].len));
	}
	got_free(&g);
	got_free(&whole);
}

static void test_long_lines_and_binary(void **state)
{
	size_t n = 3u << 20;
	char *big = malloc(n + 1);
	const char *ghp = crc_token("ghp_", true);
	struct scanner_stream *st;
	struct got g = { 0 };

	(void)state;
	assert_non_null(big);
	/* a 3 MiB line, a token in the middle and at the end */
	memset(big, 'a', n);
	memcpy(big + n / 2, " tok=", 5);
	memcpy(big + n / 2 + 5, ghp, 40);
	big[n / 2 + 45] = ' ';
	memcpy(big + n - 41, " ", 1);
	memcpy(big + n - 40, ghp, 40);
	big[n] = '\0';
	assert_int_equal(scanner__scan(sc, big, n, collect, &g), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.f[0].start, n / 2 + 5);
	assert_int_equal(g.f[1].start, n - 40);
	got_free(&g);
	/* random bytes, NULs included, fed in odd sizes: no crash; planted tokens found */
	for (size_t i = 0; i < n; i++)
		big[i] = (char)next();
	for (size_t k = 1; k < 8; k++) {
		size_t at = k * (n / 8);

		big[at - 1] = '\n';
		memcpy(big + at, ghp, 40);
		big[at + 40] = '\n';
	}
	assert_int_equal(scanner__stream_open(sc, &st), 0);
	for (size_t off = 0; off < n;) {
		size_t len = 1 + next() % 9000;

		if (len > n - off)
			len = n - off;
		assert_int_equal(scanner__stream_feed(st, big + off, len, collect, &g), 0);
		off += len;
	}
	assert_int_equal(scanner__stream_flush(st, collect, &g), 0);
	scanner__stream_close(st);
	assert_true(g.n >= 7);
	got_free(&g);
	free(big);
	assert_true(scanner__stream_mem_bound(sc) < 64 * 1024);
}

static int stop_at_first(void *ctx, const struct lw_scan_match *m)
{
	(void)m;
	(*(int *)ctx)++;
	return 1;
}

static void test_callback_stops(void **state)
{
	const char *text = fmt("a=%s\nb=%s\n", crc_token("ghp_", true), crc_token("npm_", true));
	int calls = 0;

	(void)state;
	assert_int_equal(scanner__scan(sc, text, strlen(text), stop_at_first, &calls), 1);
	assert_int_equal(calls, 1);
}

/* A stream's callback that scans a command line, as the agent does to scrub the writer's. */
struct nested {
	struct got outer, inner;
	const char *cmdline;
};

static int scan_inside(void *ctx, const struct lw_scan_match *m)
{
	struct nested *n = ctx;

	assert_int_equal(scanner__scan(sc, n->cmdline, strlen(n->cmdline), collect, &n->inner), 0);
	return collect(&n->outer, m);
}

static void test_scan_inside_stream_callback(void **state)
{
	const char *ghp = crc_token("ghp_", true), *npm = crc_token("npm_", true), *last = crc_token("ghp_", true);
	const char *pw = mk("", B62, 16, "");
	const char *text = fmt("GITHUB_TOKEN=%s\nNPM_TOKEN=%s\nTOKEN=%s", ghp, npm, last);
	struct nested n = { .cmdline = fmt("mysql -h db --password=%s", pw) };
	struct scanner_stream *st;

	(void)state;
	/* three findings in one feed, the last one waiting for the next byte:
	 * none is lost to the scans made from the callback */
	assert_int_equal(scanner__stream_open(sc, &st), 0);
	assert_int_equal(scanner__stream_feed(st, text, strlen(text), scan_inside, &n), 0);
	assert_int_equal(n.outer.n, 2);
	assert_int_equal(scanner__stream_feed(st, "\n", 1, scan_inside, &n), 0);
	assert_int_equal(scanner__stream_flush(st, scan_inside, &n), 0);
	scanner__stream_close(st);
	assert_int_equal(n.outer.n, 3);
	assert_true(n.outer.f[0].len == 40 && !memcmp(n.outer.f[0].secret, ghp, 40));
	assert_true(n.outer.f[1].len == 40 && !memcmp(n.outer.f[1].secret, npm, 40));
	assert_true(n.outer.f[2].len == 40 && !memcmp(n.outer.f[2].secret, last, 40));
	/* and each inner scan found the command line's own password */
	assert_int_equal(n.inner.n, 3);
	for (size_t i = 0; i < n.inner.n; i++)
		assert_true(n.inner.f[i].len == 16 && !memcmp(n.inner.f[i].secret, pw, 16));
	got_free(&n.outer);
	got_free(&n.inner);
}

/* ---- user rules ---- */

static int count_rule(void *ctx, const struct lw_scan_match *m)
{
	if (!strcmp(m->rule->id, "acme-token") || !strcmp(m->rule->id, "acme-near"))
		(*(int *)ctx)++;
	return 0;
}

static void test_user_rules(void **state)
{
	struct lw_config cfg;
	struct scanner *us = NULL;
	char err[512];
	int n = 0;
	const char *tok = mk("acme_", B62, 32, "");
	const char *low = "acme_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab";

	(void)state;
	config__defaults(&cfg);
	assert_int_equal(config__load_string(&cfg,
					     "rules:\n"
					     "  - id: acme-token\n"
					     "    regex: 'acme_[A-Za-z0-9]{32}'\n"
					     "    severity: high\n"
					     "    min_entropy: 3.5\n"
					     "  - id: acme-near\n"
					     "    regex: 'ACME-[0-9]{8}'\n"
					     "    keywords: [acmecorp, billing]\n",
					     err, sizeof(err)),
			 0);
	assert_int_equal(cfg.n_user_rules, 2);
	assert_int_equal(cfg.user_rules[0].severity, LW_SEV_HIGH);
	assert_int_equal(cfg.user_rules[1].n_keywords, 2);
	assert_int_equal(scanner__new(cfg.user_rules, cfg.n_user_rules, &us, err, sizeof(err)), 0);
	assert_int_equal(scanner__rule_count(us), rules__count() + 2);
	assert_string_equal(scanner__rule(us, rules__count())->id, "acme-token");
	scanner__scan(us, fmt("key %s used\n", tok), strlen(tok) + 10, count_rule, &n);
	assert_int_equal(n, 1);
	n = 0;
	scanner__scan(us, fmt("key %s used\n", low), strlen(low) + 10, count_rule, &n);
	assert_int_equal(n, 0); /* under min_entropy */
	scanner__scan(us, "billing ref ACME-48151623\n", 26, count_rule, &n);
	assert_int_equal(n, 1);
	n = 0;
	scanner__scan(us, "other ref ACME-48151623\n", 24, count_rule, &n);
	assert_int_equal(n, 0); /* no keyword near */
	scanner__free(us);
	config__free(&cfg);

	/* a regex vectorscan rejects fails the load, naming the rule */
	config__defaults(&cfg);
	assert_int_not_equal(config__load_string(&cfg,
						 "rules:\n"
						 "  - id: fine\n"
						 "    regex: 'x[0-9]{4}'\n"
						 "  - id: broken\n"
						 "    regex: 'a(b'\n",
						 err, sizeof(err)),
			     0);
	assert_non_null(strstr(err, "rules[1].regex"));
	assert_int_not_equal(config__load_string(&cfg, "rules:\n  - id: github-pat\n    regex: 'x'\n", err, sizeof(err)), 0);
	assert_non_null(strstr(err, "rules[0].id"));
	assert_int_not_equal(config__load_string(&cfg, "rules:\n  - regex: 'x'\n", err, sizeof(err)), 0);
	assert_int_not_equal(config__load_string(&cfg, "rules:\n  - id: e\n    regex: 'x'\n    min_entropy: lots\n",
						 err, sizeof(err)), 0);
	assert_non_null(strstr(err, "rules[0].min_entropy"));
	config__free(&cfg);

	/* and scanner__new names it too, when handed one directly */
	{
		struct lw_user_rule bad[2] = {
			{ .id = "ok", .regex = "ok[0-9]+", .severity = LW_SEV_LOW },
			{ .id = "bad", .regex = "(", .severity = LW_SEV_LOW },
		};

		assert_int_not_equal(scanner__new(bad, 2, &us, err, sizeof(err)), 0);
		assert_non_null(strstr(err, "rules[1].regex"));
		assert_null(us);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_private_keys),
		cmocka_unit_test(test_jwt),
		cmocka_unit_test(test_uris_and_headers),
		cmocka_unit_test(test_generic),
		cmocka_unit_test(test_lookalikes),
		cmocka_unit_test(test_json_escaped),
		cmocka_unit_test(test_url_encoded),
		cmocka_unit_test(test_stream_splits),
		cmocka_unit_test(test_stream_bytewise_and_offsets),
		cmocka_unit_test(test_long_lines_and_binary),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_scan_inside_stream_callback),
		cmocka_unit_test(test_user_rules),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
