// SPDX-License-Identifier: Apache-2.0
/*
 * The ignore file: what each kind of entry silences, and what it does not;
 * an expired entry silences nothing; every mistake names its entry and key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/ignore.h"

#define FP "0123456789abcdef0123456789abcdef"
#define NOW 1800000000ULL /* 2027-01-15 */

static char path[64];

static struct lw_ignore *load(const char *text, char *err, size_t errlen)
{
	struct lw_ignore *ig = NULL;
	FILE *f;

	strcpy(path, "/tmp/lw-ignore.XXXXXX");
	close(mkstemp(path));
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	if (ignore__load(path, true, &ig, err, errlen))
		ig = NULL;
	unlink(path);
	return ig;
}

static void test_leaks(void **state)
{
	char err[256];
	struct lw_ignore *ig = load("leaks:\n"
				    "  - fingerprint: " FP "\n"
				    "    reason: a test fixture\n"
				    "  - rule: generic-secret\n"
				    "    path: /srv/app/fixtures/**\n"
				    "    reason: sample configs\n"
				    "  - path: /var/log/load-test.log\n"
				    "    reason: synthetic traffic\n",
				    err, sizeof(err));
	(void)state;

	assert_non_null(ig);
	assert_int_equal(ignore__count(ig), 3);
	/* by fingerprint, wherever it is */
	assert_true(ignore__leak(ig, FP, "github-pat", "/var/log/api.log", NOW));
	assert_true(ignore__leak(ig, FP, "github-pat", NULL, NOW));
	assert_false(ignore__leak(ig, "fedcba9876543210fedcba9876543210", "github-pat", "/var/log/api.log", NOW));
	/* by rule, only under its path */
	assert_true(ignore__leak(ig, "ff", "generic-secret", "/srv/app/fixtures/db/dev.yaml", NOW));
	assert_false(ignore__leak(ig, "ff", "generic-secret", "/srv/app/config.yaml", NOW));
	assert_false(ignore__leak(ig, "ff", "github-pat", "/srv/app/fixtures/db/dev.yaml", NOW));
	/* by path alone: anything there */
	assert_true(ignore__leak(ig, "ff", "aws-access-key", "/var/log/load-test.log", NOW));
	assert_false(ignore__leak(ig, "ff", "aws-access-key", "/var/log/load-test.log.1", NOW));
	ignore__free(ig);
}

static void test_listeners(void **state)
{
	char err[256];
	struct lw_addr any, lo;
	struct lw_ignore *ig = load("listeners:\n"
				    "  - process: redis-server\n"
				    "    port: 6379\n"
				    "    reason: the cache's replica link\n"
				    "  - port: 9100\n"
				    "    protocol: tcp\n"
				    "    address: 127.0.0.1\n"
				    "    reason: node exporter on loopback\n",
				    err, sizeof(err));
	(void)state;

	assert_non_null(ig);
	addr__parse("0.0.0.0", &any);
	addr__parse("127.0.0.1", &lo);
	/* the executable, not a name a process gave itself */
	assert_true(ignore__listener(ig, "/usr/bin/redis-server", "redis-server", IPPROTO_TCP, &any, 6379, NULL, NOW));
	assert_false(ignore__listener(ig, "/usr/bin/python3.11", "redis-server", IPPROTO_TCP, &any, 6379, NULL, NOW));
	assert_true(ignore__listener(ig, NULL, "redis-server", IPPROTO_TCP, &any, 6379, NULL, NOW)); /* no exe known */
	assert_false(ignore__listener(ig, "/usr/bin/redis-server", "redis-server", IPPROTO_TCP, &any, 6380, NULL, NOW));
	assert_true(ignore__listener(ig, "/opt/ne/node_exporter", "node_exporter", IPPROTO_TCP, &lo, 9100, NULL, NOW));
	assert_false(ignore__listener(ig, "/opt/ne/node_exporter", "node_exporter", IPPROTO_TCP, &any, 9100, NULL, NOW));
	assert_false(ignore__listener(ig, "/opt/ne/node_exporter", "node_exporter", IPPROTO_UDP, &lo, 9100, NULL, NOW));
	/* a leak entry is no listener entry */
	assert_false(ignore__leak(ig, FP, "x", "/x", NOW));
	ignore__free(ig);
}

/* What a cluster operator knows: a range, a namespace and pod glob, a systemd unit. */
static void test_listeners_by_place(void **state)
{
	char err[256];
	struct lw_addr inside, outside;
	struct lw_place prom = { .namespace = "monitoring", .pod = "prometheus-k8s-0", .container = "prometheus" };
	struct lw_place other = { .namespace = "default", .pod = "prometheus-k8s-0", .container = "prometheus" };
	struct lw_place pg = { .cgroup = "/system.slice/system-postgresql.slice/postgresql@15-main.service" };
	struct lw_ignore *ig = load("listeners:\n"
				    "  - namespace: monitoring\n"
				    "    pod: \"prometheus-*\"\n"
				    "    reason: scraped from outside by design\n"
				    "  - unit: \"postgresql@*.service\"\n"
				    "    address: 10.0.0.0/8\n"
				    "    reason: the replicas' own network\n",
				    err, sizeof(err));
	(void)state;

	assert_non_null(ig);
	addr__parse("10.1.2.3", &inside);
	addr__parse("192.0.2.1", &outside);
	assert_true(ignore__listener(ig, "/bin/prometheus", "prometheus", IPPROTO_TCP, &outside, 9090, &prom, NOW));
	assert_false(ignore__listener(ig, "/bin/prometheus", "prometheus", IPPROTO_TCP, &outside, 9090, &other, NOW));
	assert_false(ignore__listener(ig, "/bin/prometheus", "prometheus", IPPROTO_TCP, &outside, 9090, NULL, NOW));
	assert_true(ignore__listener(ig, "/usr/lib/postgresql/15/bin/postgres", "postgres", IPPROTO_TCP, &inside, 5432,
				     &pg, NOW));
	assert_false(ignore__listener(ig, "/usr/lib/postgresql/15/bin/postgres", "postgres", IPPROTO_TCP, &outside,
				      5432, &pg, NOW));
	ignore__free(ig);
}

static void test_expiry(void **state)
{
	char err[256];
	struct lw_ignore *ig = load("leaks:\n"
				    "  - fingerprint: " FP "\n"
				    "    reason: rotated on Monday\n"
				    "    expires: 2027-01-15\n"
				    "  - rule: npm-token\n"
				    "    reason: until the migration\n"
				    "    expires: 2027-01-15T12:00:00Z\n",
				    err, sizeof(err));
	(void)state;

	assert_non_null(ig);
	/* a date is the end of that day, UTC: 2027-01-15T23:59:59Z */
	assert_true(ignore__leak(ig, FP, "x", "/x", 1800057599ULL));
	assert_false(ignore__leak(ig, FP, "x", "/x", 1800057600ULL));
	assert_false(ignore__leak(ig, FP, "x", "/x", 1800057601ULL)); /* said once, silent after */
	/* a time is that time */
	assert_true(ignore__leak(ig, "ff", "npm-token", "/x", 1800014400ULL));
	assert_false(ignore__leak(ig, "ff", "npm-token", "/x", 1800014401ULL));
	ignore__free(ig);
}

static void assert_refused(const char *text, const char *want)
{
	char err[256] = "";

	assert_null(load(text, err, sizeof(err)));
	if (!strstr(err, want))
		fail_msg("got \"%s\", want \"%s\"", err, want);
}

static void test_mistakes_are_named(void **state)
{
	struct lw_ignore *ig = NULL;
	char err[256];
	(void)state;

	assert_refused("leaks:\n  - fingerprint: " FP "\n", "leaks[0]: reason: required");
	assert_refused("leaks:\n  - reason: why\n", "leaks[0]: give a fingerprint, a rule or a path");
	assert_refused("leaks:\n  - fingerprint: nothex\n    reason: x\n", "leaks[0].fingerprint");
	assert_refused("leaks:\n  - path: relative/*.log\n    reason: x\n", "leaks[0].path");
	assert_refused("leaks:\n  - rule: a\n    reason: x\n    expires: soon\n", "leaks[0].expires: expected a date");
	assert_refused("listeners:\n  - reason: x\n", "listeners[0]: give at least one of process, port, address");
	assert_refused("listeners:\n  - port: 70000\n    reason: x\n", "listeners[0].port");
	assert_refused("secrets: []\n", "secrets: unknown key");
	/* no file at the default place: nothing is ignored */
	assert_int_equal(ignore__load("/nonexistent/ignore.yaml", false, &ig, err, sizeof(err)), 0);
	assert_int_equal(ignore__count(ig), 0);
	ignore__free(ig);
	/* but a file that was named must be there */
	assert_int_not_equal(ignore__load("/nonexistent/ignore.yaml", true, &ig, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaks),
		cmocka_unit_test(test_listeners),
		cmocka_unit_test(test_listeners_by_place),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_mistakes_are_named),
	};

	return cmocka_run_group_tests_name("ignore", tests, NULL, NULL);
}
