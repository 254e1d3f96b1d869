// SPDX-License-Identifier: Apache-2.0
/*
 * Every built-in rule, table-driven: each has at least three true
 * positives built from the vendor's documented format (checksums computed)
 * and three near-misses (wrong length, alphabet or checksum, placeholders,
 * look-alikes) that must stay quiet. A true positive is one finding of its
 * rule at the marked span, scanned whole and as a stream split in two. The
 * samples are templates (sample.h) built at run time; a failure prints the
 * template and redacted findings, never a secret.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"
#include "detect/scanner.h"
#include "leaks/secret.h"
#include "sample.h"

struct rcase {
	const char *rule;
	const char *text;  /* a template (sample.h); a true positive marks its finding */
	const char *other; /* a near-miss that another rule reports instead, or NULL */
};

#define TP(r, t) { r, t, NULL }
#define NM(r, t) { r, t, NULL }
#define NMO(r, o, t) { r, t, o }

/* shapes more than one table uses */
#define UUID "{h:8}-{h:4}-{h:4}-{h:4}-{h:12}"
#define JWT_HS "{b64u:\\{\"alg\":\"HS256\",\"typ\":\"JWT\"\\}}.{b64u:\\{\"sub\":\"{d:10}\",\"iat\":{d:10}\\}}.{w:43}"
#define JWT_RS "{b64u:\\{\"alg\":\"RS256\",\"kid\":\"{h:16}\"\\}}.{b64u:\\{\"iss\":\"https://auth.acme.io\",\"exp\":{d:10}\\}}.{w:86}"

#include "cases_ai.h"
#include "cases_cloud.h"
#include "cases_dev.h"
#include "cases_shape.h"

static const struct {
	const struct rcase *cases;
	size_t n;
} tables[] = {
#define T(x) { x, sizeof(x) / sizeof(x[0]) }
	T(cases_dev), T(cases_ai), T(cases_cloud), T(cases_shape),
#undef T
};

static struct scanner *sc;

#define MAX_FOUND 8

struct got {
	size_t n;
	struct {
		char rule[64];
		uint64_t start, end;
		char red[LW_REDACTED_MAX];
	} f[MAX_FOUND];
};

static int collect(void *ctx, const struct lw_scan_match *m)
{
	struct got *g = ctx;

	if (g->n < MAX_FOUND) {
		snprintf(g->f[g->n].rule, sizeof(g->f[g->n].rule), "%s", m->rule->id);
		g->f[g->n].start = m->start;
		g->f[g->n].end = m->end;
		secret__redact(m->secret, m->secret_len, g->f[g->n].red);
	}
	g->n++;
	return 0;
}

static bool is_tp(const struct rcase *c)
{
	return strstr(c->text, "{[}") != NULL;
}

static uint64_t seed_of(const struct rcase *c, size_t idx)
{
	uint64_t h = 1469598103934665603ULL;

	for (const char *p = c->rule; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h ^ ((idx + 1) * 0x9e3779b97f4a7c15ULL);
}

/* What a failure may show: the template, rules, offsets and redacted forms. */
static void show(const struct rcase *c, size_t idx, const char *why, const struct got *g)
{
	print_error("%s case %zu (%s): %s; %zu finding(s)\n  template: %s\n", c->rule, idx,
		    is_tp(c) ? "true positive" : "near-miss", why, g->n, c->text);
	for (size_t i = 0; i < g->n && i < MAX_FOUND; i++)
		print_error("  %s [%llu, %llu) %s\n", g->f[i].rule, (unsigned long long)g->f[i].start,
			    (unsigned long long)g->f[i].end, g->f[i].red);
}

static bool one_at(const struct got *g, const char *rule, long s, long e)
{
	return g->n == 1 && !strcmp(g->f[0].rule, rule) && (long)g->f[0].start == s && (long)g->f[0].end == e;
}

static void stream_in_two(const struct sample *smp, size_t cut, struct got *g)
{
	struct scanner_stream *st = NULL;

	assert_int_equal(scanner__stream_open(sc, &st), 0);
	assert_int_equal(scanner__stream_feed(st, smp->buf, cut, collect, g), 0);
	assert_int_equal(scanner__stream_feed(st, smp->buf + cut, smp->n - cut, collect, g), 0);
	assert_int_equal(scanner__stream_flush(st, collect, g), 0);
	scanner__stream_close(st);
}

static bool run_case(const struct rcase *c, size_t idx)
{
	static struct sample smp;
	struct got g = { 0 };

	sample_build(&smp, c->text, seed_of(c, idx));
	if (smp.bad || (is_tp(c) && (smp.mark_s < 0 || smp.mark_e <= smp.mark_s))) {
		show(c, idx, "the template does not build", &g);
		return false;
	}
	assert_int_equal(scanner__scan(sc, smp.buf, smp.n, collect, &g), 0);
	if (is_tp(c)) {
		size_t cut = 1 + sample_rand(&smp) % (smp.n - 1);

		if (!one_at(&g, c->rule, smp.mark_s, smp.mark_e)) {
			show(c, idx, "wanted one finding of the rule at the mark", &g);
			return false;
		}
		g = (struct got){ 0 };
		stream_in_two(&smp, cut, &g);
		if (!one_at(&g, c->rule, smp.mark_s, smp.mark_e)) {
			show(c, idx, "a stream split in two did not find it once at the mark", &g);
			return false;
		}
		return true;
	}
	for (size_t i = 0; i < g.n && i < MAX_FOUND; i++) {
		if (!strcmp(g.f[i].rule, c->rule) || !c->other || strcmp(g.f[i].rule, c->other)) {
			show(c, idx, c->other ? "wanted only the other rule" : "wanted nothing", &g);
			return false;
		}
	}
	if (c->other && g.n != 1) {
		show(c, idx, "wanted one finding of the other rule", &g);
		return false;
	}
	return true;
}

static void run_table(size_t t)
{
	size_t bad = 0;

	for (size_t i = 0; i < tables[t].n; i++)
		bad += !run_case(&tables[t].cases[i], i);
	if (bad) {
		print_error("%zu of %zu cases failed\n", bad, tables[t].n);
		fail();
	}
}

static void test_dev(void **state)
{
	(void)state;
	run_table(0);
}

static void test_ai(void **state)
{
	(void)state;
	run_table(1);
}

static void test_cloud(void **state)
{
	(void)state;
	run_table(2);
}

static void test_shape(void **state)
{
	(void)state;
	run_table(3);
}

/* Every rule has three true positives and three near-misses; every case names a rule. */
static void test_coverage(void **state)
{
	size_t n = rules__count();
	int *tp = calloc(n, sizeof(int)), *nm = calloc(n, sizeof(int));
	bool ok = true;

	(void)state;
	assert_non_null(tp);
	assert_non_null(nm);
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (size_t i = 0; i < tables[t].n; i++) {
			const struct rcase *c = &tables[t].cases[i];
			size_t r = 0;

			while (r < n && strcmp(rules__get(r)->info.id, c->rule))
				r++;
			if (r == n) {
				print_error("case %zu names no rule: %s\n", i, c->rule);
				ok = false;
				continue;
			}
			(is_tp(c) ? tp : nm)[r]++;
		}
	}
	for (size_t r = 0; r < n; r++) {
		if (tp[r] < 3 || nm[r] < 3) {
			print_error("rule %s: %d true positives, %d near-misses (3 of each wanted)\n",
				    rules__get(r)->info.id, tp[r], nm[r]);
			ok = false;
		}
	}
	free(tp);
	free(nm);
	assert_true(ok);
}

/* Ids are unique and stable names: configurations and rules.disable name them. */
static void test_ids(void **state)
{
	(void)state;
	for (size_t i = 0; i < rules__count(); i++) {
		const struct lw_rule *r = rules__get(i);

		assert_non_null(r->shape);
		for (const char *p = r->info.id; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-');
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(r->info.id, rules__get(j)->info.id);
	}
}

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),     cmocka_unit_test(test_coverage), cmocka_unit_test(test_dev),
		cmocka_unit_test(test_ai),      cmocka_unit_test(test_cloud),    cmocka_unit_test(test_shape),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
