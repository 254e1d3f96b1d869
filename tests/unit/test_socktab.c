// SPDX-License-Identifier: Apache-2.0
/* socktab: an endpoint opens with its first socket and closes with its last. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>

#include "listeners/socktab.h"

static struct socktab *t;

static int setup(void **state)
{
	(void)state;
	t = socktab__new();
	return t ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	socktab__free(t);
	t = NULL;
	return 0;
}

/* A TCP listener on addr:port in namespace 4026531840, socket inode ino. */
static struct lw_listener L(const char *addr, uint16_t port, uint64_t ino)
{
	struct lw_listener l;

	memset(&l, 0, sizeof(l));
	l.netns_ino = 4026531840u;
	l.protocol = IPPROTO_TCP;
	if (addr__parse(addr, &l.addr))
		fail_msg("bad test address %s", addr);
	l.port = port;
	l.sock_ino = ino;
	l.proc.tgid = 100 + (uint32_t)ino;
	return l;
}

static void test_reuseport_opens_once_closes_once(void **state)
{
	struct lw_listener a = L("0.0.0.0", 80, 1001), b = L("0.0.0.0", 80, 1002), opened;
	(void)state;

	assert_int_equal(socktab__add(t, &a), 1);
	assert_int_equal(socktab__add(t, &b), 0);
	assert_int_equal(socktab__count(t), 1);

	memset(&opened, 0, sizeof(opened));
	assert_int_equal(socktab__remove(t, &b, &opened), 0);
	assert_int_equal(opened.sock_ino, 0); /* untouched until the last goes */
	assert_int_equal(socktab__count(t), 1);

	assert_int_equal(socktab__remove(t, &a, &opened), 1);
	assert_int_equal(socktab__count(t), 0);
	/* the finding that opened it, not the socket that closed it */
	assert_int_equal(opened.sock_ino, 1001);
	assert_int_equal(opened.proc.tgid, 1101);

	/* and a later socket opens it afresh */
	assert_int_equal(socktab__add(t, &b), 1);
}

static void test_closing_order_does_not_matter(void **state)
{
	struct lw_listener a = L("0.0.0.0", 80, 1001), b = L("0.0.0.0", 80, 1002), opened;
	(void)state;

	assert_int_equal(socktab__add(t, &a), 1);
	assert_int_equal(socktab__add(t, &b), 0);
	assert_int_equal(socktab__remove(t, &a, &opened), 0);
	assert_int_equal(socktab__remove(t, &b, &opened), 1);
	assert_int_equal(opened.sock_ino, 1001);
}

static void test_same_inode_counted_once(void **state)
{
	/* the start-up inventory and a kernel event name the same socket */
	struct lw_listener inv = L("10.0.0.5", 5432, 2001), ev = L("10.0.0.5", 5432, 2001), opened;
	(void)state;

	ev.source = "kernel";
	assert_int_equal(socktab__add(t, &inv), 1);
	assert_int_equal(socktab__add(t, &ev), 0);
	assert_int_equal(socktab__remove(t, &ev, &opened), 1);
	assert_int_equal(socktab__count(t), 0);
}

static void test_remove_any_with_inode_zero(void **state)
{
	struct lw_listener a = L("::", 443, 3001), b = L("::", 443, 3002), any = L("::", 443, 0), opened;
	(void)state;

	assert_int_equal(socktab__add(t, &a), 1);
	assert_int_equal(socktab__add(t, &b), 0);
	assert_int_equal(socktab__remove(t, &any, &opened), 0);
	assert_int_equal(socktab__count(t), 1);
	assert_int_equal(socktab__remove(t, &any, &opened), 1);
	assert_int_equal(socktab__count(t), 0);
	assert_int_equal(opened.sock_ino, 3001);
	/* nothing left to remove */
	assert_int_equal(socktab__remove(t, &any, &opened), 0);
}

static void test_unknown_inode_does_not_close(void **state)
{
	struct lw_listener a = L("0.0.0.0", 22, 4001), stranger = L("0.0.0.0", 22, 4999), opened;
	(void)state;

	assert_int_equal(socktab__add(t, &a), 1);
	assert_int_equal(socktab__remove(t, &stranger, &opened), 0);
	assert_int_equal(socktab__count(t), 1);
	assert_int_equal(socktab__remove(t, &a, &opened), 1);
}

static void test_endpoints_are_distinct(void **state)
{
	struct lw_listener base = L("0.0.0.0", 53, 5001), other, opened;
	(void)state;

	assert_int_equal(socktab__add(t, &base), 1);
	other = L("0.0.0.0", 54, 5002);
	assert_int_equal(socktab__add(t, &other), 1);
	other = L("127.0.0.1", 53, 5003);
	assert_int_equal(socktab__add(t, &other), 1);
	other = L("::", 53, 5004);
	assert_int_equal(socktab__add(t, &other), 1);
	other = L("0.0.0.0", 53, 5005);
	other.protocol = IPPROTO_UDP;
	assert_int_equal(socktab__add(t, &other), 1);
	other = L("0.0.0.0", 53, 5006);
	other.netns_ino = 4026532000u;
	assert_int_equal(socktab__add(t, &other), 1);
	assert_int_equal(socktab__count(t), 6);

	/* removing from another endpoint leaves this one */
	other = L("0.0.0.0", 54, 5001);
	assert_int_equal(socktab__remove(t, &other, &opened), 0);
	assert_int_equal(socktab__count(t), 6);
	assert_int_equal(socktab__remove(t, &base, &opened), 1);
	assert_int_equal(opened.port, 53);
	assert_int_equal(socktab__count(t), 5);
}

static void test_many_endpoints(void **state)
{
	struct lw_listener l, opened;
	(void)state;

	/* past the first allocation, then removed out of order */
	for (uint16_t p = 1; p <= 100; p++) {
		l = L("0.0.0.0", p, p);
		assert_int_equal(socktab__add(t, &l), 1);
	}
	assert_int_equal(socktab__count(t), 100);
	for (uint16_t p = 1; p <= 100; p += 2) {
		l = L("0.0.0.0", p, p);
		assert_int_equal(socktab__remove(t, &l, &opened), 1);
		assert_int_equal(opened.port, p);
	}
	assert_int_equal(socktab__count(t), 50);
	for (uint16_t p = 2; p <= 100; p += 2) {
		l = L("0.0.0.0", p, p);
		assert_int_equal(socktab__add(t, &l), 0); /* still open */
		assert_int_equal(socktab__remove(t, &l, &opened), 1);
	}
	assert_int_equal(socktab__count(t), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reuseport_opens_once_closes_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closing_order_does_not_matter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_inode_counted_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_any_with_inode_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_inode_does_not_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_endpoints_are_distinct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_endpoints, setup, teardown),
	};

	return cmocka_run_group_tests_name("socktab", tests, NULL, NULL);
}
