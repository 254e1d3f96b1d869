// SPDX-License-Identifier: Apache-2.0
/*
 * lastopen: the listeners open when the agent last looked, saved in the
 * state directory so that one which closed while the agent was down is
 * reported closed at the next start. What is saved comes back as the close
 * finding; what cannot be read is told apart from what is not there.
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
#include <sys/stat.h>
#include <unistd.h>

#include "listeners/lastopen.h"
#include "tree.h"

#define BOOT "5e0c3b8e-8d1c-4b5e-9f2a-7c6d5e4f3a2b"

static char dir[TREE_ROOT_MAX];

static void path_of(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

/* A public, unexpected redis on 0.0.0.0:6379 in namespace ns, held by pid. */
static struct lw_listener redis(uint32_t ns, uint16_t port, uint32_t pid)
{
	struct lw_listener l = { .open = true, .source = "kernel", .netns_ino = ns, .protocol = IPPROTO_TCP };

	assert_int_equal(addr__parse("0.0.0.0", &l.addr), 0);
	l.port = port;
	l.sock_ino = 1000 + port;
	l.proc.tgid = l.proc.pid = pid;
	l.proc.uid = 999;
	snprintf(l.proc.comm, sizeof(l.proc.comm), "redis-server");
	snprintf(l.proc.exe, sizeof(l.proc.exe), "/usr/bin/redis-server");
	l.exposure.level = LW_CLASS_PUBLIC;
	l.exposure.wildcard = true;
	l.severity = LW_SEV_CRITICAL;
	assert_true(service__by_name("redis", "process", &l.service));
	return l;
}

static int setup(void **state)
{
	(void)state;
	return tree_make(dir, "lastopen");
}

static int teardown(void **state)
{
	(void)state;
	return tree_remove(dir);
}

static void test_what_is_saved_comes_back_as_its_close(void **state)
{
	struct socktab *t = socktab__new();
	struct lw_listener open = redis(4026531840u, 6379, 4242), udp = redis(4026532000u, 53, 7);
	struct lastopen lo;
	char path[128], a[LW_ADDR_STRLEN];
	struct stat st;
	(void)state;

	udp.protocol = IPPROTO_UDP;
	assert_int_equal(addr__parse("fd00::1", &udp.addr), 0);
	udp.v6only = true;
	udp.expected = true;
	udp.severity = LW_SEV_INFO;
	udp.exposure.level = LW_CLASS_PRIVATE;
	udp.exposure.wildcard = false;
	udp.service = (struct lw_service_id){ 0 };
	/* the namespace's cookie and name come back: its close keys the same alert */
	open.netns_cookie = 4107;
	snprintf(open.netns_name, sizeof(open.netns_name), "lre20");
	assert_int_equal(socktab__add(t, &open), 1);
	assert_int_equal(socktab__add(t, &udp), 1);
	path_of(path, sizeof(path), "listeners.tsv");
	assert_int_equal(lastopen__save(path, BOOT, 1767225600000000000ULL, t, NULL, 0), 0);
	/* private to the agent, and nothing left aside */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	path_of(path, sizeof(path), "listeners.tsv.tmp");
	assert_int_not_equal(access(path, F_OK), 0);

	path_of(path, sizeof(path), "listeners.tsv");
	assert_int_equal(lastopen__load(path, &lo), 0);
	assert_string_equal(lo.boot_id, BOOT);
	assert_int_equal(lo.saved_ns, 1767225600000000000ULL);
	assert_int_equal(lo.n, 2);
	assert_int_equal(lo.skipped, 0);
	for (size_t i = 0; i < lo.n; i++) {
		const struct lw_listener *l = &lo.l[i], *want = l->protocol == IPPROTO_TCP ? &open : &udp;

		/* a close finding, as the collector keys the endpoint */
		assert_false(l->open);
		assert_string_equal(l->source, "restart");
		assert_int_equal(l->netns_ino, want->netns_ino);
		assert_int_equal(l->netns_cookie, want->netns_cookie);
		assert_string_equal(l->netns_name, want->netns_name);
		assert_int_equal(l->v6only, want->v6only);
		assert_string_equal(addr__format(&l->addr, a), want->protocol == IPPROTO_TCP ? "0.0.0.0" : "fd00::1");
		assert_int_equal(l->port, want->port);
		/* and what it said when it opened */
		assert_int_equal(l->proc.tgid, want->proc.tgid);
		assert_int_equal(l->proc.pid, want->proc.tgid);
		assert_int_equal(l->proc.uid, want->proc.uid);
		assert_string_equal(l->proc.comm, want->proc.comm);
		assert_string_equal(l->proc.exe, want->proc.exe);
		assert_int_equal(l->severity, want->severity);
		assert_int_equal(l->exposure.level, want->exposure.level);
		assert_int_equal(l->exposure.wildcard, want->exposure.wildcard);
		assert_int_equal(l->expected, want->expected);
		if (want->service.name) {
			assert_string_equal(l->service.name, "redis");
			assert_string_equal(l->service.via, "process");
		} else {
			assert_null(l->service.name);
		}
	}
	lastopen__free(&lo);
	assert_null(lo.l);
	socktab__free(t);
}

static void test_carried_listeners_are_saved_unless_open_again(void **state)
{
	struct socktab *t = socktab__new();
	struct lw_listener now = redis(1, 6379, 10), carried[2] = { redis(1, 6379, 9), redis(2, 6380, 11) };
	struct lastopen lo;
	char path[128];
	(void)state;

	/* carried: saved as open in a namespace the inventory could not read */
	assert_int_equal(socktab__add(t, &now), 1);
	path_of(path, sizeof(path), "carried.tsv");
	assert_int_equal(lastopen__save(path, BOOT, 1, t, carried, 2), 0);
	assert_int_equal(lastopen__load(path, &lo), 0);
	assert_int_equal(lo.n, 2);
	/* the open one once, with what is known now; the other carried on */
	for (size_t i = 0; i < lo.n; i++)
		assert_int_equal(lo.l[i].proc.tgid, lo.l[i].netns_ino == 1 ? 10 : 11);
	lastopen__free(&lo);
	socktab__free(t);
}

static void test_separators_in_names_do_not_break_lines(void **state)
{
	struct socktab *t = socktab__new();
	struct lw_listener l = redis(1, 6379, 10);
	struct lastopen lo;
	char path[128];
	(void)state;

	snprintf(l.proc.comm, sizeof(l.proc.comm), "a\tb c");
	snprintf(l.proc.exe, sizeof(l.proc.exe), "/opt/my app/bin\n");
	assert_int_equal(socktab__add(t, &l), 1);
	path_of(path, sizeof(path), "names.tsv");
	/* an empty boot id (no /proc/sys/kernel/random/boot_id) is saved as "-" */
	assert_int_equal(lastopen__save(path, "", 5, t, NULL, 0), 0);
	assert_int_equal(lastopen__load(path, &lo), 0);
	assert_string_equal(lo.boot_id, "-");
	assert_int_equal(lo.n, 1);
	assert_string_equal(lo.l[0].proc.comm, "a?b?c");
	assert_string_equal(lo.l[0].proc.exe, "/opt/my?app/bin?");
	lastopen__free(&lo);
	socktab__free(t);
}

static void test_no_file_is_an_empty_set(void **state)
{
	struct lastopen lo;
	char path[128];
	(void)state;

	path_of(path, sizeof(path), "never-saved.tsv");
	assert_int_equal(lastopen__load(path, &lo), 0);
	assert_int_equal(lo.n, 0);
	assert_null(lo.l);
	assert_string_equal(lo.boot_id, "");
}

static void test_another_file_is_not_read_as_one(void **state)
{
	struct lastopen lo;
	char path[128];
	(void)state;

	/* someone else's file, an older format, an empty file */
	tree_file(dir, "/other.tsv", "# my notes\n1\t6\t0\t0.0.0.0\t22\n");
	path_of(path, sizeof(path), "other.tsv");
	assert_int_equal(lastopen__load(path, &lo), -EINVAL);
	tree_file(dir, "/old.tsv", "leakwatch-listeners 1 " BOOT " 5\n");
	path_of(path, sizeof(path), "old.tsv");
	assert_int_equal(lastopen__load(path, &lo), -EINVAL);
	tree_file(dir, "/empty.tsv", "");
	path_of(path, sizeof(path), "empty.tsv");
	assert_int_equal(lastopen__load(path, &lo), -EINVAL);
	assert_int_equal(lo.n, 0);
}

static void test_damaged_lines_are_skipped_and_counted(void **state)
{
	static const char good[] = "7\t6\t0\t10.0.0.5\t5432\t12\t70\t3\t1\t0\t0\tpostgresql\tport\tpostgres\t\n";
	char text[2048], path[128];
	struct lastopen lo;
	(void)state;

	snprintf(text, sizeof(text),
		 "leakwatch-listeners 2 %s 99\n"
		 "%s"
		 "7\t6\t0\t10.0.0.5\t5432\n"                                            /* too few fields */
		 "7\t6\t0\t10.0.0.5\t5432\t12\t70\t3\t1\t0\t0\t-\t-\tx\t\textra\n"      /* too many */
		 "7\t6\t0\t10.0.0.5\t70000\t12\t70\t3\t1\t0\t0\t-\t-\tx\t\n"            /* port */
		 "7\t1\t0\t10.0.0.5\t5432\t12\t70\t3\t1\t0\t0\t-\t-\tx\t\n"             /* ICMP */
		 "7\t6\t0\tnot-an-address\t5432\t12\t70\t3\t1\t0\t0\t-\t-\tx\t\n"
		 "7\t6\t0\t10.0.0.5\t5432\t12\t70\t9\t1\t0\t0\t-\t-\tx\t\n"             /* severity */
		 "7\t6\t0\t10.0.0.5\t5432\t-12\t70\t3\t1\t0\t0\t-\t-\tx\t\n"            /* a negative pid */
		 "7\t6\t0\t10.0.0.5\t5432\t12\t70\t3\t1\t0\t0\t-\t-\tx\t\tcookie\tns\n"  /* the cookie */
		 "\n",
		 BOOT, good);
	tree_file(dir, "/damaged.tsv", text);
	path_of(path, sizeof(path), "damaged.tsv");
	assert_int_equal(lastopen__load(path, &lo), 0);
	assert_int_equal(lo.n, 1);
	assert_int_equal(lo.skipped, 9);
	assert_int_equal(lo.l[0].port, 5432);
	assert_int_equal(lo.l[0].severity, LW_SEV_HIGH);
	assert_string_equal(lo.l[0].service.name, "postgresql");
	assert_string_equal(lo.l[0].service.via, "port");
	assert_string_equal(lo.l[0].proc.exe, "");
	/* a line saved before cookies were kept: none */
	assert_int_equal(lo.l[0].netns_cookie, 0);
	assert_string_equal(lo.l[0].netns_name, "");
	lastopen__free(&lo);
}

static void test_unreadable_is_an_error_not_an_empty_set(void **state)
{
	struct socktab *t = socktab__new();
	struct lastopen lo;
	char path[128];
	(void)state;

	/* a directory where the file should be: not read, and not replaced */
	path_of(path, sizeof(path), "a-directory");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(lastopen__load(path, &lo), -EIO);
	assert_int_not_equal(lastopen__save(path, BOOT, 1, t, NULL, 0), 0);
	/* a save where no file can be made leaves nothing behind */
	path_of(path, sizeof(path), "missing-dir/listeners.tsv");
	assert_int_equal(lastopen__save(path, BOOT, 1, t, NULL, 0), -ENOENT);
	socktab__free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_what_is_saved_comes_back_as_its_close),
		cmocka_unit_test(test_carried_listeners_are_saved_unless_open_again),
		cmocka_unit_test(test_separators_in_names_do_not_break_lines),
		cmocka_unit_test(test_no_file_is_an_empty_set),
		cmocka_unit_test(test_another_file_is_not_read_as_one),
		cmocka_unit_test(test_damaged_lines_are_skipped_and_counted),
		cmocka_unit_test(test_unreadable_is_an_error_not_an_empty_set),
	};

	return cmocka_run_group_tests_name("lastopen", tests, setup, teardown);
}
