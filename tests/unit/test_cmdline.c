// SPDX-License-Identifier: Apache-2.0
/* cmdline: credentials never reach the output, everything else does. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "attrib/cmdline.h"

#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Joins argv the way /proc/PID/cmdline holds it: each argument NUL-terminated. */
static size_t join(const char *const *argv, char *buf, size_t cap)
{
	size_t len = 0;

	for (; *argv; argv++) {
		size_t n = strlen(*argv) + 1;

		assert_true(len + n <= cap);
		memcpy(buf + len, *argv, n);
		len += n;
	}
	return len;
}

/* Redacts argv and checks the result; `secret` (if any) must be gone. */
static void check(const char *const *argv, const char *want, const char *secret)
{
	char args[4096], out[1024];
	size_t len = join(argv, args, sizeof(args));

	cmdline__redact(args, len, out, sizeof(out));
	assert_string_equal(out, want);
	if (secret && strstr(out, secret))
		fail_msg("\"%s\" leaked into \"%s\"", secret, out);
}

static void test_flag_with_equals(void **state)
{
	(void)state;

	check(ARGV("app", "--password=hunter2"), "app --password=****", "hunter2");
	check(ARGV("app", "--db-password=hunter2", "--port=5432"), "app --db-password=**** --port=5432",
	      "hunter2");
	check(ARGV("app", "--api.token=hunter2"), "app --api.token=****", "hunter2");
	check(ARGV("vault", "-secret-id=hunter2"), "vault -secret-id=****", "hunter2");
}

/* redis-server rewrites its title and pads it with spaces, as real ones do */
static void test_rewritten_title_padding_is_trimmed(void **state)
{
	(void)state;

	check(ARGV("redis-server 0.0.0.0:6379                                                              "),
	      "redis-server 0.0.0.0:6379", NULL);
	check(ARGV("redis-server *:6379", "", "", ""), "redis-server *:6379", NULL);
	check(ARGV("app", "--name=x   "), "app --name=x", NULL);
}

static void test_flag_then_value(void **state)
{
	(void)state;

	check(ARGV("app", "--password", "hunter2", "--port", "5432"), "app --password **** --port 5432",
	      "hunter2");
	check(ARGV("redis-server", "--port", "6379", "--requirepass", "hunter2"),
	      "redis-server --port 6379 --requirepass ****", "hunter2");
	check(ARGV("redis-server", "--masterauth", "hunter2"), "redis-server --masterauth ****", "hunter2");
	check(ARGV("app", "--pass", "hunter2"), "app --pass ****", "hunter2");
	/* a secret flag at the end has nothing to hide */
	check(ARGV("app", "--port", "1", "--password"), "app --port 1 --password", NULL);
}

static void test_environment_style(void **state)
{
	(void)state;

	check(ARGV("env", "PGPASSWORD=hunter2", "psql", "-h", "db"), "env PGPASSWORD=**** psql -h db",
	      "hunter2");
	check(ARGV("docker", "run", "-e", "MYSQL_ROOT_PASSWORD=hunter2", "mysql:8"),
	      "docker run -e MYSQL_ROOT_PASSWORD=**** mysql:8", "hunter2");
	check(ARGV("env", "AWS_SECRET_ACCESS_KEY=hunter2", "LANG=C", "aws"),
	      "env AWS_SECRET_ACCESS_KEY=**** LANG=C aws", "hunter2");
}

static void test_short_password_flags(void **state)
{
	(void)state;

	check(ARGV("redis-cli", "-h", "db", "-a", "hunter2", "ping"), "redis-cli -h db -a **** ping",
	      "hunter2");
	check(ARGV("/usr/bin/redis-cli", "-ahunter2"), "/usr/bin/redis-cli -a****", "hunter2");
	check(ARGV("/usr/bin/mysql", "-uroot", "-phunter2", "shop"), "/usr/bin/mysql -uroot -p**** shop",
	      "hunter2");
	/* a bare -p prompts for the password: the next word is the database */
	check(ARGV("mysql", "-u", "root", "-p", "shop"), "mysql -u root -p shop", NULL);
	check(ARGV("mongosh", "-u", "admin", "-p", "hunter2"), "mongosh -u admin -p ****", "hunter2");
	check(ARGV("curl", "-u", "alice:hunter2", "https://example.com/"), "curl -u **** https://example.com/",
	      "hunter2");
	/* the same flags mean something else to other programs */
	check(ARGV("ls", "-a", "/tmp"), "ls -a /tmp", NULL);
	check(ARGV("ssh", "-p", "2222", "host"), "ssh -p 2222 host", NULL);
}

static void test_uri_credentials(void **state)
{
	(void)state;

	check(ARGV("psql", "postgres://alice:hunter2@db.internal:5432/shop"),
	      "psql postgres://alice:****@db.internal:5432/shop", "hunter2");
	check(ARGV("app", "--broker=amqp://guest:hunter2@mq/vhost", "--db", "mongodb://u:hunter3@h1,h2/x"),
	      "app --broker=amqp://guest:****@mq/vhost --db mongodb://u:****@h1,h2/x", "hunter");
	/* no password in the URI: nothing to blank, the user stays */
	check(ARGV("app", "https://alice@example.com/x", "http://example.com:8080/a@b"),
	      "app https://alice@example.com/x http://example.com:8080/a@b", NULL);
}

static void test_authorization_header(void **state)
{
	(void)state;

	check(ARGV("curl", "-H", "Authorization: Bearer abc123token", "https://api.example.com/"),
	      "curl -H Authorization: Bearer **** https://api.example.com/", "abc123token");
	check(ARGV("curl", "-H", "authorization: basic YWxpY2U6aHVudGVyMg==", "https://x/"),
	      "curl -H authorization: basic **** https://x/", "YWxpY2U6aHVudGVyMg");
	check(ARGV("curl", "--header", "X-Api-Key: abc123token", "https://x/"),
	      "curl --header X-Api-Key: **** https://x/", "abc123token");
	/* base64 padding is not a name=value pair */
	check(ARGV("curl", "-H", "Authorization: Bearer abc123token=="), "curl -H Authorization: Bearer ****",
	      "abc123token");
	check(ARGV("curl", "-H", "X-Api-Key:abc123token="), "curl -H X-Api-Key: ****", "abc123token");
	check(ARGV("curl", "--header=Authorization: Bearer abc123token"),
	      "curl --header=Authorization: Bearer ****", "abc123token");
}

static void test_setproctitle(void **state)
{
	(void)state;

	/* one argument holding the whole title, read as words */
	check(ARGV("myworker --token=hunter2 --port 80"), "myworker --token=**** --port 80", "hunter2");
	check(ARGV("redis-cli -a hunter2 monitor"), "redis-cli -a **** monitor", "hunter2");
	check(ARGV("postgres: alice shop 10.0.0.5(5432) idle"), "postgres: alice shop 10.0.0.5(5432) idle",
	      NULL);
	check(ARGV("nginx: worker process"), "nginx: worker process", NULL);
}

static void test_harmless_unchanged(void **state)
{
	(void)state;

	check(ARGV("/usr/sbin/sshd", "-D"), "/usr/sbin/sshd -D", NULL);
	check(ARGV("postgres", "-D", "/var/lib/postgresql/data", "-c", "max_connections=100"),
	      "postgres -D /var/lib/postgresql/data -c max_connections=100", NULL);
	check(ARGV("python3", "-m", "http.server", "8000"), "python3 -m http.server 8000", NULL);
	check(ARGV("app", "--keyspace=shop", "--monkey", "-1", "x=y"), "app --keyspace=shop --monkey -1 x=y",
	      NULL);
}

static void test_empty_and_truncated(void **state)
{
	static const char args[] = "app\0--password=hunter2secret\0--verbose";
	char out[32];
	(void)state;

	memset(out, 'X', sizeof(out));
	cmdline__redact("", 0, out, 16);
	assert_string_equal(out, "");

	/* the output is cut, still terminated, never past outlen, never the secret */
	memset(out, 'X', sizeof(out));
	cmdline__redact(args, sizeof(args), out, 16);
	assert_int_equal(strlen(out), 15);
	assert_memory_equal(out, "app --password=", 15);
	assert_int_equal(out[16], 'X');
	assert_null(strstr(out, "hunter2"));

	memset(out, 'X', sizeof(out));
	cmdline__redact(args, sizeof(args), out, 18);
	assert_string_equal(out, "app --password=**");

	memset(out, 'X', sizeof(out));
	cmdline__redact(args, sizeof(args), out, 1);
	assert_string_equal(out, "");
	assert_int_equal(out[1], 'X');

	/* outlen 0: nothing written at all */
	memset(out, 'X', sizeof(out));
	cmdline__redact(args, sizeof(args), out, 0);
	assert_int_equal(out[0], 'X');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flag_with_equals),
		cmocka_unit_test(test_rewritten_title_padding_is_trimmed),
		cmocka_unit_test(test_flag_then_value),
		cmocka_unit_test(test_environment_style),
		cmocka_unit_test(test_short_password_flags),
		cmocka_unit_test(test_uri_credentials),
		cmocka_unit_test(test_authorization_header),
		cmocka_unit_test(test_setproctitle),
		cmocka_unit_test(test_harmless_unchanged),
		cmocka_unit_test(test_empty_and_truncated),
	};

	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
