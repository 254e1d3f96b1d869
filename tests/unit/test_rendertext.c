// SPDX-License-Identifier: Apache-2.0
/* `run --format text` and `serve --print` on a terminal: one line a person reads per event. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "collector_fixtures.h"
#include "wire/render.h"

#define T0 (1700000000LL * 1000000000LL) /* 22:13:20 UTC */

static void test_listener(void **state)
{
	struct fx e;
	Leakwatch__V1__Event *ev = fx_listener(&e, 1, T0, "db-1", 6379, true);
	char *line;
	(void)state;

	line = render__event_text(ev);
	assert_non_null(line);
	assert_non_null(strstr(line, "22:13:20 db-1 high     listener redis on 0.0.0.0:6379/tcp, public, redis-server["));
	assert_null(strchr(line, '\n'));
	assert_true(strlen(line) <= 100);
	free(line);
	e.svc.identified_by = LEAKWATCH__V1__SERVICE__IDENTIFIED_BY__IDENTIFIED_BY_PORT;
	e.l.action = LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_CLOSE;
	line = render__event_text(ev);
	assert_non_null(strstr(line, "closed   listener redis? on 0.0.0.0:6379/tcp"));
	free(line);
}

static void test_leak(void **state)
{
	struct fx e;
	Leakwatch__V1__Event *ev = fx_leak(&e, 1, T0, "web-7", "0123456789abcdef0123456789abcdef", "/var/log/api.log", 3);
	char *line;
	(void)state;

	e.k.offset = 5120;
	line = render__event_text(ev);
	assert_non_null(line);
	assert_non_null(strstr(line, "22:13:20 web-7 critical leak     github-pat "));
	assert_non_null(strstr(line, " in /var/log/api.log, offset 5120"));
	assert_non_null(strstr(line, "(x3)"));
	free(line);
}

static void test_health_only_with_drops(void **state)
{
	struct fx e;
	Leakwatch__V1__Event *ev = fx_health(&e, 1, T0, "db-1", 0);
	char *line;
	(void)state;

	assert_null(render__event_text(ev)); /* nothing to say */
	ev = fx_health(&e, 2, T0, "db-1", 12);
	line = render__event_text(ev);
	assert_non_null(line);
	assert_non_null(strstr(line, "warn     health   agent dropped 12 events: ringbuf_full 12"));
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listener),
		cmocka_unit_test(test_leak),
		cmocka_unit_test(test_health_only_with_drops),
	};

	return cmocka_run_group_tests_name("rendertext", tests, NULL, NULL);
}
