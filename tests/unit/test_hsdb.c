// SPDX-License-Identifier: Apache-2.0
/*
 * The built-in rules' database the build embeds: used when it is the one
 * the rule table compiles to, passed over (and the rules compiled) when it
 * is damaged, made by another vectorscan, for another CPU or from other
 * rules, and finding exactly what a freshly compiled database finds. The
 * corpus is every rule's true positives and near-misses (test_rules.c's
 * tables), built from templates at run time.
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

#include "detect/hsdb.h"
#include "detect/scanner.h"
#include "rules/rules.h"
#include "sample.h"
#include "tmpdir.h"

struct rcase {
	const char *rule;
	const char *text;
	const char *other;
};

#define TP(r, t) { r, t, NULL }
#define NM(r, t) { r, t, NULL }
#define NMO(r, o, t) { r, t, o }
#define UUID "{h:8}-{h:4}-{h:4}-{h:4}-{h:12}"
#define JWT_HS "{b64u:\\{\"alg\":\"HS256\",\"typ\":\"JWT\"\\}}.{b64u:\\{\"sub\":\"{d:10}\",\"iat\":{d:10}\\}}.{w:43}"
#define JWT_RS "{b64u:\\{\"alg\":\"RS256\",\"kid\":\"{h:16}\"\\}}.{b64u:\\{\"iss\":\"https://auth.acme.io\",\"exp\":{d:10}\\}}.{w:86}"

#include "cases_ai.h"
#include "cases_cloud.h"
#include "cases_dev.h"
#include "cases_shape.h"

/* where the serialised database starts, and fields of vectorscan's header in it */
#define HDR 40
#define VS_VERSION (HDR + 4)
#define VS_PLATFORM (HDR + 12)

static const void *blob;
static size_t blob_len;
static char *corpus;
static size_t corpus_len;

static void add_cases(const struct rcase *c, size_t n, struct sample *smp)
{
	for (size_t i = 0; i < n; i++) {
		sample_build(smp, c[i].text, 0x9e3779b97f4a7c15ull * (corpus_len + i + 1));
		if (smp->bad)
			continue;
		corpus = realloc(corpus, corpus_len + smp->n + 2);
		assert_non_null(corpus);
		memcpy(corpus + corpus_len, smp->buf, smp->n);
		corpus_len += smp->n;
		corpus[corpus_len++] = '\n';
	}
}

struct found {
	size_t n;
	struct {
		const char *rule;
		uint64_t start, end;
	} v[4096];
};

static int collect(void *ctx, const struct lw_scan_match *m)
{
	struct found *f = ctx;

	if (f->n < sizeof(f->v) / sizeof(f->v[0]))
		f->v[f->n++] = (typeof(f->v[0])){ m->rule->id, m->start, m->end };
	return 0;
}

/* Findings over the corpus, whole and as a stream fed 4 KiB at a time. */
static struct found *scan_all(struct scanner *s)
{
	struct found *f = calloc(1, sizeof(*f));
	struct scanner_stream *st;

	assert_non_null(f);
	assert_int_equal(scanner__scan(s, corpus, corpus_len, collect, f), 0);
	assert_int_equal(scanner__stream_open(s, &st), 0);
	for (size_t off = 0; off < corpus_len; off += 4096)
		assert_int_equal(scanner__stream_feed(st, corpus + off, corpus_len - off < 4096 ? corpus_len - off : 4096,
						      collect, f),
				 0);
	assert_int_equal(scanner__stream_flush(st, collect, f), 0);
	scanner__stream_close(st);
	return f;
}

static void assert_same(const struct found *a, const struct found *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_string_equal(a->v[i].rule, b->v[i].rule);
		assert_int_equal(a->v[i].start, b->v[i].start);
		assert_int_equal(a->v[i].end, b->v[i].end);
	}
}

static struct scanner *scanner_with(const struct scanner_opts *o, enum hsdb_source want)
{
	struct scanner *s;
	char err[256];

	assert_int_equal(scanner__new_opts(NULL, 0, o, &s, err, sizeof(err)), 0);
	assert_int_equal(scanner__db_source(s), want);
	return s;
}

/* The database in this binary is the rule table's, and finds what a fresh compile finds. */
static void test_builtin_is_the_rule_tables(void **state)
{
	struct scanner_opts fresh_o = { .no_builtin_db = true };
	struct scanner *built, *fresh, *plain;
	struct found *a, *b;
	char err[256];
	(void)state;

	if (!blob)
		skip(); /* a cross build without HSDB_WRAPPER embeds none */
	built = scanner_with(&(struct scanner_opts){ 0 }, HSDB_BUILTIN);
	fresh = scanner_with(&fresh_o, HSDB_COMPILED);
	/* scanner__new, the agent's, takes it too */
	assert_int_equal(scanner__new(NULL, 0, &plain, err, sizeof(err)), 0);
	assert_int_equal(scanner__db_source(plain), HSDB_BUILTIN);
	a = scan_all(built);
	b = scan_all(fresh);
	assert_true(a->n > 200);
	assert_same(a, b);
	free(a);
	free(b);
	scanner__free(built);
	scanner__free(fresh);
	scanner__free(plain);
}

/* Operator rules are compiled with the built-in ones: the built-in database does not fit. */
static void test_operator_rules_are_compiled(void **state)
{
	struct lw_user_rule rule = { .id = "acme-key", .regex = "acme_[a-z0-9]{24}", .severity = LW_SEV_HIGH };
	struct scanner_opts o = { .cache_dir = NULL };
	struct scanner *s;
	char err[256], dir[64];
	(void)state;

	assert_int_equal(scanner__new_opts(&rule, 1, &o, &s, err, sizeof(err)), 0);
	assert_int_equal(scanner__db_source(s), HSDB_COMPILED);
	scanner__free(s);
	/* and the cache still serves them */
	assert_int_equal(tmpdir__make(dir, sizeof(dir), "lw-hsdb"), 0);
	o.cache_dir = dir;
	assert_int_equal(scanner__new_opts(&rule, 1, &o, &s, err, sizeof(err)), 0);
	assert_int_equal(scanner__db_source(s), HSDB_COMPILED);
	scanner__free(s);
	assert_int_equal(scanner__new_opts(&rule, 1, &o, &s, err, sizeof(err)), 0);
	assert_int_equal(scanner__db_source(s), HSDB_CACHED);
	scanner__free(s);
	tmpdir__remove(dir);
}

/* A copy of the blob, changed by fn; the scanner must compile and find the same. */
static void damaged(void (*fn)(unsigned char *b, size_t *len), int want_rc, const char *want_why)
{
	unsigned char *copy = malloc(blob_len);
	size_t len = blob_len;
	struct scanner_opts o = { 0 };
	struct scanner *s, *fresh;
	struct found *a, *b;
	struct hsdb_patterns p;
	hs_database_t *db;
	const char *why = NULL;
	char err[256];

	assert_non_null(copy);
	memcpy(copy, blob, blob_len);
	fn(copy, &len);
	o.builtin_blob = copy;
	o.builtin_blob_len = len;
	s = scanner_with(&o, HSDB_COMPILED);
	assert_int_equal(scanner__new_opts(NULL, 0, &(struct scanner_opts){ .no_builtin_db = true }, &fresh, err,
					   sizeof(err)),
			 0);
	a = scan_all(s);
	b = scan_all(fresh);
	assert_same(a, b);
	free(a);
	free(b);
	scanner__free(s);
	scanner__free(fresh);
	/* and says why */
	assert_int_equal(scanner__builtin_patterns(&p), 0);
	assert_int_equal(hsdb__load_blob(copy, len, &p, &db, &why), want_rc);
	assert_null(db);
	assert_non_null(strstr(why, want_why));
	scanner__patterns_free(&p);
	free(copy);
}

static void bad_magic(unsigned char *b, size_t *len)
{
	(void)len;
	b[0] ^= 0x20;
}

static void other_rules(unsigned char *b, size_t *len)
{
	(void)len;
	b[8 + 5] ^= 1; /* the hash of the compile inputs */
}

static void torn(unsigned char *b, size_t *len)
{
	(void)b;
	*len = HDR + (*len - HDR) / 2;
}

static void flipped(unsigned char *b, size_t *len)
{
	b[HDR + (*len - HDR) / 2] ^= 0x5a; /* in the bytecode, under vectorscan's CRC */
}

static void other_version(unsigned char *b, size_t *len)
{
	(void)len;
	b[VS_VERSION + 1]++; /* the patch level */
}

static void other_cpu(unsigned char *b, size_t *len)
{
	(void)len;
	/* a platform no CPU of this architecture is: every "lacks" bit and more */
	memset(b + VS_PLATFORM, 0xff, 8);
}

static void test_damaged_or_foreign_falls_back(void **state)
{
	(void)state;
	if (!blob)
		skip();
	damaged(bad_magic, -EINVAL, "damaged");
	damaged(other_rules, -ESTALE, "other rules");
	damaged(torn, -EINVAL, "damaged");
	damaged(flipped, -EINVAL, "damaged");
	damaged(other_version, -EPROTO, "another vectorscan version");
	damaged(other_cpu, -ENOEXEC, "CPU features");
}

/* An intact copy passed in its place is used: the tests above test the copies, not the path. */
static void test_intact_copy_is_used(void **state)
{
	struct scanner_opts o = { 0 };
	unsigned char *copy;
	struct scanner *s;
	(void)state;

	if (!blob)
		skip();
	copy = malloc(blob_len);
	assert_non_null(copy);
	memcpy(copy, blob, blob_len);
	o.builtin_blob = copy;
	o.builtin_blob_len = blob_len;
	s = scanner_with(&o, HSDB_BUILTIN);
	scanner__free(s);
	free(copy);
}

static int setup(void **state)
{
	struct sample *smp = malloc(sizeof(*smp));
	(void)state;

	if (!smp)
		return -1;
	blob = hsdb__builtin_blob(&blob_len);
	add_cases(cases_dev, sizeof(cases_dev) / sizeof(cases_dev[0]), smp);
	add_cases(cases_ai, sizeof(cases_ai) / sizeof(cases_ai[0]), smp);
	add_cases(cases_cloud, sizeof(cases_cloud) / sizeof(cases_cloud[0]), smp);
	add_cases(cases_shape, sizeof(cases_shape) / sizeof(cases_shape[0]), smp);
	free(smp);
	return corpus_len ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(corpus);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_is_the_rule_tables),
		cmocka_unit_test(test_operator_rules_are_compiled),
		cmocka_unit_test(test_damaged_or_foreign_falls_back),
		cmocka_unit_test(test_intact_copy_is_used),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
