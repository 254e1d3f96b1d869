// SPDX-License-Identifier: Apache-2.0
#include "net/addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void addr__from_bytes(struct lw_addr *a, int family, const void *bytes)
{
	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)family;
	memcpy(a->b, bytes, family == AF_INET6 ? 16 : 4);
}

void addr__unmap(struct lw_addr *a)
{
	if (a->family != AF_INET6 || memcmp(a->b, v4mapped_prefix, 12))
		return;
	memmove(a->b, a->b + 12, 4);
	memset(a->b + 4, 0, 12);
	a->family = AF_INET;
}

socklen_t addr__sockaddr(const struct lw_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->b, 16);
		return sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->b, 4);
		return sizeof(*s4);
	}
}

bool addr__is_wildcard(const struct lw_addr *a)
{
	static const uint8_t zero[16];

	return !memcmp(a->b, zero, a->family == AF_INET6 ? 16 : 4);
}

bool addr__equal(const struct lw_addr *a, const struct lw_addr *b)
{
	return a->family == b->family && !memcmp(a->b, b->b, a->family == AF_INET6 ? 16 : 4);
}

int addr__parse(const char *s, struct lw_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->b) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->b) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/* Dotted quad by hand: glibc's inet_ntop formats IPv4 with sprintf, which
 * was half of what the collector spent writing a listener's addresses. */
static void format_ipv4(const uint8_t b[4], char *out)
{
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];

		if (v >= 100)
			*out++ = (char)('0' + v / 100);
		if (v >= 10)
			*out++ = (char)('0' + v / 10 % 10);
		*out++ = (char)('0' + v % 10);
		*out++ = i < 3 ? '.' : '\0';
	}
}

const char *addr__format(const struct lw_addr *a, char buf[LW_ADDR_STRLEN])
{
	if (a->family == AF_INET) {
		format_ipv4(a->b, buf);
		return buf;
	}
	if (!inet_ntop(a->family, a->b, buf, LW_ADDR_STRLEN))
		snprintf(buf, LW_ADDR_STRLEN, "?");
	return buf;
}

const char *addr__format_bytes(const void *bytes, size_t len, char buf[LW_ADDR_STRLEN])
{
	struct lw_addr a;

	if (len != 4 && len != 16)
		return NULL;
	addr__from_bytes(&a, len == 16 ? AF_INET6 : AF_INET, bytes);
	return addr__format(&a, buf);
}

static void mask_host_bits(struct lw_cidr *c)
{
	int bits = c->addr.family == AF_INET6 ? 128 : 32;

	for (int i = c->prefix; i < bits; i++)
		c->addr.b[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

int cidr__parse(const char *s, struct lw_cidr *out)
{
	char host[LW_ADDR_STRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	int max;

	if (len == 0 || len >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, len);
	host[len] = '\0';
	if (addr__parse(host, &out->addr))
		return -EINVAL;
	max = out->addr.family == AF_INET6 ? 128 : 32;
	if (slash) {
		char *end;
		long p;

		if (!isdigit((unsigned char)slash[1]))
			return -EINVAL;
		errno = 0;
		p = strtol(slash + 1, &end, 10);
		if (errno || *end || p < 0 || p > max)
			return -EINVAL;
		out->prefix = (uint8_t)p;
	} else {
		out->prefix = (uint8_t)max;
	}
	mask_host_bits(out);
	return 0;
}

bool cidr__contains(const struct lw_cidr *c, const struct lw_addr *a)
{
	int full = c->prefix / 8, rest = c->prefix % 8;

	if (c->addr.family != a->family)
		return false;
	if (memcmp(c->addr.b, a->b, full))
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));

		return (c->addr.b[full] & m) == (a->b[full] & m);
	}
	return true;
}

struct builtin_range {
	const char *cidr;
	enum lw_addr_class cls;
};

static const struct builtin_range builtin_ranges[] = {
	{ "127.0.0.0/8", LW_CLASS_LOOPBACK },
	{ "::1/128", LW_CLASS_LOOPBACK },
	{ "169.254.0.0/16", LW_CLASS_LINK_LOCAL },
	{ "fe80::/10", LW_CLASS_LINK_LOCAL },
	{ "10.0.0.0/8", LW_CLASS_PRIVATE },      /* RFC 1918 */
	{ "172.16.0.0/12", LW_CLASS_PRIVATE },   /* RFC 1918 */
	{ "192.168.0.0/16", LW_CLASS_PRIVATE },  /* RFC 1918 */
	{ "100.64.0.0/10", LW_CLASS_PRIVATE },   /* RFC 6598 carrier-grade NAT */
	{ "fc00::/7", LW_CLASS_PRIVATE },        /* RFC 4193 unique local */
};

#define N_BUILTIN (sizeof(builtin_ranges) / sizeof(builtin_ranges[0]))

static struct lw_cidr builtin_parsed[N_BUILTIN];
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void parse_builtin(void)
{
	for (size_t i = 0; i < N_BUILTIN; i++)
		if (cidr__parse(builtin_ranges[i].cidr, &builtin_parsed[i]))
			abort(); /* the table above is wrong */
}

static const struct lw_cidr *builtin_cidrs(void)
{
	pthread_once(&builtin_once, parse_builtin);
	return builtin_parsed;
}

enum lw_addr_class addr__classify(const struct lw_addr *addr, const struct lw_class_rule *rules,
				  size_t n_rules)
{
	const struct lw_class_rule *best = NULL;
	const struct lw_cidr *builtin = builtin_cidrs();
	struct lw_addr a = *addr;

	addr__unmap(&a);
	for (size_t i = 0; i < n_rules; i++)
		if (cidr__contains(&rules[i].cidr, &a) &&
		    (!best || rules[i].cidr.prefix > best->cidr.prefix))
			best = &rules[i];
	if (best)
		return best->cls;
	for (size_t i = 0; i < N_BUILTIN; i++)
		if (cidr__contains(&builtin[i], &a))
			return builtin_ranges[i].cls;
	return LW_CLASS_PUBLIC;
}

const char *addr_class__name(enum lw_addr_class c)
{
	static const char *const names[] = {
#define LW_ADDR_CLASS_NAME(id, name) [LW_CLASS_##id] = name,
		LW_ADDR_CLASSES(LW_ADDR_CLASS_NAME)
#undef LW_ADDR_CLASS_NAME
	};

	return (unsigned)c < LW_CLASS_COUNT ? names[c] : "unknown";
}
