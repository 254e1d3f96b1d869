// SPDX-License-Identifier: Apache-2.0
/*
 * The links alerts carry to the collector's pages (payload/pagelink): a
 * listener's page from its dedup key, a leak's from its fingerprint, the
 * hosts page for an agent, and the host's open problems when the key no
 * longer holds the listener's fields. Values from agents are
 * percent-encoded so that a host name cannot break out of its segment.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "payload/pagelink.h"

#define BASE "https://lw.example"

static struct alert_view listener_view(const char *key, const char *host)
{
	return (struct alert_view){ .kind = STORE_LISTENER, .key = (char *)key, .host = (char *)host };
}

/* out starts dirty, so that "" proves it was cleared */
static bool link_of(const char *base, const struct alert_view *v, char out[PAGELINK_MAX])
{
	memset(out, 'x', PAGELINK_MAX);
	return pagelink__alert(base, v, out);
}

static void test_listener_page(void **state)
{
	struct alert_view v = listener_view("leakwatch/listener/db-7/4026531840/tcp/203.0.113.5/6379", "db-7");
	char out[PAGELINK_MAX];
	(void)state;

	assert_true(link_of(BASE, &v, out));
	assert_string_equal(out, BASE "/ui/listener/db-7/4026531840/tcp/203.0.113.5/6379");
}

/* The host is whatever precedes the last four fields, so a '/' in it is
 * encoded (the page reads the four fields from the right), and '<' or a
 * space cannot reach an HTML attribute or a chat message's markup raw. */
static void test_host_is_encoded_fields_are_kept(void **state)
{
	struct alert_view v = listener_view("leakwatch/listener/a/b <c>/4026531840/udp/198.51.100.7/53", "a/b <c>");
	char out[PAGELINK_MAX];
	(void)state;

	assert_true(link_of(BASE, &v, out));
	assert_string_equal(out, BASE "/ui/listener/a%2Fb%20%3Cc%3E/4026531840/udp/198.51.100.7/53");
}

/* ':' is kept, so an IPv6 address reads as one */
static void test_ipv6_address(void **state)
{
	struct alert_view v = listener_view("leakwatch/listener/db-7/4026531840/tcp/2001:db8::1/443", "db-7");
	char out[PAGELINK_MAX];
	(void)state;

	assert_true(link_of(BASE, &v, out));
	assert_string_equal(out, BASE "/ui/listener/db-7/4026531840/tcp/2001:db8::1/443");
	/* the host is encoded, and keeps its ':' as well */
	v.key = (char *)"leakwatch/listener/k8s:db-7/4026531840/tcp/2001:db8::1/443";
	assert_true(link_of(BASE, &v, out));
	assert_string_equal(out, BASE "/ui/listener/k8s:db-7/4026531840/tcp/2001:db8::1/443");
	assert_true(pagelink__host(BASE, "k8s:db-7", out));
	assert_string_equal(out, BASE "/ui/?host=k8s:db-7");
}

/* A key past 255 characters is hashed: no fields left, so the host's list. */
static void test_hashed_key_falls_back_to_the_host(void **state)
{
	struct alert_view v = listener_view(
		"leakwatch/listener/sha256/00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"db 7&x");
	char out[PAGELINK_MAX];
	(void)state;

	assert_true(link_of(BASE, &v, out));
	assert_string_equal(out, BASE "/ui/?host=db%207%26x");

	/* a group of new listeners on one host ("listeners", not "listener/") */
	v.key = (char *)"leakwatch/listeners/db-7";
	v.host = (char *)"db-7";
	assert_true(link_of(BASE, &v, out));
	assert_string_equal(out, BASE "/ui/?host=db-7");
}

/* Without fields and without a host there is no page to link. */
static void test_listener_without_fields_or_host(void **state)
{
	struct alert_view v = listener_view("leakwatch/listener/db-7/6379", NULL);
	char out[PAGELINK_MAX];
	(void)state;

	assert_false(link_of(BASE, &v, out));
	assert_string_equal(out, "");
	/* an empty host before the four fields is no listener key either */
	v.key = (char *)"leakwatch/listener//4026531840/tcp/203.0.113.5/6379";
	assert_false(link_of(BASE, &v, out));
	assert_string_equal(out, "");
}

static void test_leak_page(void **state)
{
	struct alert_view v = { .kind = STORE_LEAK, .key = (char *)"leakwatch/leak/0123456789abcdef",
				.fingerprint = (char *)"0123456789abcdef", .host = (char *)"web-1" };
	char out[PAGELINK_MAX];
	(void)state;

	assert_true(link_of(BASE, &v, out));
	assert_string_equal(out, BASE "/ui/leak/0123456789abcdef");
	v.fingerprint = NULL;
	assert_false(link_of(BASE, &v, out));
	assert_string_equal(out, "");
}

static void test_agent_links_the_hosts_page(void **state)
{
	struct alert_view v = { .kind = STORE_HEALTH, .key = (char *)"leakwatch/agent/a-1/silent",
				.host = (char *)"db-7" };
	char out[PAGELINK_MAX];
	(void)state;

	assert_true(link_of(BASE, &v, out));
	assert_string_equal(out, BASE "/ui/hosts");
}

/* No server.public_url: no link, for any kind. */
static void test_no_base(void **state)
{
	struct alert_view l = listener_view("leakwatch/listener/db-7/4026531840/tcp/203.0.113.5/6379", "db-7");
	struct alert_view h = { .kind = STORE_HEALTH, .key = (char *)"leakwatch/agent/a-1/silent" };
	char out[PAGELINK_MAX];
	(void)state;

	assert_false(link_of(NULL, &l, out));
	assert_string_equal(out, "");
	assert_false(link_of(NULL, &h, out));
	assert_string_equal(out, "");
	memset(out, 'x', sizeof(out));
	assert_false(pagelink__host(NULL, "db-7", out));
	assert_string_equal(out, "");
	assert_false(pagelink__host(BASE, NULL, out));
	assert_string_equal(out, "");
}

/* A link that does not fit is none, never a cut one. */
static void test_too_long(void **state)
{
	static char base[PAGELINK_MAX];
	struct alert_view v = { .kind = STORE_HEALTH, .key = (char *)"leakwatch/agent/a-1/silent" };
	char out[PAGELINK_MAX];
	size_t n = PAGELINK_MAX - strlen("/ui/hosts"); /* with "/ui/hosts" and the NUL: one byte too many */
	(void)state;

	memset(base, 'b', n);
	base[n] = '\0';
	assert_false(link_of(base, &v, out));
	assert_string_equal(out, "");
	base[strlen(base) - 1] = '\0'; /* now it fits, NUL included */
	assert_true(link_of(base, &v, out));
	assert_int_equal(strlen(out), PAGELINK_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listener_page),
		cmocka_unit_test(test_host_is_encoded_fields_are_kept),
		cmocka_unit_test(test_ipv6_address),
		cmocka_unit_test(test_hashed_key_falls_back_to_the_host),
		cmocka_unit_test(test_listener_without_fields_or_host),
		cmocka_unit_test(test_leak_page),
		cmocka_unit_test(test_agent_links_the_hosts_page),
		cmocka_unit_test(test_no_base),
		cmocka_unit_test(test_too_long),
	};

	return cmocka_run_group_tests_name("pagelink", tests, NULL, NULL);
}
