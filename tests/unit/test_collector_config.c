// SPDX-License-Identifier: Apache-2.0
/* collector config, listen addresses and tokens: defaults, every error names its key. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "settings/config.h"
#include "access/token.h"

static char err[512];

static void assert_rejected(const char *text, const char *want)
{
	struct collector_config cfg;

	collector_config__defaults(&cfg);
	err[0] = '\0';
	if (collector_config__load_string(&cfg, text, err, sizeof(err)) != -EINVAL)
		fail_msg("accepted:\n%s", text);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not contain \"%s\"", err, want);
	if (strchr(err, '\n'))
		fail_msg("error \"%s\" is more than one line", err);
	collector_config__free(&cfg);
}

static void test_defaults(void **state)
{
	struct collector_config cfg;
	char buf[256], addr[64];
	(void)state;

	collector_config__defaults(&cfg);
	assert_string_equal(listen_addr__format(&cfg.listen, addr, sizeof(addr)), "127.0.0.1:4520");
	assert_true(listen_addr__is_loopback(&cfg.listen));
	assert_string_equal(collector_config__state_dir(&cfg), "/var/lib/leakwatch-collector");
	assert_string_equal(collector_config__db_path(&cfg, buf, sizeof(buf)), "/var/lib/leakwatch-collector/collector.db");
	assert_string_equal(collector_config__token_path(&cfg, buf, sizeof(buf)), "/var/lib/leakwatch-collector/token");
	assert_null(cfg.tls_cert_file);
	assert_int_equal(cfg.limits.max_body, 4 << 20);
	assert_int_equal(cfg.limits.max_inflated, 32 << 20);
	assert_int_equal(cfg.limits.max_ratio, 200);
	assert_int_equal(cfg.limits.max_events, 10000);
	assert_true(cfg.sync_full);
	assert_int_equal(cfg.retention_ms[STORE_LISTENER], 30ULL * 86400 * 1000);
	assert_int_equal(cfg.retention_ms[STORE_LEAK], 90ULL * 86400 * 1000);
	assert_int_equal(cfg.retention_ms[STORE_HEALTH], 7ULL * 86400 * 1000);
	assert_int_equal(cfg.retention_interval_ms, 60000);
	collector_config__free(&cfg);
}

static void test_full_config(void **state)
{
	static const char text[] =
		"log:\n  level: debug\n  format: text\n"
		"state_dir: /srv/lwc\n"
		"server:\n"
		"  listen: \"[::1]:9000\"\n"
		"  token_file: /etc/lwc/token\n"
		"  tls:\n    cert_file: /etc/lwc/cert.pem\n    key_file: /etc/lwc/key.pem\n"
		"  max_connections: 100\n  max_connections_per_ip: 10\n"
		"  connection_timeout: 10s\n  threads: 4\n"
		"  public_url: https://leakwatch.example.com/lw/\n  session_ttl: 1h\n"
		"limits:\n  max_body: 1MiB\n  max_inflated: 8MiB\n  max_ratio: 50\n"
		"  max_events: 500\n  max_event_size: 32KiB\n  max_decoded: 64MiB\n  max_inflight: 16MiB\n"
		"storage:\n  path: /data/c.db\n  busy_timeout: 2s\n  synchronous: normal\n"
		"retention:\n  listener: 14d\n  leak: 0\n  health: 1d\n  interval: 5m\n  batch_rows: 200\n";
	struct collector_config cfg;
	char buf[256], addr[64];
	(void)state;

	collector_config__defaults(&cfg);
	assert_int_equal(collector_config__load_string(&cfg, text, err, sizeof(err)), 0);
	assert_int_equal(cfg.log.level, LW_LOG_DEBUG);
	assert_int_equal(cfg.log.format, LW_LOG_TEXT);
	assert_string_equal(listen_addr__format(&cfg.listen, addr, sizeof(addr)), "[::1]:9000");
	assert_true(listen_addr__is_loopback(&cfg.listen));
	assert_string_equal(cfg.token_file, "/etc/lwc/token");
	assert_string_equal(cfg.tls_key_file, "/etc/lwc/key.pem");
	assert_int_equal(cfg.max_connections, 100);
	assert_int_equal(cfg.connection_timeout_ms, 10000);
	assert_int_equal(cfg.limits.max_body, 1 << 20);
	assert_int_equal(cfg.limits.max_event_bytes, 32 << 10);
	assert_int_equal(cfg.max_inflight, 16 << 20);
	assert_string_equal(collector_config__db_path(&cfg, buf, sizeof(buf)), "/data/c.db");
	assert_false(cfg.sync_full);
	assert_int_equal(cfg.retention_ms[STORE_LISTENER], 14ULL * 86400 * 1000);
	assert_int_equal(cfg.retention_ms[STORE_LEAK], 0);
	assert_int_equal(cfg.retention_batch_rows, 200);
	/* the trailing "/" goes: links are public_url + "/ui/..." */
	assert_string_equal(cfg.alerting.public_url, "https://leakwatch.example.com/lw");
	assert_int_equal(cfg.session_ttl_ms, 3600 * 1000);
	collector_config__free(&cfg);
}

static void test_errors_name_the_key(void **state)
{
	(void)state;
	assert_rejected("server:\n  listn: 127.0.0.1:1\n", "server.listn: unknown key");
	assert_rejected("bogus: 1\n", "bogus: unknown key");
	assert_rejected("server:\n  listen: localhost:4520\n", "server.listen: expected an IP address and port");
	assert_rejected("server:\n  listen: 127.0.0.1\n", "server.listen");
	assert_rejected("server:\n  listen: 127.0.0.1:65536\n", "server.listen");
	assert_rejected("server:\n  listen: \"::1:4520\"\n", "server.listen");
	assert_rejected("server:\n  tls:\n    cert_file: /c.pem\n", "server.tls: give both cert_file and key_file");
	assert_rejected("server:\n  token_file: token\n", "server.token_file: must be an absolute path");
	assert_rejected("server:\n  max_connections: 0\n", "server.max_connections: 0 is outside");
	assert_rejected("server:\n  connection_timeout: forever\n", "server.connection_timeout");
	assert_rejected("limits:\n  max_body: 4 MiB\n", "limits.max_body");
	assert_rejected("limits:\n  max_ratio: -1\n", "limits.max_ratio");
	assert_rejected("limits:\n  max_body: 8MiB\n  max_inflight: 4MiB\n", "limits: max_inflight must be at least max_body");
	assert_rejected("storage:\n  synchronous: sometimes\n", "storage.synchronous: expected full or normal");
	assert_rejected("retention:\n  leak: 3 weeks\n", "retention.leak");
	assert_rejected("retention:\n  interval: 0\n", "retention.interval");
	/* public_url: a host, and nothing a link in a message would take for syntax */
	assert_rejected("server:\n  public_url: leakwatch.example.com\n", "server.public_url: expected an http(s) URL");
	assert_rejected("server:\n  public_url: https:///\n", "server.public_url");
	assert_rejected("server:\n  public_url: https://a@lw.example.com\n", "server.public_url");
	assert_rejected("server:\n  public_url: \"https://lw.example.com/?x=1\"\n", "server.public_url");
	assert_rejected("server:\n  public_url: \"https://lw.example.com/a|b\"\n", "server.public_url");
	assert_rejected("server:\n  public_url: javascript:alert(1)\n", "server.public_url");
	assert_rejected("server:\n  session_ttl: 1s\n", "server.session_ttl");
	assert_rejected("log:\n  level: loud\n", "log.level");
	assert_rejected("state_dir: relative/dir\n", "state_dir: must be an absolute path");
	assert_rejected("server: [1, 2]\n", "server: expected a mapping");
	assert_rejected("server:\n  listen: 1.2.3.4:1\n  listen: 1.2.3.4:2\n", "server.listen: key given twice");
}

static void test_failed_load_leaves_config(void **state)
{
	struct collector_config cfg;
	(void)state;

	collector_config__defaults(&cfg);
	assert_int_equal(collector_config__load_string(&cfg, "limits:\n  max_events: 5\n", err, sizeof(err)), 0);
	assert_int_equal(collector_config__load_string(&cfg, "limits:\n  max_events: x\n", err, sizeof(err)), -EINVAL);
	assert_int_equal(cfg.limits.max_events, 5);
	collector_config__free(&cfg);
}

static void test_files(void **state)
{
	struct collector_config cfg;
	(void)state;

	collector_config__defaults(&cfg);
	/* absent and not required: the defaults */
	assert_int_equal(collector_config__load(&cfg, "/nonexistent/collector.yaml", false, err, sizeof(err)), 0);
	assert_int_equal(collector_config__load(&cfg, "/nonexistent/collector.yaml", true, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(collector_config__load(&cfg, "/tmp", true, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	collector_config__free(&cfg);
}

static void test_listen(void **state)
{
	struct listen_addr l;
	(void)state;

	assert_int_equal(listen_addr__parse("127.0.0.1:4520", &l), 0);
	assert_true(listen_addr__is_loopback(&l));
	assert_int_equal(listen_addr__parse("127.9.9.9:0", &l), 0);
	assert_true(listen_addr__is_loopback(&l));
	assert_int_equal(l.port, 0);
	assert_int_equal(listen_addr__parse("[::1]:4520", &l), 0);
	assert_true(listen_addr__is_loopback(&l));
	assert_int_equal(listen_addr__parse("0.0.0.0:4520", &l), 0);
	assert_false(listen_addr__is_loopback(&l));
	assert_int_equal(listen_addr__parse("[::]:4520", &l), 0);
	assert_false(listen_addr__is_loopback(&l));
	assert_int_equal(listen_addr__parse("10.1.2.3:4520", &l), 0);
	assert_false(listen_addr__is_loopback(&l));
	assert_int_equal(listen_addr__parse("[::ffff:127.0.0.1]:4520", &l), 0);
	assert_true(listen_addr__is_loopback(&l));
	assert_int_equal(listen_addr__parse("[127.0.0.1]:4520", &l), -EINVAL);
	assert_int_equal(listen_addr__parse("127.0.0.1:", &l), -EINVAL);
	assert_int_equal(listen_addr__parse("127.0.0.1:+80", &l), -EINVAL);
	assert_int_equal(listen_addr__parse(":4520", &l), -EINVAL);
}

/* Named credentials per role, by digest file; hosts only for ingest. */
static void test_auth(void **state)
{
	struct collector_config cfg;
	(void)state;

	collector_config__defaults(&cfg);
	assert_int_equal(collector_config__load_string(&cfg,
						       "server:\n"
						       "  auth:\n"
						       "    ingest:\n"
						       "      - {name: fleet-a, digest_file: /etc/lw/a.sha256}\n"
						       "      - name: db-nodes\n"
						       "        digest_file: /etc/lw/db.sha256\n"
						       "        hosts: [\"db-*\", \"pg-?\"]\n"
						       "    operator:\n"
						       "      - {name: alice, digest_file: /etc/lw/alice.sha256}\n",
						       err, sizeof(err)),
			 0);
	assert_int_equal(cfg.n_auth, 3);
	assert_string_equal(cfg.auth[0].name, "fleet-a");
	assert_int_equal(cfg.auth[0].roles, AUTH_INGEST);
	assert_int_equal(cfg.auth[1].n_hosts, 2);
	assert_string_equal(cfg.auth[1].hosts[1], "pg-?");
	assert_int_equal(cfg.auth[2].roles, AUTH_OPERATOR);
	assert_string_equal(cfg.auth[2].digest_file, "/etc/lw/alice.sha256");
	collector_config__free(&cfg);

	assert_rejected("server:\n  auth:\n    ingest:\n      - {name: a}\n",
			"server.auth.ingest[0]: name and digest_file: both required");
	assert_rejected("server:\n  auth:\n    ingest:\n      - {name: a b, digest_file: /x}\n",
			"server.auth.ingest[0].name");
	assert_rejected("server:\n  auth:\n    operator:\n      - {name: a, digest_file: /x, hosts: [db-1]}\n",
			"server.auth.operator[0]: hosts: only for ingest credentials");
	assert_rejected("server:\n  auth:\n    ingest:\n      - {name: a, digest_file: /x}\n"
			"    operator:\n      - {name: a, digest_file: /y}\n",
			"server.auth.operator[0]: name: \"a\" is given twice");
	assert_rejected("server:\n  auth:\n    ingest:\n      - {name: a, digest_file: /x, hosts: []}\n",
			"server.auth.ingest[0].hosts");
	assert_rejected("server:\n  auth:\n    admin: []\n", "server.auth.admin: unknown key");
}

static void test_token(void **state)
{
	char dir[] = "/tmp/lwc-token.XXXXXX", path[128], header[128], text[128];
	uint8_t digest[TOKEN_DIGEST_LEN], again[TOKEN_DIGEST_LEN];
	struct stat st;
	bool created;
	FILE *f;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/token", dir);
	assert_int_equal(token__load_or_create(path, digest, &created, err, sizeof(err)), 0);
	assert_true(created);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 65); /* 64 hex digits and a newline */
	f = fopen(path, "r");
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	text[strcspn(text, "\n")] = '\0';
	assert_int_equal(strspn(text, "0123456789abcdef"), 64);

	/* the second start reads the same token */
	assert_int_equal(token__load_or_create(path, again, &created, err, sizeof(err)), 0);
	assert_false(created);
	assert_memory_equal(digest, again, TOKEN_DIGEST_LEN);

	snprintf(header, sizeof(header), "Bearer %s", text);
	assert_true(token__check(digest, header));
	snprintf(header, sizeof(header), "bearer   %s  ", text);
	assert_true(token__check(digest, header));
	snprintf(header, sizeof(header), "Bearer %.63s", text);
	assert_false(token__check(digest, header));
	snprintf(header, sizeof(header), "Bearer %sx", text);
	assert_false(token__check(digest, header));
	snprintf(header, sizeof(header), "Basic %s", text);
	assert_false(token__check(digest, header));
	assert_false(token__check(digest, NULL));
	assert_false(token__check(digest, "Bearer "));
	assert_false(token__check(digest, ""));

	/* a short token file is refused */
	f = fopen(path, "w");
	fputs("short\n", f);
	fclose(f);
	assert_int_equal(token__load(path, digest, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "shorter than 16"));
	unlink(path);
	assert_int_equal(token__load(path, digest, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "No such file"));
	rmdir(dir);
}

/* storage.driver postgres: a DSN, from the file or the key, never echoed. */
static void test_storage_postgres(void **state)
{
	struct collector_config cfg;
	struct store_opts so = { 0 };
	char buf[256], path[] = "/tmp/lwc-dsn.XXXXXX";
	const char *dsn = "host=db port=5432 user=lw password=s3cret-Pa55 dbname=lw";
	int fd;
	FILE *f;

	(void)state;
	assert_rejected("storage:\n  driver: postgres\n", "storage: driver postgres needs dsn or dsn_file");
	assert_rejected("storage:\n  driver: mysql\n", "storage.driver");
	assert_rejected("storage:\n  driver: postgres\n  path: /var/lib/x.db\n  dsn: \"host=db\"\n",
			"path is for driver sqlite");
	assert_rejected("storage:\n  dsn: \"host=db password=s3cret-Pa55\"\n", "dsn and dsn_file are for driver postgres");
	assert_null(strstr(err, "s3cret"));
	assert_rejected("storage:\n  driver: postgres\n  dsn_file: relative/dsn\n", "must be an absolute path");
	assert_rejected("storage:\n  driver: postgres\n  dsn_file: /nonexistent/dsn\n", "cannot read /nonexistent/dsn");

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "%s\n", dsn);
	fclose(f);
	snprintf(buf, sizeof(buf), "storage:\n  driver: postgres\n  dsn_file: %s\n", path);
	collector_config__defaults(&cfg);
	assert_int_equal(collector_config__load_string(&cfg, buf, err, sizeof(err)), 0);
	assert_int_equal(cfg.db_driver, DB_POSTGRES);
	assert_string_equal(cfg.db_dsn, dsn);
	collector_config__store_where(&cfg, &so, buf, sizeof(buf));
	assert_int_equal(so.driver, DB_POSTGRES);
	assert_string_equal(so.dsn, dsn);
	collector_config__free(&cfg);

	/* both at once is a mistake, whichever comes first */
	snprintf(buf, sizeof(buf), "storage:\n  driver: postgres\n  dsn: \"host=a\"\n  dsn_file: %s\n", path);
	assert_rejected(buf, "give storage.dsn or storage.dsn_file, not both");
	assert_null(strstr(err, "s3cret"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_errors_name_the_key),
		cmocka_unit_test(test_failed_load_leaves_config),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_storage_postgres),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_token),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
