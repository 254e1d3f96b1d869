// SPDX-License-Identifier: Apache-2.0
/* The compiled rules kept on disk: read back only when nothing that went
 * into them changed, and only from the user's own files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/hscache.h"
#include "detect/scanner.h"

static char dir[] = "/tmp/lw-hscache-XXXXXX";

static const char *const exprs[] = { "ghp_[A-Za-z0-9]{36}", "AKIA[0-9A-Z]{16}" };
static const unsigned flags[] = { 0, 0 }, ids[] = { 0, 1 };
#define MODE (HS_MODE_STREAM | HS_MODE_SOM_HORIZON_LARGE)

static hs_database_t *compile(void)
{
	hs_database_t *db = NULL;
	hs_compile_error_t *err = NULL;

	assert_int_equal(hs_compile_multi(exprs, flags, ids, 2, MODE, NULL, &db, &err), HS_SUCCESS);
	return db;
}

static char *only_file(void)
{
	static char path[512];
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			n++;
		}
	closedir(d);
	assert_int_equal(n, 1);
	return path;
}

static void test_round_trip_and_misses(void **state)
{
	struct hscache_key key, other;
	hs_database_t *db = compile(), *back;
	unsigned changed[] = { 0, 1 }; /* one flag differs: another database */
	(void)state;

	char key_file[512];

	hscache__key(exprs, flags, ids, 2, MODE, &key);
	hscache__key(exprs, changed, ids, 2, MODE, &other);
	assert_memory_not_equal(key.sha256, other.sha256, sizeof(key.sha256));
	assert_null(hscache__load(dir, &key)); /* nothing yet */
	hscache__store(dir, &key, db);
	snprintf(key_file, sizeof(key_file), "%s", only_file());
	back = hscache__load(dir, &key);
	assert_non_null(back);
	hs_free_database(back);
	assert_null(hscache__load(dir, &other));

	/* another rule set replaces it: one file at a time */
	hscache__store(dir, &other, db);
	assert_null(hscache__load(dir, &key));
	back = hscache__load(dir, &other);
	assert_non_null(back);
	hs_free_database(back);
	/* another set's database under this set's name is not this set's */
	assert_int_equal(rename(only_file(), key_file), 0);
	assert_null(hscache__load(dir, &key));
	assert_int_equal(unlink(key_file), 0);
	hs_free_database(db);
}

static void test_untrusted_or_damaged_is_a_miss(void **state)
{
	struct hscache_key key;
	hs_database_t *db = compile(), *back;
	char *path;
	(void)state;

	hscache__key(exprs, flags, ids, 2, MODE, &key);
	hscache__store(dir, &key, db);
	path = only_file();
	/* a file others may write: someone could have planted it */
	assert_int_equal(chmod(path, 0666), 0);
	assert_null(hscache__load(dir, &key));
	assert_int_equal(chmod(path, 0600), 0);
	/* a folder others may write */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_null(hscache__load(dir, &key));
	assert_int_equal(chmod(dir, 0700), 0);
	/* torn */
	assert_int_equal(truncate(path, 100), 0);
	assert_null(hscache__load(dir, &key));
	/* a link is not followed */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_null(hscache__load(dir, &key));
	assert_int_equal(unlink(path), 0);
	/* and it is written again whole */
	hscache__store(dir, &key, db);
	back = hscache__load(dir, &key);
	assert_non_null(back);
	hs_free_database(back);
	hs_free_database(db);
}

static int count(void *ctx, const struct lw_scan_match *m)
{
	(void)m;
	(*(int *)ctx)++;
	return 0;
}

/* A scanner from the cache finds what a freshly compiled one finds. */
static void test_scanner_from_cache(void **state)
{
	static const char line[] = "INFO token=ghp_R8aKx2Lq9VtZw3Np7HsYb4Mc6Jd1Fg0EeT5u and AKIAZ7Q3N5TX2W4RBK6M\n";
	struct scanner *fresh, *cached, *again;
	int n_fresh = 0, n_cached = 0, n_again = 0;
	char err[256];
	(void)state;

	assert_int_equal(scanner__new(NULL, 0, &fresh, err, sizeof(err)), 0);
	assert_int_equal(scanner__new_cached(NULL, 0, dir, &cached, err, sizeof(err)), 0); /* compiles, stores */
	assert_int_equal(scanner__new_cached(NULL, 0, dir, &again, err, sizeof(err)), 0);  /* reads back */
	scanner__scan(fresh, line, sizeof(line) - 1, count, &n_fresh);
	scanner__scan(cached, line, sizeof(line) - 1, count, &n_cached);
	scanner__scan(again, line, sizeof(line) - 1, count, &n_again);
	assert_true(n_fresh > 0);
	assert_int_equal(n_cached, n_fresh);
	assert_int_equal(n_again, n_fresh);
	scanner__free(fresh);
	scanner__free(cached);
	scanner__free(again);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_and_misses),
		cmocka_unit_test(test_untrusted_or_damaged_is_a_miss),
		cmocka_unit_test(test_scanner_from_cache),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
