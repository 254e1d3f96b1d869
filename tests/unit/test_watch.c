// SPDX-License-Identifier: Apache-2.0
/* glob and watch: which files are logs worth scanning. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "config/glob.h"
#include "logfiles/watch.h"

static void test_glob(void **state)
{
	(void)state;
	assert_true(glob__match("/var/log/**", "/var/log/syslog"));
	assert_true(glob__match("/var/log/**", "/var/log/nginx/access.log"));
	assert_false(glob__match("/var/log/**", "/var/logs/x"));
	assert_true(glob__match("**/*.log", "/x.log"));
	assert_true(glob__match("**/*.log", "/srv/app/logs/api.log"));
	assert_false(glob__match("**/*.log", "/srv/app/api.log.1"));
	assert_false(glob__match("**/*.log", "/srv/app/catalog"));
	assert_true(glob__match("**/*.log.[0-9]*", "/srv/app/api.log.1"));
	assert_true(glob__match("**/*.log.[0-9]*", "/srv/app/api.log.2026-11-29"));
	assert_false(glob__match("**/*.log.[0-9]*", "/srv/app/api.log.old"));
	assert_true(glob__match("/a/*/c", "/a/b/c"));
	assert_false(glob__match("/a/*/c", "/a/b/x/c"));
	assert_true(glob__match("/a/?", "/a/b"));
	assert_false(glob__match("/a/?", "/a/"));
	assert_true(glob__match("/a/[!b]", "/a/c"));
	assert_false(glob__match("/a/[!b]", "/a/b"));
	assert_true(glob__match("/a/[a-c]x", "/a/bx"));
}

static void test_glob_check(void **state)
{
	(void)state;
	assert_null(glob__check("/var/log/**"));
	assert_null(glob__check("**/*.log"));
	assert_non_null(glob__check("relative/*.log"));
	assert_non_null(glob__check("/a/[b"));
	assert_non_null(glob__check(""));
}

static void test_hostile_pattern_terminates(void **state)
{
	char path[300];
	(void)state;

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	/* would backtrack exponentially without a bound */
	assert_false(glob__match("/**a**a**a**a**a**a**a**a**a**b", path));
}

static void test_default_watch_set(void **state)
{
	struct watch_set w = { .defaults = true };
	(void)state;

	assert_true(watch__wants(&w, "/var/log/syslog"));
	assert_true(watch__wants(&w, "/var/log/nginx/error.log"));
	assert_true(watch__wants(&w, "/home/app/run/server.log"));
	assert_true(watch__wants(&w, "/home/app/run/server.log.1"));
	assert_true(watch__wants(&w, "/var/lib/docker/containers/ab12/ab12-json.log"));
	assert_false(watch__wants(&w, "/var/log/journal/0123/system.journal"));
	assert_false(watch__wants(&w, "/var/log/wtmp"));
	assert_false(watch__wants(&w, "/var/log/nginx/access.log.2.gz"));
	assert_false(watch__wants(&w, "/home/app/notes.txt"));
	assert_false(watch__wants(&w, "/etc/shadow"));
}

static void test_operator_paths_and_excludes(void **state)
{
	char *paths[] = { "/srv/**/*.out", "/data/**/*.gz" };
	char *exclude[] = { "/var/log/noisy/**" };
	struct watch_set w = { .defaults = true, .paths = paths, .n_paths = 2, .exclude = exclude, .n_exclude = 1 };
	struct watch_set only = { .defaults = false, .paths = paths, .n_paths = 1 };
	(void)state;

	assert_true(watch__wants(&w, "/srv/app/stdout.out"));
	/* an explicit path beats a default exclusion */
	assert_true(watch__wants(&w, "/data/x/dump.gz"));
	/* the operator's exclusion beats everything */
	assert_false(watch__wants(&w, "/var/log/noisy/a.log"));
	assert_true(watch__wants(&w, "/var/log/quiet/a.log"));
	/* without defaults only the given paths */
	assert_true(watch__wants(&only, "/srv/app/stdout.out"));
	assert_false(watch__wants(&only, "/var/log/syslog"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_glob_check),
		cmocka_unit_test(test_hostile_pattern_terminates),
		cmocka_unit_test(test_default_watch_set),
		cmocka_unit_test(test_operator_paths_and_excludes),
	};

	return cmocka_run_group_tests_name("watch", tests, NULL, NULL);
}
