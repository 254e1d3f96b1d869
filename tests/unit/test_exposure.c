// SPDX-License-Identifier: Apache-2.0
/* exposure: how reachable a bound address is, and how much that matters. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "exposure/exposure.h"
#include "probes/probe.h"

static struct lw_addr A(const char *s)
{
	struct lw_addr a;

	if (addr__parse(s, &a))
		fail_msg("test address \"%s\" does not parse", s);
	return a;
}

static struct lw_ifaddr IF(const char *ifname, const char *addr)
{
	struct lw_ifaddr i = { .addr = A(addr), .ifindex = 1 };

	snprintf(i.ifname, sizeof(i.ifname), "%s", ifname);
	return i;
}

/* A host with loopback, a private and a link-local address: nothing public. */
static struct lw_ifaddr private_host[4];
/* The same host with a public IPv4 address added. */
static struct lw_ifaddr public_host[5];

static int setup(void **state)
{
	(void)state;
	private_host[0] = IF("lo", "127.0.0.1");
	private_host[1] = IF("eth0", "10.0.0.5");
	private_host[2] = IF("lo", "::1");
	private_host[3] = IF("eth0", "fe80::1");
	memcpy(public_host, private_host, sizeof(private_host));
	public_host[4] = IF("eth1", "203.0.113.7");
	return 0;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct lw_exposure judge(const char *bound, bool v6only, const struct lw_ifaddr *ifs, size_t n)
{
	struct lw_exposure e;
	struct lw_addr a = A(bound);

	exposure__judge(&a, v6only, ifs, n, NULL, 0, &e);
	return e;
}

static void test_specific_address(void **state)
{
	char buf[LW_ADDR_STRLEN];
	struct lw_exposure e;
	(void)state;

	e = judge("10.0.0.5", false, public_host, N(public_host));
	assert_false(e.wildcard);
	assert_true(e.interfaces_known);
	assert_int_equal(e.level, LW_CLASS_PRIVATE);
	assert_int_equal(e.n_reach, 1);
	assert_int_equal(e.n_reach_total, 1);
	assert_string_equal(e.reach[0].ifname, "eth0");
	assert_string_equal(addr__format(&e.reach[0].addr, buf), "10.0.0.5");

	e = judge("203.0.113.7", false, public_host, N(public_host));
	assert_int_equal(e.level, LW_CLASS_PUBLIC);
	assert_string_equal(e.reach[0].ifname, "eth1");

	e = judge("127.0.0.1", false, public_host, N(public_host));
	assert_int_equal(e.level, LW_CLASS_LOOPBACK);
	assert_string_equal(e.reach[0].ifname, "lo");

	/* an IPv6 socket bound to a mapped address is the IPv4 address */
	e = judge("::ffff:10.0.0.5", false, public_host, N(public_host));
	assert_int_equal(e.level, LW_CLASS_PRIVATE);
	assert_int_equal(e.reach[0].addr.family, AF_INET);
	assert_string_equal(e.reach[0].ifname, "eth0");

	/* bound to an address no interface holds (IP_FREEBIND): judged as itself */
	e = judge("198.51.100.1", false, private_host, N(private_host));
	assert_int_equal(e.level, LW_CLASS_PUBLIC);
	assert_string_equal(e.reach[0].ifname, "");
}

static void test_wildcard_v4(void **state)
{
	struct lw_exposure e;
	(void)state;

	e = judge("0.0.0.0", false, private_host, N(private_host));
	assert_true(e.wildcard);
	assert_int_equal(e.level, LW_CLASS_PRIVATE);
	assert_int_equal(e.n_reach_total, 2); /* the IPv4 addresses only */
	assert_int_equal(e.reach[0].addr.family, AF_INET);
	assert_int_equal(e.reach[1].addr.family, AF_INET);

	e = judge("0.0.0.0", false, public_host, N(public_host));
	assert_int_equal(e.level, LW_CLASS_PUBLIC);
	assert_int_equal(e.n_reach_total, 3);
	assert_string_equal(e.reach[2].ifname, "eth1");

	/* only loopback up */
	e = judge("0.0.0.0", false, private_host, 1);
	assert_int_equal(e.level, LW_CLASS_LOOPBACK);
}

static void test_wildcard_v6(void **state)
{
	struct lw_ifaddr v4_public[] = { IF("lo", "127.0.0.1"), IF("eth1", "203.0.113.7"), IF("lo", "::1"),
					 IF("eth0", "fe80::1") };
	struct lw_exposure e;
	(void)state;

	/* "::" without IPV6_V6ONLY also answers on the IPv4 addresses */
	e = judge("::", false, v4_public, N(v4_public));
	assert_true(e.wildcard);
	assert_int_equal(e.level, LW_CLASS_PUBLIC);
	assert_int_equal(e.n_reach_total, 4);

	e = judge("::", true, v4_public, N(v4_public));
	assert_int_equal(e.level, LW_CLASS_LINK_LOCAL);
	assert_int_equal(e.n_reach_total, 2);
	for (size_t i = 0; i < e.n_reach; i++)
		assert_int_equal(e.reach[i].addr.family, AF_INET6);

	/* an IPv6 socket bound to ::ffff:0.0.0.0 takes IPv4 on every address */
	e = judge("::ffff:0.0.0.0", false, private_host, N(private_host));
	assert_true(e.wildcard);
	assert_int_equal(e.level, LW_CLASS_PRIVATE);
	assert_int_equal(e.n_reach_total, 2);
	e = judge("::ffff:0.0.0.0", false, v4_public, N(v4_public));
	assert_int_equal(e.level, LW_CLASS_PUBLIC);
	assert_int_equal(e.n_reach_total, 2);

	/* v6only says nothing about an IPv4 socket */
	e = judge("0.0.0.0", true, v4_public, N(v4_public));
	assert_int_equal(e.level, LW_CLASS_PUBLIC);
	assert_int_equal(e.n_reach_total, 2);
}

static void test_interfaces_unknown(void **state)
{
	struct lw_exposure e;
	(void)state;

	/* the namespace vanished: assume private rather than page on a guess */
	e = judge("0.0.0.0", false, NULL, 0);
	assert_true(e.wildcard);
	assert_false(e.interfaces_known);
	assert_int_equal(e.level, LW_CLASS_PRIVATE);
	assert_int_equal(e.n_reach, 0);
	assert_int_equal(e.n_reach_total, 0);

	e = judge("::", false, NULL, 0);
	assert_int_equal(e.level, LW_CLASS_PRIVATE);

	/* a specific address needs no interfaces to judge */
	e = judge("203.0.113.7", false, NULL, 0);
	assert_false(e.interfaces_known);
	assert_int_equal(e.level, LW_CLASS_PUBLIC);
	assert_int_equal(e.n_reach, 1);
	e = judge("127.0.0.1", false, NULL, 0);
	assert_int_equal(e.level, LW_CLASS_LOOPBACK);
}

static void test_rules_and_many_addresses(void **state)
{
	struct lw_class_rule rules[1];
	struct lw_ifaddr many[LW_MAX_REACH + 4];
	struct lw_exposure e;
	struct lw_addr any = A("0.0.0.0");
	(void)state;

	/* the operator says 10.0.0.0/24 is reached from the internet */
	assert_int_equal(cidr__parse("10.0.0.0/24", &rules[0].cidr), 0);
	rules[0].cls = LW_CLASS_PUBLIC;
	exposure__judge(&any, false, private_host, N(private_host), rules, 1, &e);
	assert_int_equal(e.level, LW_CLASS_PUBLIC);

	for (size_t i = 0; i < N(many); i++) {
		char s[32];

		snprintf(s, sizeof(s), "10.1.0.%zu", i + 1);
		many[i] = IF("eth0", s);
	}
	many[N(many) - 1] = IF("eth9", "198.51.100.9"); /* past the first LW_MAX_REACH */
	exposure__judge(&any, false, many, N(many), NULL, 0, &e);
	assert_int_equal(e.n_reach, LW_MAX_REACH);
	assert_int_equal(e.n_reach_total, N(many));
	assert_int_equal(e.level, LW_CLASS_PUBLIC);
}

static const struct lw_service_id postgres = { "postgresql", "database", "process" };
static const struct lw_service_id unknown = { NULL, NULL, NULL };

/* redis named by its port alone: one level lower, unless a probe's reply says more */
static void test_port_only_identity_weighs_less(void **state)
{
	const struct lw_service_id by_port = { "redis", "database", "port" };
	struct lw_exposure e;
	(void)state;

	e = judge("0.0.0.0", false, public_host, N(public_host));
	assert_int_equal(exposure__severity(&e, &by_port, false, LW_AUTH_UNSET), LW_SEV_MEDIUM);
	assert_int_equal(exposure__severity(&e, &by_port, false, LW_AUTH_NONE), LW_SEV_CRITICAL);
	e = judge("0.0.0.0", false, private_host, N(private_host));
	assert_int_equal(exposure__severity(&e, &by_port, false, LW_AUTH_UNSET), LW_SEV_LOW);
	e = judge("10.0.0.5", false, private_host, N(private_host));
	assert_int_equal(exposure__severity(&e, &by_port, false, LW_AUTH_UNSET), LW_SEV_INFO);
}

static void test_severity(void **state)
{
	struct lw_exposure e;
	(void)state;

	e = judge("0.0.0.0", false, public_host, N(public_host));
	assert_int_equal(exposure__severity(&e, &postgres, false, LW_AUTH_UNSET), LW_SEV_HIGH);
	assert_int_equal(exposure__severity(&e, &unknown, false, LW_AUTH_UNSET), LW_SEV_LOW);
	assert_int_equal(exposure__severity(&e, &postgres, true, LW_AUTH_UNSET), LW_SEV_INFO);

	e = judge("203.0.113.7", false, public_host, N(public_host));
	assert_int_equal(exposure__severity(&e, &postgres, false, LW_AUTH_UNSET), LW_SEV_HIGH);

	e = judge("0.0.0.0", false, private_host, N(private_host));
	assert_int_equal(exposure__severity(&e, &postgres, false, LW_AUTH_UNSET), LW_SEV_MEDIUM);
	assert_int_equal(exposure__severity(&e, &unknown, false, LW_AUTH_UNSET), LW_SEV_INFO);

	e = judge("10.0.0.5", false, private_host, N(private_host));
	assert_int_equal(exposure__severity(&e, &postgres, false, LW_AUTH_UNSET), LW_SEV_LOW);

	e = judge("fe80::1", false, private_host, N(private_host));
	assert_int_equal(exposure__severity(&e, &postgres, false, LW_AUTH_UNSET), LW_SEV_LOW);
	assert_int_equal(exposure__severity(&e, &unknown, false, LW_AUTH_UNSET), LW_SEV_INFO);

	e = judge("127.0.0.1", false, public_host, N(public_host));
	assert_int_equal(exposure__severity(&e, &postgres, false, LW_AUTH_UNSET), LW_SEV_INFO);
	assert_int_equal(exposure__severity(&e, &postgres, false, LW_AUTH_NONE), LW_SEV_INFO);
	e = judge("::1", false, public_host, N(public_host));
	assert_int_equal(exposure__severity(&e, &postgres, false, LW_AUTH_UNSET), LW_SEV_INFO);
	e = judge("::ffff:127.0.0.1", false, public_host, N(public_host));
	assert_int_equal(exposure__severity(&e, &postgres, false, LW_AUTH_UNSET), LW_SEV_INFO);
}

/* An open door: critical in public, high in private; a locked one changes nothing. */
static void test_severity_auth(void **state)
{
	struct lw_exposure e;
	(void)state;

	e = judge("0.0.0.0", false, public_host, N(public_host));
	assert_int_equal(exposure__severity(&e, &postgres, false, LW_AUTH_NONE), LW_SEV_CRITICAL);
	assert_int_equal(exposure__severity(&e, &postgres, false, LW_AUTH_REQUIRED), LW_SEV_HIGH);
	assert_int_equal(exposure__severity(&e, &postgres, false, LW_AUTH_TLS), LW_SEV_HIGH);
	assert_int_equal(exposure__severity(&e, &postgres, false, LW_AUTH_UNKNOWN), LW_SEV_HIGH);
	/* the operator's expected list has the last word, as for exposure */
	assert_int_equal(exposure__severity(&e, &postgres, true, LW_AUTH_NONE), LW_SEV_INFO);

	e = judge("10.0.0.5", false, private_host, N(private_host));
	assert_int_equal(exposure__severity(&e, &postgres, false, LW_AUTH_NONE), LW_SEV_HIGH);
	assert_int_equal(exposure__severity(&e, &postgres, false, LW_AUTH_REQUIRED), LW_SEV_LOW);
	e = judge("0.0.0.0", false, private_host, N(private_host));
	assert_int_equal(exposure__severity(&e, &postgres, false, LW_AUTH_NONE), LW_SEV_HIGH);
	assert_int_equal(exposure__severity(&e, &postgres, false, LW_AUTH_REQUIRED), LW_SEV_MEDIUM);
}

static struct lw_expected entry(const char *process, uint16_t port, uint8_t protocol, const char *cidr)
{
	struct lw_expected x = { .process = (char *)process, .port = port, .protocol = protocol };

	if (cidr) {
		x.has_address = true;
		if (cidr__parse(cidr, &x.address))
			fail_msg("bad test CIDR %s", cidr);
	}
	return x;
}

static bool expected(const struct lw_expected *list, size_t n, const char *comm, const char *exe,
		     uint8_t protocol, const char *bound, uint16_t port)
{
	struct lw_addr a = A(bound);

	return exposure__expected(list, n, comm, exe, 0, protocol, &a, port, NULL);
}

static void test_expected(void **state)
{
	const struct lw_expected list[] = {
		entry("sshd", 22, IPPROTO_TCP, NULL),
		entry(NULL, 9100, 0, NULL),
		entry("/opt/app/bin/server", 0, 0, NULL),
		entry("postgres", 0, 0, "10.0.0.0/8"),
		entry(NULL, 53, IPPROTO_UDP, "0.0.0.0"),
	};
	const size_t n = N(list);
	(void)state;

	/* process, port and protocol must all match */
	assert_true(expected(list, n, "sshd", "/usr/sbin/sshd", IPPROTO_TCP, "0.0.0.0", 22));
	assert_false(expected(list, n, "sshd", "/usr/sbin/sshd", IPPROTO_TCP, "0.0.0.0", 2222));
	assert_false(expected(list, n, "sshd", "/usr/sbin/sshd", IPPROTO_UDP, "0.0.0.0", 22));
	assert_false(expected(list, n, "dropbear", "/usr/sbin/dropbear", IPPROTO_TCP, "0.0.0.0", 22));
	/* the exe basename stands in for comm */
	assert_true(expected(list, n, "sshd: /usr/sbin", "/usr/sbin/sshd", IPPROTO_TCP, "::", 22));
	/* a process renamed to look like sshd is not sshd: the executable decides */
	assert_false(expected(list, n, "sshd", "/usr/bin/python3.11", IPPROTO_TCP, "0.0.0.0", 22));
	/* comm decides only when the executable is not known */
	assert_true(expected(list, n, "sshd", "", IPPROTO_TCP, "0.0.0.0", 22));
	/* replaced by an upgrade while running: still itself */
	assert_true(expected(list, n, "x", "/usr/sbin/sshd (deleted)", IPPROTO_TCP, "0.0.0.0", 22));

	/* port only, either protocol */
	assert_true(expected(list, n, "node_exporter", "/bin/node_exporter", IPPROTO_TCP, "::", 9100));
	assert_true(expected(list, n, "x", "/bin/x", IPPROTO_UDP, "::", 9100));

	/* a full path must be the exe exactly */
	assert_true(expected(list, n, "server", "/opt/app/bin/server", IPPROTO_TCP, "0.0.0.0", 8080));
	assert_false(expected(list, n, "server", "/usr/bin/server", IPPROTO_TCP, "0.0.0.0", 8080));

	/* the bound address falls in the range, mapped or not */
	assert_true(expected(list, n, "postgres", "/usr/bin/postgres", IPPROTO_TCP, "10.1.2.3", 5432));
	assert_true(expected(list, n, "postgres", "/usr/bin/postgres", IPPROTO_TCP, "::ffff:10.1.2.3", 5432));
	assert_false(expected(list, n, "postgres", "/usr/bin/postgres", IPPROTO_TCP, "192.168.1.1", 5432));
	assert_false(expected(list, n, "postgres", "/usr/bin/postgres", IPPROTO_TCP, "0.0.0.0", 5432));

	/* address and protocol */
	assert_true(expected(list, n, "dnsmasq", "/usr/sbin/dnsmasq", IPPROTO_UDP, "0.0.0.0", 53));
	assert_false(expected(list, n, "dnsmasq", "/usr/sbin/dnsmasq", IPPROTO_TCP, "0.0.0.0", 53));
	assert_false(expected(list, n, "dnsmasq", "/usr/sbin/dnsmasq", IPPROTO_UDP, "10.0.0.1", 53));

	/* an empty list expects nothing */
	assert_false(expected(list, 0, "sshd", "/usr/sbin/sshd", IPPROTO_TCP, "0.0.0.0", 22));
}

static struct lw_container pod(const char *ns, const char *name, const char *container, const char *cgroup)
{
	struct lw_container c = { 0 };

	snprintf(c.pod_namespace, sizeof(c.pod_namespace), "%s", ns);
	snprintf(c.pod_name, sizeof(c.pod_name), "%s", name);
	snprintf(c.container_name, sizeof(c.container_name), "%s", container);
	snprintf(c.cgroup, sizeof(c.cgroup), "%s", cgroup);
	return c;
}

static bool placed(const struct lw_expected *x, const struct lw_container *ctr, uint16_t port)
{
	struct lw_addr a = A("0.0.0.0");

	return exposure__expected(x, 1, "redis-server", "/usr/bin/redis-server", 0, IPPROTO_TCP, &a, port, ctr);
}

/* What a cluster operator knows: namespace, pod (a glob), container and systemd unit (a glob). */
static void test_expected_by_place(void **state)
{
	struct lw_expected ns = { .place.namespace = "cache" };
	struct lw_expected pods = { .place = { .namespace = "cache", .pod = "redis-*" }, .port = 6379 };
	struct lw_expected ctr = { .place.container = "metrics" };
	struct lw_expected unit = { .place.unit = "postgresql*.service" };
	struct lw_container cache = pod("cache", "redis-7f9c-abcde", "redis", "/kubepods/burstable/podX/abc");
	struct lw_container other = pod("default", "redis-7f9c-abcde", "metrics", "/kubepods/podY/def");
	struct lw_container pg = pod("", "", "", "/system.slice/system-postgresql.slice/postgresql@15-main.service");
	struct lw_container scope = pod("", "", "", "/user.slice/user-0.slice/session-3.scope");
	(void)state;

	assert_true(placed(&ns, &cache, 6379));
	assert_false(placed(&ns, &other, 6379));
	/* no container known: a field about the place cannot match */
	assert_false(placed(&ns, NULL, 6379));
	/* the pod glob, and the port beside it */
	assert_true(placed(&pods, &cache, 6379));
	assert_false(placed(&pods, &cache, 6380));
	struct lw_container renamed = pod("cache", "memcached-0", "redis", "");
	assert_false(placed(&pods, &renamed, 6379));
	assert_true(placed(&ctr, &other, 9090));
	assert_false(placed(&ctr, &cache, 9090));
	/* the unit is the cgroup's last .service, a template instance included */
	/* the image: Docker Hub's names as written, every tag of a repository */
	struct lw_expected hub = { .place.image = "redis" };
	struct lw_expected tag = { .place.image = "redis:7*" };
	struct lw_expected reg = { .place.image = "registry.example.com/cache/*" };
	struct lw_container img = cache;

	snprintf(img.image, sizeof(img.image), "docker.io/library/redis:7.2.4");
	assert_true(placed(&hub, &img, 6379));
	assert_true(placed(&tag, &img, 6379));
	assert_false(placed(&reg, &img, 6379));
	assert_false(placed(&hub, &cache, 6379)); /* no image known */
	snprintf(img.image, sizeof(img.image), "docker.io/library/redis@sha256:%064d", 0);
	assert_true(placed(&hub, &img, 6379));
	assert_false(placed(&tag, &img, 6379));
	snprintf(img.image, sizeof(img.image), "registry.example.com/cache/redis:6");
	assert_true(placed(&reg, &img, 6379));
	assert_false(placed(&hub, &img, 6379)); /* another registry's redis is not Docker Hub's */
	snprintf(img.image, sizeof(img.image), "docker.io/bitnami/redis:7.2");
	assert_false(placed(&hub, &img, 6379)); /* nor is another publisher's */
	assert_true(placed(&(struct lw_expected){ .place.image = "bitnami/redis" }, &img, 6379));
	assert_true(placed(&unit, &pg, 5432));
	assert_false(placed(&unit, &scope, 5432));
	assert_false(placed(&unit, &cache, 5432));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_specific_address),
		cmocka_unit_test(test_wildcard_v4),
		cmocka_unit_test(test_wildcard_v6),
		cmocka_unit_test(test_interfaces_unknown),
		cmocka_unit_test(test_rules_and_many_addresses),
		cmocka_unit_test(test_severity),
		cmocka_unit_test(test_severity_auth),
		cmocka_unit_test(test_expected),
		cmocka_unit_test(test_expected_by_place),
		cmocka_unit_test(test_port_only_identity_weighs_less),
	};

	return cmocka_run_group_tests_name("exposure", tests, setup, NULL);
}
