/* SPDX-License-Identifier: Apache-2.0 */
/* IP addresses, CIDR ranges, and how public an address is. */
#ifndef LW_ADDR_H
#define LW_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * Ordered from least to most reachable: a wildcard's exposure is the max.
 * The one list of the classes and their names; leakwatch.v1.AddressClass is
 * the same order shifted by one (lib/names.c checks it).
 */
#define LW_ADDR_CLASSES(X)              \
	X(LOOPBACK, "loopback")         \
	X(LINK_LOCAL, "link-local")     \
	X(PRIVATE, "private")           \
	X(PUBLIC, "public")

enum lw_addr_class {
#define LW_ADDR_CLASS_ENUM(id, name) LW_CLASS_##id,
	LW_ADDR_CLASSES(LW_ADDR_CLASS_ENUM)
#undef LW_ADDR_CLASS_ENUM
};
/* a macro, not an enumerator, so that switches need not handle it */
#define LW_ADDR_CLASS_ONE(id, name) +1
#define LW_CLASS_COUNT (0 LW_ADDR_CLASSES(LW_ADDR_CLASS_ONE))

struct lw_addr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t b[16];  /* network order; AF_INET uses b[0..3] */
};

struct lw_cidr {
	struct lw_addr addr; /* host bits cleared */
	uint8_t prefix;
};

/* An operator's ruling on a range, from internal_cidrs / public_cidrs. */
struct lw_class_rule {
	struct lw_cidr cidr;
	enum lw_addr_class cls;
};

#define LW_ADDR_STRLEN 46

void addr__from_bytes(struct lw_addr *a, int family, const void *bytes);
/* Turns an IPv4-mapped IPv6 address into the IPv4 address it carries. */
void addr__unmap(struct lw_addr *a);
/* a and port as a socket address in *ss; its length */
socklen_t addr__sockaddr(const struct lw_addr *a, uint16_t port, struct sockaddr_storage *ss);
bool addr__is_wildcard(const struct lw_addr *a);
bool addr__equal(const struct lw_addr *a, const struct lw_addr *b);
int addr__parse(const char *s, struct lw_addr *out);
const char *addr__format(const struct lw_addr *a, char buf[LW_ADDR_STRLEN]);
/* 4 or 16 bytes in network order, as events carry them; NULL for another length. */
const char *addr__format_bytes(const void *bytes, size_t len, char buf[LW_ADDR_STRLEN]);

/* "10.0.0.0/8", "fd00::/8", or a bare address (a host route). -EINVAL if bad. */
int cidr__parse(const char *s, struct lw_cidr *out);
bool cidr__contains(const struct lw_cidr *c, const struct lw_addr *a);

/* The most specific operator rule wins; without one, the built-in ranges. */
enum lw_addr_class addr__classify(const struct lw_addr *a, const struct lw_class_rule *rules,
				  size_t n_rules);
const char *addr_class__name(enum lw_addr_class c);

#endif
