// SPDX-License-Identifier: Apache-2.0
/* addr: parsing, formatting, CIDR ranges and how public an address is. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "net/addr.h"

static struct lw_addr A(const char *s)
{
	struct lw_addr a;

	if (addr__parse(s, &a))
		fail_msg("test address \"%s\" does not parse", s);
	return a;
}

static struct lw_cidr C(const char *s)
{
	struct lw_cidr c;

	if (cidr__parse(s, &c))
		fail_msg("test CIDR \"%s\" does not parse", s);
	return c;
}

static enum lw_addr_class builtin(const char *s)
{
	struct lw_addr a = A(s);

	return addr__classify(&a, NULL, 0);
}

static void assert_roundtrip(const char *in, const char *want)
{
	char buf[LW_ADDR_STRLEN];
	struct lw_addr a = A(in);

	assert_string_equal(addr__format(&a, buf), want);
}

static void test_parse_and_format(void **state)
{
	struct lw_addr a;
	(void)state;

	assert_int_equal(addr__parse("192.0.2.1", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.b[0], 192);
	assert_int_equal(a.b[3], 1);
	assert_int_equal(addr__parse("2001:db8::1", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.b[0], 0x20);
	assert_int_equal(a.b[15], 1);

	assert_roundtrip("10.1.2.3", "10.1.2.3");
	assert_roundtrip("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
	assert_roundtrip("::", "::");

	assert_int_equal(addr__parse("", &a), -EINVAL);
	assert_int_equal(addr__parse("abc", &a), -EINVAL);
	assert_int_equal(addr__parse("256.0.0.1", &a), -EINVAL);
	assert_int_equal(addr__parse("10.0.0.0/8", &a), -EINVAL);
	assert_int_equal(addr__parse("1:2:3:4:5:6:7:8:9", &a), -EINVAL);
}

static void test_from_bytes_equal_wildcard(void **state)
{
	const uint8_t v4[4] = { 10, 0, 0, 1 };
	const uint8_t v6[16] = { 0xfe, 0x80, [15] = 1 };
	struct lw_addr a, b;
	(void)state;

	addr__from_bytes(&a, AF_INET, v4);
	b = A("10.0.0.1");
	assert_true(addr__equal(&a, &b));
	b = A("10.0.0.2");
	assert_false(addr__equal(&a, &b));

	addr__from_bytes(&a, AF_INET6, v6);
	b = A("fe80::1");
	assert_true(addr__equal(&a, &b));
	/* the same bytes in another family are another address */
	b = A("::ffff:10.0.0.1");
	a = A("10.0.0.1");
	assert_false(addr__equal(&a, &b));

	a = A("0.0.0.0");
	assert_true(addr__is_wildcard(&a));
	a = A("::");
	assert_true(addr__is_wildcard(&a));
	a = A("0.0.0.1");
	assert_false(addr__is_wildcard(&a));
	a = A("::1");
	assert_false(addr__is_wildcard(&a));
}

static void test_unmap(void **state)
{
	char buf[LW_ADDR_STRLEN];
	struct lw_addr a, want;
	(void)state;

	a = A("::ffff:192.0.2.7");
	addr__unmap(&a);
	want = A("192.0.2.7");
	assert_int_equal(a.family, AF_INET);
	assert_true(addr__equal(&a, &want));
	assert_string_equal(addr__format(&a, buf), "192.0.2.7");

	/* not mapped: left alone */
	a = A("2001:db8::ffff:c000:207");
	want = a;
	addr__unmap(&a);
	assert_int_equal(a.family, AF_INET6);
	assert_memory_equal(a.b, want.b, 16);

	a = A("::192.0.2.7"); /* the deprecated IPv4-compatible form */
	addr__unmap(&a);
	assert_int_equal(a.family, AF_INET6);

	a = A("10.0.0.1");
	addr__unmap(&a);
	assert_int_equal(a.family, AF_INET);
	assert_string_equal(addr__format(&a, buf), "10.0.0.1");
}

static void test_cidr_parse_good(void **state)
{
	char buf[LW_ADDR_STRLEN];
	struct lw_cidr c;
	(void)state;

	assert_int_equal(cidr__parse("10.0.0.0/8", &c), 0);
	assert_int_equal(c.prefix, 8);
	assert_string_equal(addr__format(&c.addr, buf), "10.0.0.0");

	assert_int_equal(cidr__parse("0.0.0.0/0", &c), 0);
	assert_int_equal(c.prefix, 0);
	assert_int_equal(cidr__parse("10.0.0.0/32", &c), 0);
	assert_int_equal(c.prefix, 32);
	assert_int_equal(cidr__parse("fd00::/8", &c), 0);
	assert_int_equal(c.addr.family, AF_INET6);
	assert_int_equal(c.prefix, 8);
	assert_int_equal(cidr__parse("::/128", &c), 0);
	assert_int_equal(c.prefix, 128);

	/* a bare address is a host route */
	assert_int_equal(cidr__parse("192.0.2.9", &c), 0);
	assert_int_equal(c.prefix, 32);
	assert_string_equal(addr__format(&c.addr, buf), "192.0.2.9");
	assert_int_equal(cidr__parse("2001:db8::9", &c), 0);
	assert_int_equal(c.prefix, 128);
	assert_string_equal(addr__format(&c.addr, buf), "2001:db8::9");
}

static void test_cidr_parse_masks_host_bits(void **state)
{
	char buf[LW_ADDR_STRLEN];
	struct lw_cidr c;
	(void)state;

	assert_int_equal(cidr__parse("10.1.2.3/8", &c), 0);
	assert_string_equal(addr__format(&c.addr, buf), "10.0.0.0");
	assert_int_equal(cidr__parse("172.31.255.255/12", &c), 0);
	assert_string_equal(addr__format(&c.addr, buf), "172.16.0.0");
	assert_int_equal(cidr__parse("100.127.1.1/10", &c), 0);
	assert_string_equal(addr__format(&c.addr, buf), "100.64.0.0");
	assert_int_equal(cidr__parse("192.0.2.255/0", &c), 0);
	assert_string_equal(addr__format(&c.addr, buf), "0.0.0.0");
	assert_int_equal(cidr__parse("fe80::1234:5678/10", &c), 0);
	assert_string_equal(addr__format(&c.addr, buf), "fe80::");
	assert_int_equal(cidr__parse("2001:db8:abcd:12ff::1/52", &c), 0);
	assert_string_equal(addr__format(&c.addr, buf), "2001:db8:abcd:1000::");
}

static void test_cidr_parse_bad(void **state)
{
	static const char *const bad[] = {
		"10.0.0.0/33", "10.0.0.0/", "abc", "/8", "10.0.0.0/-1", "fd00::/129",
		"", "/", "10.0.0.0/+8", "10.0.0.0/8x", "10.0.0.0/8/8", "10.0.0/8",
		"10.0.0.0/99999999999999999999", "abc/8", "fd00::/", "10.0.0.0 /8",
	};
	struct lw_cidr c;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cidr__parse(bad[i], &c) != -EINVAL)
			fail_msg("cidr__parse accepted \"%s\"", bad[i]);
}

static void test_cidr_contains(void **state)
{
	struct lw_cidr c;
	struct lw_addr a;
	(void)state;

	c = C("10.0.0.0/8");
	a = A("10.255.255.255");
	assert_true(cidr__contains(&c, &a));
	a = A("11.0.0.0");
	assert_false(cidr__contains(&c, &a));
	a = A("9.255.255.255");
	assert_false(cidr__contains(&c, &a));

	/* prefix not on a byte boundary */
	c = C("172.16.0.0/12");
	a = A("172.31.255.255");
	assert_true(cidr__contains(&c, &a));
	a = A("172.32.0.0");
	assert_false(cidr__contains(&c, &a));
	a = A("172.15.255.255");
	assert_false(cidr__contains(&c, &a));

	c = C("192.0.2.1");
	a = A("192.0.2.1");
	assert_true(cidr__contains(&c, &a));
	a = A("192.0.2.2");
	assert_false(cidr__contains(&c, &a));

	c = C("0.0.0.0/0");
	a = A("203.0.113.5");
	assert_true(cidr__contains(&c, &a));
	/* never across families */
	a = A("::");
	assert_false(cidr__contains(&c, &a));
	c = C("::/0");
	a = A("10.0.0.1");
	assert_false(cidr__contains(&c, &a));

	c = C("fe80::/10");
	a = A("febf:ffff::1");
	assert_true(cidr__contains(&c, &a));
	a = A("fec0::1");
	assert_false(cidr__contains(&c, &a));
}

static void test_classify_builtin_v4(void **state)
{
	(void)state;

	assert_int_equal(builtin("127.0.0.1"), LW_CLASS_LOOPBACK);
	assert_int_equal(builtin("127.255.255.254"), LW_CLASS_LOOPBACK);
	assert_int_equal(builtin("169.254.169.254"), LW_CLASS_LINK_LOCAL);
	assert_int_equal(builtin("10.0.0.1"), LW_CLASS_PRIVATE);
	assert_int_equal(builtin("172.16.0.1"), LW_CLASS_PRIVATE);
	assert_int_equal(builtin("172.31.255.255"), LW_CLASS_PRIVATE);
	assert_int_equal(builtin("172.32.0.1"), LW_CLASS_PUBLIC);
	assert_int_equal(builtin("192.168.1.1"), LW_CLASS_PRIVATE);
	assert_int_equal(builtin("192.169.0.1"), LW_CLASS_PUBLIC);
	assert_int_equal(builtin("8.8.8.8"), LW_CLASS_PUBLIC);
	assert_int_equal(builtin("203.0.113.7"), LW_CLASS_PUBLIC);
}

static void test_classify_cgnat_edges(void **state)
{
	(void)state;

	assert_int_equal(builtin("100.63.255.255"), LW_CLASS_PUBLIC);
	assert_int_equal(builtin("100.64.0.0"), LW_CLASS_PRIVATE);
	assert_int_equal(builtin("100.100.100.100"), LW_CLASS_PRIVATE);
	assert_int_equal(builtin("100.127.255.255"), LW_CLASS_PRIVATE);
	assert_int_equal(builtin("100.128.0.0"), LW_CLASS_PUBLIC);
}

static void test_classify_builtin_v6(void **state)
{
	(void)state;

	assert_int_equal(builtin("::1"), LW_CLASS_LOOPBACK);
	assert_int_equal(builtin("fe80::1"), LW_CLASS_LINK_LOCAL);
	assert_int_equal(builtin("febf::1"), LW_CLASS_LINK_LOCAL);
	assert_int_equal(builtin("fec0::1"), LW_CLASS_PUBLIC);
	assert_int_equal(builtin("fc00::1"), LW_CLASS_PRIVATE);
	assert_int_equal(builtin("fd12:3456:789a::1"), LW_CLASS_PRIVATE);
	assert_int_equal(builtin("fe00::1"), LW_CLASS_PUBLIC);
	assert_int_equal(builtin("fbff::1"), LW_CLASS_PUBLIC);
	assert_int_equal(builtin("2001:db8::1"), LW_CLASS_PUBLIC);
	assert_int_equal(builtin("2a00:1450:4001::1"), LW_CLASS_PUBLIC);
}

static void test_classify_v4_mapped(void **state)
{
	(void)state;

	assert_int_equal(builtin("::ffff:127.0.0.1"), LW_CLASS_LOOPBACK);
	assert_int_equal(builtin("::ffff:169.254.1.1"), LW_CLASS_LINK_LOCAL);
	assert_int_equal(builtin("::ffff:10.1.2.3"), LW_CLASS_PRIVATE);
	assert_int_equal(builtin("::ffff:100.64.0.1"), LW_CLASS_PRIVATE);
	assert_int_equal(builtin("::ffff:8.8.8.8"), LW_CLASS_PUBLIC);

	/* classify works on a copy: the caller's address stays mapped */
	struct lw_addr a = A("::ffff:10.1.2.3");

	addr__classify(&a, NULL, 0);
	assert_int_equal(a.family, AF_INET6);
}

static void test_classify_operator_rules(void **state)
{
	struct lw_class_rule rules[] = {
		{ C("203.0.113.0/24"), LW_CLASS_PRIVATE }, /* provider network in public space */
		{ C("10.20.0.0/16"), LW_CLASS_PUBLIC },    /* 1:1 NAT from the internet */
		{ C("10.20.30.0/24"), LW_CLASS_PRIVATE },  /* ...except this one */
		{ C("2001:db8:1::/48"), LW_CLASS_PRIVATE },
	};
	const size_t n = sizeof(rules) / sizeof(rules[0]);
	struct lw_addr a;
	(void)state;

	a = A("203.0.113.7");
	assert_int_equal(addr__classify(&a, rules, n), LW_CLASS_PRIVATE);
	a = A("203.0.114.7");
	assert_int_equal(addr__classify(&a, rules, n), LW_CLASS_PUBLIC);
	/* a rule beats the built-in RFC 1918 range */
	a = A("10.20.1.1");
	assert_int_equal(addr__classify(&a, rules, n), LW_CLASS_PUBLIC);
	/* the most specific rule wins */
	a = A("10.20.30.40");
	assert_int_equal(addr__classify(&a, rules, n), LW_CLASS_PRIVATE);
	/* outside every rule: the built-ins */
	a = A("10.21.0.1");
	assert_int_equal(addr__classify(&a, rules, n), LW_CLASS_PRIVATE);
	a = A("127.0.0.1");
	assert_int_equal(addr__classify(&a, rules, n), LW_CLASS_LOOPBACK);
	/* rules apply to the IPv4 address inside a mapped one */
	a = A("::ffff:10.20.1.1");
	assert_int_equal(addr__classify(&a, rules, n), LW_CLASS_PUBLIC);
	a = A("2001:db8:1:2::1");
	assert_int_equal(addr__classify(&a, rules, n), LW_CLASS_PRIVATE);
	a = A("2001:db8:2::1");
	assert_int_equal(addr__classify(&a, rules, n), LW_CLASS_PUBLIC);
}

static void test_classify_rule_order_does_not_matter(void **state)
{
	/* the specific rule first this time: specificity, not order, decides */
	struct lw_class_rule rules[] = {
		{ C("192.168.5.0/24"), LW_CLASS_PRIVATE },
		{ C("192.168.0.0/16"), LW_CLASS_PUBLIC },
	};
	struct lw_addr a;
	(void)state;

	a = A("192.168.5.5");
	assert_int_equal(addr__classify(&a, rules, 2), LW_CLASS_PRIVATE);
	a = A("192.168.6.5");
	assert_int_equal(addr__classify(&a, rules, 2), LW_CLASS_PUBLIC);

	/* a rule may also declare loopback-like ranges public: rules beat built-ins */
	struct lw_class_rule everything[] = { { C("0.0.0.0/0"), LW_CLASS_PUBLIC } };

	a = A("192.168.6.5");
	assert_int_equal(addr__classify(&a, everything, 1), LW_CLASS_PUBLIC);
	a = A("fd00::1"); /* an IPv4 rule says nothing about IPv6 */
	assert_int_equal(addr__classify(&a, everything, 1), LW_CLASS_PRIVATE);
}

static void test_format_bytes(void **state)
{
	static const uint8_t v4[4] = { 10, 1, 2, 3 };
	static const uint8_t v6[16] = { 0xfd, 0, [15] = 1 };
	char buf[LW_ADDR_STRLEN];
	(void)state;

	assert_string_equal(addr__format_bytes(v4, 4, buf), "10.1.2.3");
	assert_string_equal(addr__format_bytes(v6, 16, buf), "fd00::1");
	/* events carry 4 or 16 bytes; anything else is not an address */
	assert_null(addr__format_bytes(v6, 0, buf));
	assert_null(addr__format_bytes(v6, 5, buf));
}

static void test_sockaddr_of_both_families(void **state)
{
	struct sockaddr_storage ss;
	struct lw_addr a;
	(void)state;

	assert_int_equal(addr__parse("192.0.2.7", &a), 0);
	assert_int_equal(addr__sockaddr(&a, 6379, &ss), sizeof(struct sockaddr_in));
	assert_int_equal(((struct sockaddr_in *)&ss)->sin_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 6379);
	assert_memory_equal(&((struct sockaddr_in *)&ss)->sin_addr, a.b, 4);
	assert_int_equal(addr__parse("2001:db8::1", &a), 0);
	assert_int_equal(addr__sockaddr(&a, 443, &ss), sizeof(struct sockaddr_in6));
	assert_int_equal(((struct sockaddr_in6 *)&ss)->sin6_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 443);
	assert_memory_equal(&((struct sockaddr_in6 *)&ss)->sin6_addr, a.b, 16);
}

/* Every byte value, in every place of a dotted quad, as inet_ntop writes it. */
static void test_ipv4_format_matches_inet_ntop(void **state)
{
	char mine[LW_ADDR_STRLEN], libc[INET_ADDRSTRLEN];
	struct lw_addr a;
	(void)state;

	for (unsigned v = 0; v < 256; v++) {
		const uint8_t b[4] = { (uint8_t)v, (uint8_t)(255 - v), (uint8_t)(v ^ 0x5a), (uint8_t)(v * 7) };

		addr__from_bytes(&a, AF_INET, b);
		assert_non_null(inet_ntop(AF_INET, b, libc, sizeof(libc)));
		assert_string_equal(addr__format(&a, mine), libc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_format),
		cmocka_unit_test(test_ipv4_format_matches_inet_ntop),
		cmocka_unit_test(test_from_bytes_equal_wildcard),
		cmocka_unit_test(test_unmap),
		cmocka_unit_test(test_cidr_parse_good),
		cmocka_unit_test(test_cidr_parse_masks_host_bits),
		cmocka_unit_test(test_cidr_parse_bad),
		cmocka_unit_test(test_cidr_contains),
		cmocka_unit_test(test_classify_builtin_v4),
		cmocka_unit_test(test_classify_cgnat_edges),
		cmocka_unit_test(test_classify_builtin_v6),
		cmocka_unit_test(test_classify_v4_mapped),
		cmocka_unit_test(test_classify_operator_rules),
		cmocka_unit_test(test_classify_rule_order_does_not_matter),
		cmocka_unit_test(test_format_bytes),
		cmocka_unit_test(test_sockaddr_of_both_families),
	};

	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
