// SPDX-License-Identifier: Apache-2.0
/* relay: the program a syslog daemon's line names, and which writers are daemons. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "leaks/relay.h"

static bool parse(const char *line, struct lw_origin *o)
{
	return relay__parse(line, strlen(line), o);
}

static void test_rfc3164(void **state)
{
	struct lw_origin o;
	(void)state;

	assert_true(parse("Dec  3 08:45:11 db-1 api[5866]: token=x", &o));
	assert_string_equal(o.comm, "api");
	assert_int_equal(o.pid, 5866);
	assert_string_equal(o.hostname, "db-1");
	assert_string_equal(o.format, "rfc3164");
	/* rsyslog's default file format: an RFC 3339 time stamp */
	assert_true(parse("2026-12-03T08:45:11.093832+00:00 db-1 postgres[77]: FATAL", &o));
	assert_string_equal(o.comm, "postgres");
	assert_int_equal(o.pid, 77);
	/* with a priority, as forwarded */
	assert_true(parse("<13>Dec 13 08:45:11 db-1 cron[1]: x", &o));
	assert_string_equal(o.comm, "cron");
	/* no pid */
	assert_true(parse("Dec  3 08:45:11 db-1 kernel: x", &o));
	assert_string_equal(o.comm, "kernel");
	assert_int_equal(o.pid, 0);
	/* no host name */
	assert_true(parse("Dec  3 08:45:11 app[9]: x", &o));
	assert_string_equal(o.comm, "app");
	assert_int_equal(o.pid, 9);
	assert_string_equal(o.hostname, "");
}

static void test_rfc5424(void **state)
{
	struct lw_origin o;
	(void)state;

	assert_true(parse("<14>1 2026-12-03T08:45:11.003Z db-1 myapp 4242 ID47 - token=x", &o));
	assert_string_equal(o.comm, "myapp");
	assert_int_equal(o.pid, 4242);
	assert_string_equal(o.hostname, "db-1");
	assert_string_equal(o.format, "rfc5424");
	assert_true(parse("<14>1 2026-12-03T08:45:11Z - myapp - - - x", &o));
	assert_string_equal(o.hostname, "");
	assert_int_equal(o.pid, 0);
	/* no APP-NAME: nothing to name */
	assert_false(parse("<14>1 2026-12-03T08:45:11Z host - - - - x", &o));
}

static void test_not_syslog(void **state)
{
	struct lw_origin o;
	(void)state;

	assert_false(parse("hello world", &o));
	assert_false(parse("Dec  3 08:45:11 db-1", &o));
	assert_false(parse("Dec  3 08:45:11 db-1 no colon here", &o));
	assert_false(parse("2026-12-03 INFO started", &o));
	assert_false(parse("Dec  3 08:45:11 db-1 app[12x]: x", &o));
	assert_false(parse("<999999", &o));
	assert_false(parse("", &o));
	/* bounded by the given length, not the NUL */
	assert_false(relay__parse("Dec  3 08:45:11 db-1 app: x", 20, &o));
}

static void test_daemons(void **state)
{
	struct lw_proc p;
	(void)state;

	memset(&p, 0, sizeof(p));
	strcpy(p.exe, "/usr/sbin/rsyslogd");
	strcpy(p.comm, "rs:main Q:Reg");
	assert_true(relay__is_daemon(&p));
	strcpy(p.exe, "/usr/sbin/syslog-ng");
	assert_true(relay__is_daemon(&p));
	strcpy(p.exe, "/lib/systemd/systemd-journald");
	assert_true(relay__is_daemon(&p));
	strcpy(p.exe, "/usr/bin/python3");
	strcpy(p.comm, "python3");
	assert_false(relay__is_daemon(&p));
	/* the process is gone: its thread name says it */
	p.exe[0] = '\0';
	strcpy(p.comm, "rs:main Q:Reg");
	assert_true(relay__is_daemon(&p));
	strcpy(p.comm, "systemd-journal");
	assert_true(relay__is_daemon(&p));
	strcpy(p.comm, "rsyslogger");
	assert_false(relay__is_daemon(&p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3164),
		cmocka_unit_test(test_rfc5424),
		cmocka_unit_test(test_not_syslog),
		cmocka_unit_test(test_daemons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
