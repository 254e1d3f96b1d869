// SPDX-License-Identifier: Apache-2.0
/* config and yamlcfg: every key's checks, and errors that name the key. */
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

#include "settings/config.h"
#include "config/yamlcfg.h"

static char err[512];

/* Loads text that must be rejected and checks the message names `want`. */
static void assert_rejected(const char *text, const char *want)
{
	struct lw_config cfg;

	config__defaults(&cfg);
	err[0] = '\0';
	if (config__load_string(&cfg, text, err, sizeof(err)) != -EINVAL)
		fail_msg("accepted:\n%s", text);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not contain \"%s\"", err, want);
	if (strchr(err, '\n'))
		fail_msg("error \"%s\" is more than one line", err);
	config__free(&cfg);
}

static void assert_defaults(const struct lw_config *cfg)
{
	assert_int_equal(cfg->log.level, LW_LOG_INFO);
	assert_int_equal(cfg->log.format, LW_LOG_JSON);
	assert_false(cfg->log.format_set);
	assert_int_equal(cfg->health_interval_ms, 60000);
	assert_int_equal(cfg->ringbuf_bytes, 256 * 1024);
	assert_int_equal(cfg->address_refresh_ms, 5000);
	assert_int_equal(cfg->nat_refresh_ms, 10000);
	assert_int_equal(cfg->n_class_rules, 0);
	assert_null(cfg->class_rules);
	assert_int_equal(cfg->n_expected, 0);
	assert_null(cfg->expected);
}

static const char full_config[] =
	"log:\n"
	"  level: debug\n"
	"  format: text\n"
	"agent:\n"
	"  health_interval: 30s\n"
	"  ringbuf_size: 1MiB\n"
	"exposure:\n"
	"  internal_cidrs: [203.0.113.0/24, 2001:db8:1::/48]\n"
	"  public_cidrs:\n"
	"    - 100.64.0.0/10\n"
	"  address_refresh: 250ms\n"
	"  expected:\n"
	"    - process: sshd\n"
	"      port: 22\n"
	"      protocol: tcp\n"
	"      address: 0.0.0.0\n"
	"    - port: 53\n"
	"      protocol: udp\n"
	"    - address: 10.1.2.3/8\n";

static void test_full_config(void **state)
{
	char buf[LW_ADDR_STRLEN];
	struct lw_config cfg;
	(void)state;

	config__defaults(&cfg);
	assert_int_equal(config__load_string(&cfg, full_config, err, sizeof(err)), 0);

	assert_int_equal(cfg.log.level, LW_LOG_DEBUG);
	assert_int_equal(cfg.log.format, LW_LOG_TEXT);
	assert_true(cfg.log.format_set);
	assert_int_equal(cfg.health_interval_ms, 30000);
	assert_int_equal(cfg.ringbuf_bytes, 1024 * 1024);
	assert_int_equal(cfg.address_refresh_ms, 250);

	assert_int_equal(cfg.n_class_rules, 3);
	assert_string_equal(addr__format(&cfg.class_rules[0].cidr.addr, buf), "203.0.113.0");
	assert_int_equal(cfg.class_rules[0].cidr.prefix, 24);
	assert_int_equal(cfg.class_rules[0].cls, LW_CLASS_PRIVATE);
	assert_string_equal(addr__format(&cfg.class_rules[1].cidr.addr, buf), "2001:db8:1::");
	assert_int_equal(cfg.class_rules[1].cls, LW_CLASS_PRIVATE);
	assert_string_equal(addr__format(&cfg.class_rules[2].cidr.addr, buf), "100.64.0.0");
	assert_int_equal(cfg.class_rules[2].cidr.prefix, 10);
	assert_int_equal(cfg.class_rules[2].cls, LW_CLASS_PUBLIC);

	assert_int_equal(cfg.n_expected, 3);
	assert_string_equal(cfg.expected[0].process, "sshd");
	assert_int_equal(cfg.expected[0].port, 22);
	assert_int_equal(cfg.expected[0].protocol, IPPROTO_TCP);
	assert_true(cfg.expected[0].has_address);
	assert_int_equal(cfg.expected[0].address.prefix, 32);
	assert_string_equal(addr__format(&cfg.expected[0].address.addr, buf), "0.0.0.0");

	assert_null(cfg.expected[1].process);
	assert_int_equal(cfg.expected[1].port, 53);
	assert_int_equal(cfg.expected[1].protocol, IPPROTO_UDP);
	assert_false(cfg.expected[1].has_address);

	assert_null(cfg.expected[2].process);
	assert_int_equal(cfg.expected[2].port, 0);
	assert_int_equal(cfg.expected[2].protocol, 0);
	assert_true(cfg.expected[2].has_address);
	assert_string_equal(addr__format(&cfg.expected[2].address.addr, buf), "10.0.0.0");
	assert_int_equal(cfg.expected[2].address.prefix, 8);

	config__free(&cfg);
}

static void test_defaults(void **state)
{
	struct lw_config cfg;
	(void)state;

	config__defaults(&cfg);
	assert_defaults(&cfg);

	/* an empty document, or one of comments only, is the defaults */
	assert_int_equal(config__load_string(&cfg, "", err, sizeof(err)), 0);
	assert_defaults(&cfg);
	assert_int_equal(config__load_string(&cfg, "# nothing here\n\n", err, sizeof(err)), 0);
	assert_defaults(&cfg);
	assert_int_equal(config__load_string(&cfg, "---\n", err, sizeof(err)), 0);
	assert_defaults(&cfg);
	/* and so are empty sections and lists */
	assert_int_equal(config__load_string(&cfg, "log: {}\nexposure:\n  internal_cidrs: []\n"
						   "  expected: []\n", err, sizeof(err)), 0);
	assert_defaults(&cfg);
	config__free(&cfg);
}

static void test_errors_name_the_key(void **state)
{
	(void)state;

	assert_rejected("bogus_key: 1\n", "bogus_key: unknown key");
	assert_rejected("exposure:\n  internal_cidr: [10.0.0.0/8]\n",
			"exposure.internal_cidr: unknown key");
	assert_rejected("exposure:\n  internal_cidrs: [10.0.0.0/8, 10.0.0.0/33]\n",
			"exposure.internal_cidrs[1]: bad CIDR \"10.0.0.0/33\"");
	assert_rejected("exposure:\n  public_cidrs:\n    - 10.0.0.0/8\n    - 100.64.0.0/10\n    - abc\n",
			"exposure.public_cidrs[2]: bad CIDR \"abc\"");
	assert_rejected("exposure:\n  internal_cidrs: 10.0.0.0/8\n",
			"exposure.internal_cidrs: expected a list");
	assert_rejected("exposure:\n  internal_cidrs:\n    a: 10.0.0.0/8\n",
			"exposure.internal_cidrs: expected a list");
	assert_rejected("exposure:\n  internal_cidrs: [[10.0.0.0/8]]\n",
			"exposure.internal_cidrs[0]: expected a single value");
	assert_rejected("log:\n  level: loud\n", "log.level: expected debug, info, warn or error");
	assert_rejected("log:\n  format: xml\n", "log.format");
	assert_rejected("log: [info]\n", "log: expected a mapping");
}

/* rules: a list of custom rules, or {custom, disable}; an unknown id is named. */
static void test_rules_disable(void **state)
{
	struct lw_config cfg;
	char err[256];
	(void)state;

	config__defaults(&cfg);
	assert_int_equal(config__load_string(&cfg,
					     "rules:\n"
					     "  disable: [generic-secret, acme-token]\n"
					     "  custom:\n"
					     "    - {id: acme-token, regex: \"acme_[a-z0-9]{32}\"}\n",
					     err, sizeof(err)),
			 0);
	assert_int_equal(cfg.n_user_rules, 1);
	assert_int_equal(cfg.n_disabled_rules, 2);
	assert_true(config__rule_disabled(&cfg, "generic-secret"));
	assert_true(config__rule_disabled(&cfg, "acme-token"));
	assert_false(config__rule_disabled(&cfg, "github-pat"));
	/* scan --disable-rule */
	assert_int_equal(config__disable_rule(&cfg, "github-pat"), 0);
	assert_true(config__rule_disabled(&cfg, "github-pat"));
	assert_int_equal(config__disable_rule(&cfg, "no-such-rule"), -ENOENT);
	config__free(&cfg);
	/* the list form still reads as custom rules */
	config__defaults(&cfg);
	assert_int_equal(config__load_string(&cfg, "rules:\n  - {id: acme-token, regex: \"acme_[a-z0-9]{32}\"}\n",
					     err, sizeof(err)),
			 0);
	assert_int_equal(cfg.n_user_rules, 1);
	config__free(&cfg);
	assert_rejected("rules:\n  disable: [no-such-rule]\n",
			"rules: disable: no rule \"no-such-rule\" (leakwatch rules lists them)");
	assert_rejected("rules:\n  enable: [github-pat]\n", "rules.enable: unknown key");
}

static void test_durations_and_sizes_in_config(void **state)
{
	(void)state;

	assert_rejected("agent:\n  health_interval: soon\n",
			"agent.health_interval: expected a duration");
	assert_rejected("agent:\n  health_interval: 500ms\n", "agent.health_interval: \"500ms\" is outside");
	assert_rejected("agent:\n  health_interval: 2d\n", "agent.health_interval");
	assert_rejected("exposure:\n  address_refresh: -5s\n", "exposure.address_refresh");
	assert_rejected("agent:\n  ringbuf_size: 300KiB\n", "agent.ringbuf_size: must be a power of two");
	assert_rejected("agent:\n  ringbuf_size: 12345\n", "agent.ringbuf_size: must be a power of two");
	assert_rejected("agent:\n  ringbuf_size: 2048\n", "agent.ringbuf_size");
	assert_rejected("agent:\n  ringbuf_size: 2GiB\n", "agent.ringbuf_size");
	assert_rejected("agent:\n  ringbuf_size: lots\n", "agent.ringbuf_size: expected a size");

	/* the edges of the ranges are allowed */
	struct lw_config cfg;

	config__defaults(&cfg);
	assert_int_equal(config__load_string(&cfg, "agent:\n  health_interval: 1s\n  ringbuf_size: 4096\n"
						   "exposure:\n  address_refresh: 0\n", err, sizeof(err)), 0);
	assert_int_equal(cfg.health_interval_ms, 1000);
	assert_int_equal(cfg.ringbuf_bytes, 4096);
	assert_int_equal(cfg.address_refresh_ms, 0);
	assert_int_equal(config__load_string(&cfg, "agent:\n  health_interval: 1d\n  ringbuf_size: 1GiB\n",
					     err, sizeof(err)), 0);
	assert_int_equal(cfg.health_interval_ms, 86400000);
	assert_int_equal(cfg.ringbuf_bytes, 1ULL << 30);
	config__free(&cfg);
}

static void test_expected_entries(void **state)
{
	(void)state;

	assert_rejected("exposure:\n  expected:\n    - {}\n",
			"exposure.expected[0]: give at least one of process, port, address, namespace, pod, "
			"container, image or unit");
	assert_rejected("exposure:\n  expected:\n    - port: 22\n    - protocol: tcp\n",
			"exposure.expected[1]: give at least one");
	assert_rejected("exposure:\n  expected:\n    - port: 0\n", "exposure.expected[0].port");
	assert_rejected("exposure:\n  expected:\n    - port: 65536\n", "exposure.expected[0].port");
	assert_rejected("exposure:\n  expected:\n    - port: ssh\n",
			"exposure.expected[0].port: expected a whole number");
	assert_rejected("exposure:\n  expected:\n    - port: 22\n      protocol: sctp\n",
			"exposure.expected[0].protocol: expected tcp or udp");
	assert_rejected("exposure:\n  expected:\n    - address: 10.0.0.0/40\n",
			"exposure.expected[0].address: bad address or CIDR");
	assert_rejected("exposure:\n  expected:\n    - process: sshd\n      user: root\n",
			"exposure.expected[0].user: unknown key");
	assert_rejected("exposure:\n  expected:\n    - sshd\n", "exposure.expected[0]: expected a mapping");
	assert_rejected("exposure:\n  expected:\n    - namespace: \"\"\n",
			"exposure.expected[0].namespace: expected 1 to 253 characters");

	/* what a cluster operator knows, alone or beside the rest */
	struct lw_config cfg;

	config__defaults(&cfg);
	assert_int_equal(config__load_string(&cfg,
					     "exposure:\n  expected:\n"
					     "    - {namespace: monitoring, pod: \"prometheus-*\", container: prometheus, port: 9090}\n"
					     "    - {unit: \"postgresql@*.service\"}\n"
					     "    - {namespace: cache, image: \"redis:7*\"}\n",
					     err, sizeof(err)),
			 0);
	assert_int_equal(cfg.n_expected, 3);
	assert_string_equal(cfg.expected[2].place.image, "redis:7*");
	assert_string_equal(cfg.expected[0].place.namespace, "monitoring");
	assert_string_equal(cfg.expected[0].place.pod, "prometheus-*");
	assert_string_equal(cfg.expected[0].place.container, "prometheus");
	assert_int_equal(cfg.expected[0].port, 9090);
	assert_string_equal(cfg.expected[1].place.unit, "postgresql@*.service");
	config__free(&cfg);
}

static void test_probe_section(void **state)
{
	struct lw_config cfg;

	(void)state;
	config__defaults(&cfg);
	assert_true(cfg.probe_enabled && cfg.probe_login);
	assert_null(cfg.probe_protocols); /* all */
	assert_int_equal(cfg.probe_interval_ms, 6ULL * 3600 * 1000);
	assert_int_equal(cfg.probe_timeout_ms, 1000);
	assert_int_equal(cfg.probe_concurrency, 4);
	assert_int_equal(config__load_string(&cfg,
					     "probe:\n  enabled: true\n  protocols: [redis, clickhouse-http]\n"
					     "  interval: 1m\n  timeout: 250ms\n  concurrency: 8\n"
					     "  exclude:\n    - {process: postgres, port: 5432}\n  login_probes: false\n",
					     err, sizeof(err)),
			 0);
	assert_int_equal(cfg.n_probe_protocols, 2);
	assert_string_equal(cfg.probe_protocols[1], "clickhouse-http");
	assert_int_equal(cfg.probe_interval_ms, 60 * 1000);
	assert_int_equal(cfg.probe_timeout_ms, 250);
	assert_int_equal(cfg.probe_concurrency, 8);
	assert_int_equal(cfg.n_probe_exclude, 1);
	assert_string_equal(cfg.probe_exclude[0].process, "postgres");
	assert_int_equal(cfg.probe_exclude[0].port, 5432);
	assert_false(cfg.probe_login);
	/* an empty list is none, not all */
	assert_int_equal(config__load_string(&cfg, "probe:\n  protocols: []\n", err, sizeof(err)), 0);
	assert_non_null(cfg.probe_protocols);
	assert_int_equal(cfg.n_probe_protocols, 0);
	config__free(&cfg);

	assert_rejected("probe:\n  protocols: [redis, telnet]\n",
			"probe.protocols[1]: unknown protocol \"telnet\" (expected one of chroma, clickhouse-http");
	assert_rejected("probe:\n  interval: 30s\n", "probe.interval");
	assert_rejected("probe:\n  concurrency: 0\n", "probe.concurrency");
	assert_rejected("probe:\n  exclude:\n    - {protocol: tcp}\n",
			"probe.exclude[0]: give at least one of process, port, address");
	assert_rejected("probe:\n  login: false\n", "probe.login: unknown key");
}

static void test_journal_section(void **state)
{
	struct lw_config cfg;
	(void)state;

	config__defaults(&cfg);
	assert_true(cfg.journal_enabled);
	assert_false(cfg.journal_enabled_set);
	assert_int_equal(cfg.journal_max_catchup_ms, 3600 * 1000);
	assert_int_equal(config__load_string(&cfg, "journal:\n  enabled: true\n  directory: /var/log/journal\n"
					     "  units: [postgres*.service, api.service]\n"
					     "  exclude_units: [noisy.service]\n  max_catchup: 30m\n",
					     err, sizeof(err)), 0);
	assert_true(cfg.journal_enabled_set);
	assert_string_equal(cfg.journal_directory, "/var/log/journal");
	assert_int_equal(cfg.journal_n_units, 2);
	assert_string_equal(cfg.journal_units[0], "postgres*.service");
	assert_int_equal(cfg.journal_n_exclude_units, 1);
	assert_int_equal(cfg.journal_max_catchup_ms, 30 * 60 * 1000);
	assert_int_equal(cfg.journal_max_catchup_bytes, 0);
	/* a size bounds the catch-up by bytes instead */
	assert_int_equal(config__load_string(&cfg, "journal:\n  max_catchup: 256MiB\n", err, sizeof(err)), 0);
	assert_int_equal(cfg.journal_max_catchup_bytes, 256ULL << 20);
	assert_int_equal(cfg.journal_max_catchup_ms, 0);
	config__free(&cfg);
	assert_rejected("journal:\n  max_catchup: soon\n", "journal.max_catchup: expected a duration");
	assert_rejected("journal:\n  max_catchup: 1ms\n", "journal.max_catchup: \"1ms\" is outside");
	assert_rejected("journal:\n  units: [a/b.service]\n", "journal.units[0]: bad name pattern");
	assert_rejected("journal:\n  directory: relative/dir\n", "journal.directory");
	assert_rejected("journal:\n  follow: true\n", "journal.follow: unknown key");
}

static void test_duplicate_key(void **state)
{
	(void)state;

	assert_rejected("log:\n  level: info\n  level: warn\n", "log.level: key given twice");
	assert_rejected("log:\n  level: info\nlog:\n  format: text\n", "log: key given twice");
	assert_rejected("exposure:\n  expected:\n    - port: 22\n      port: 23\n",
			"exposure.expected[0].port: key given twice");
}

static void test_bad_documents(void **state)
{
	(void)state;

	assert_rejected("exposure: [\n", "line ");
	assert_rejected("log:\n  level: info\n bad indent: x\n", "line ");
	assert_rejected("- log\n- agent\n", "the top level must be a mapping");
	assert_rejected("just words\n", "the top level must be a mapping");
	assert_rejected("[]\n", "the top level must be a mapping");
}

static void test_failed_load_leaves_config(void **state)
{
	struct lw_config cfg;
	(void)state;

	config__defaults(&cfg);
	assert_int_equal(config__load_string(&cfg, full_config, err, sizeof(err)), 0);

	/* fails late, after a log level, rules and an entry were read */
	assert_int_equal(config__load_string(&cfg,
					     "log:\n  level: error\n"
					     "exposure:\n  internal_cidrs: [192.0.2.0/24]\n"
					     "  expected:\n    - process: nginx\n    - {}\n",
					     err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "exposure.expected[1]"));

	assert_int_equal(cfg.log.level, LW_LOG_DEBUG);
	assert_int_equal(cfg.health_interval_ms, 30000);
	assert_int_equal(cfg.n_class_rules, 3);
	assert_int_equal(cfg.class_rules[0].cidr.prefix, 24);
	assert_int_equal(cfg.n_expected, 3);
	assert_string_equal(cfg.expected[0].process, "sshd");

	/* and a good load replaces everything, lists included */
	assert_int_equal(config__load_string(&cfg, "log:\n  level: warn\n", err, sizeof(err)), 0);
	assert_int_equal(cfg.log.level, LW_LOG_WARN);
	assert_int_equal(cfg.health_interval_ms, 60000);
	assert_int_equal(cfg.n_class_rules, 0);
	assert_int_equal(cfg.n_expected, 0);
	config__free(&cfg);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void test_load_file(void **state)
{
	char dir[] = "/tmp/lw-test-config-XXXXXX", file[64], missing[64];
	struct lw_config cfg;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/leakwatch.yaml", dir);
	snprintf(missing, sizeof(missing), "%s/absent.yaml", dir);
	write_file(file, "agent:\n  ringbuf_size: 512KiB\n");

	config__defaults(&cfg);
	assert_int_equal(config__load(&cfg, file, true, err, sizeof(err)), 0);
	assert_int_equal(cfg.ringbuf_bytes, 512 * 1024);

	/* a missing file the operator did not name: the defaults */
	assert_int_equal(config__load(&cfg, missing, false, err, sizeof(err)), 0);
	assert_defaults(&cfg);

	/* a missing file the operator named: an error, and nothing changes */
	assert_int_equal(config__load(&cfg, file, true, err, sizeof(err)), 0);
	err[0] = '\0';
	assert_int_not_equal(config__load(&cfg, missing, true, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(cfg.ringbuf_bytes, 512 * 1024);

	/* a directory is not a config file */
	err[0] = '\0';
	assert_int_not_equal(config__load(&cfg, dir, false, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "not a regular file"));

	/* a bad file names the key, as a string does */
	write_file(file, "agent:\n  ringbuf_size: 3MiB\n");
	err[0] = '\0';
	assert_int_equal(config__load(&cfg, file, true, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "agent.ringbuf_size"));
	assert_int_equal(cfg.ringbuf_bytes, 512 * 1024);

	config__free(&cfg);
	unlink(file);
	rmdir(dir);
}

static void test_parse_duration(void **state)
{
	uint64_t v;
	(void)state;

	assert_int_equal(parse_duration_ms("250ms", &v), 0);
	assert_int_equal(v, 250);
	assert_int_equal(parse_duration_ms("5s", &v), 0);
	assert_int_equal(v, 5000);
	assert_int_equal(parse_duration_ms("2m", &v), 0);
	assert_int_equal(v, 120000);
	assert_int_equal(parse_duration_ms("1h", &v), 0);
	assert_int_equal(v, 3600000);
	assert_int_equal(parse_duration_ms("7d", &v), 0);
	assert_int_equal(v, 7 * 86400000ULL);
	assert_int_equal(parse_duration_ms("5", &v), 0); /* a bare number is seconds */
	assert_int_equal(v, 5000);
	assert_int_equal(parse_duration_ms("0", &v), 0);
	assert_int_equal(v, 0);

	assert_int_not_equal(parse_duration_ms("", &v), 0);
	assert_int_not_equal(parse_duration_ms("s", &v), 0);
	assert_int_not_equal(parse_duration_ms("5x", &v), 0);
	assert_int_not_equal(parse_duration_ms("5 s", &v), 0);
	assert_int_not_equal(parse_duration_ms(" 5s", &v), 0);
	assert_int_not_equal(parse_duration_ms("-5s", &v), 0);
	assert_int_not_equal(parse_duration_ms("+5s", &v), 0);
	assert_int_not_equal(parse_duration_ms("1.5s", &v), 0);
	assert_int_not_equal(parse_duration_ms("5S", &v), 0);
	assert_int_not_equal(parse_duration_ms("5sec", &v), 0);
	/* overflow is an error, not a wrapped small number */
	assert_int_not_equal(parse_duration_ms("18446744073709551615", &v), 0);
	assert_int_not_equal(parse_duration_ms("9999999999999999d", &v), 0);
	assert_int_not_equal(parse_duration_ms("99999999999999999999ms", &v), 0);
}

static void test_parse_size(void **state)
{
	uint64_t v;
	(void)state;

	assert_int_equal(parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("64KiB", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(parse_size("8MiB", &v), 0);
	assert_int_equal(v, 8 << 20);
	assert_int_equal(parse_size("1GiB", &v), 0);
	assert_int_equal(v, 1 << 30);
	assert_int_equal(parse_size("2K", &v), 0);
	assert_int_equal(v, 2048);
	assert_int_equal(parse_size("100B", &v), 0);
	assert_int_equal(v, 100);

	assert_int_not_equal(parse_size("", &v), 0);
	assert_int_not_equal(parse_size("KiB", &v), 0);
	assert_int_not_equal(parse_size("64KB", &v), 0);
	assert_int_not_equal(parse_size("64 KiB", &v), 0);
	assert_int_not_equal(parse_size("-1", &v), 0);
	assert_int_not_equal(parse_size("1.5MiB", &v), 0);
	assert_int_not_equal(parse_size("0x1000", &v), 0);
	assert_int_not_equal(parse_size("99999999999999999999", &v), 0);
	assert_int_not_equal(parse_size("17179869184GiB", &v), 0); /* 2^34 * 2^30 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors_name_the_key),
		cmocka_unit_test(test_durations_and_sizes_in_config),
		cmocka_unit_test(test_expected_entries),
		cmocka_unit_test(test_probe_section),
		cmocka_unit_test(test_journal_section),
		cmocka_unit_test(test_rules_disable),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_bad_documents),
		cmocka_unit_test(test_failed_load_leaves_config),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_parse_size),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
