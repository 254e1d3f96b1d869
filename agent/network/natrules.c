// SPDX-License-Identifier: Apache-2.0
#include "network/natrules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "data/grow.h"
#include "network/nl.h"

/*
 * nf_tables registers: the four 16-byte ones (NFT_REG_1..4) and the sixteen
 * 4-byte ones (NFT_REG32_00..15) share one 64-byte area.
 */
#define REG_BYTES 64
#define MAX_ATTRS 16

/* What a register holds, as far as the rule's matches go. */
enum reg_src {
	SRC_NONE,
	SRC_L4PROTO,
	SRC_DADDR,  /* the network header's destination address, maybe masked */
	SRC_DPORT,  /* the transport header's destination port */
	SRC_VALUE,  /* an immediate: a NAT target's address or port */
	SRC_OTHER,
};

struct reg {
	enum reg_src src;
	uint8_t family;       /* SRC_DADDR: AF_INET or AF_INET6 */
	uint8_t prefix;       /* SRC_DADDR: bits compared (a bitwise mask before the cmp) */
};

struct rule_state {
	uint8_t table_family; /* NFPROTO_* of the rule's table */
	struct reg reg[REG_BYTES];   /* indexed by byte offset; only a register's first byte is set */
	uint8_t data[REG_BYTES];
	struct lw_dnat *out;
	bool dnat;
};

/* The byte offset of register r in the data area, or -1. */
static int reg_offset(uint32_t r)
{
	if (r >= NFT_REG_1 && r <= NFT_REG_4)
		return (int)(r - NFT_REG_1) * 16;
	if (r >= NFT_REG32_00 && r <= NFT_REG32_15)
		return (int)(r - NFT_REG32_00) * 4;
	return -1;
}

/* Attributes of a nested block, by type (0..MAX_ATTRS-1); others ignored. */
static void attrs_of(const void *data, int len, const struct nlattr *tb[MAX_ATTRS])
{
	const struct nlattr *a = data;

	memset(tb, 0, sizeof(*tb) * MAX_ATTRS);
	for (; NL_ATTR_OK(a, len); a = NL_ATTR_NEXT(a, len)) {
		unsigned type = a->nla_type & NLA_TYPE_MASK;

		if (type < MAX_ATTRS)
			tb[type] = a;
	}
}

static bool u32_attr(const struct nlattr *a, uint32_t *v)
{
	if (!a || NL_ATTR_LEN(a) < 4)
		return false;
	memcpy(v, NL_ATTR_DATA(a), 4);
	*v = ntohl(*v);
	return true;
}

/* NFTA_DATA_VALUE inside a nested data attribute. */
static const struct nlattr *data_value(const struct nlattr *a)
{
	const struct nlattr *tb[MAX_ATTRS];

	if (!a)
		return NULL;
	attrs_of(NL_ATTR_DATA(a), NL_ATTR_LEN(a), tb);
	return tb[NFTA_DATA_VALUE];
}

static void set_reg(struct rule_state *s, uint32_t r, enum reg_src src)
{
	int off = reg_offset(r);

	if (off >= 0)
		s->reg[off] = (struct reg){ .src = src };
}

static void on_meta(struct rule_state *s, const struct nlattr **tb)
{
	uint32_t key, dreg;

	if (!u32_attr(tb[NFTA_META_DREG], &dreg) || !u32_attr(tb[NFTA_META_KEY], &key))
		return;
	set_reg(s, dreg, key == NFT_META_L4PROTO ? SRC_L4PROTO : SRC_OTHER);
}

static void on_payload(struct rule_state *s, const struct nlattr **tb)
{
	uint32_t dreg, base, offset, len;
	int off;

	if (!u32_attr(tb[NFTA_PAYLOAD_DREG], &dreg) || !u32_attr(tb[NFTA_PAYLOAD_BASE], &base) ||
	    !u32_attr(tb[NFTA_PAYLOAD_OFFSET], &offset) || !u32_attr(tb[NFTA_PAYLOAD_LEN], &len) ||
	    (off = reg_offset(dreg)) < 0)
		return;
	s->reg[off] = (struct reg){ .src = SRC_OTHER };
	if (base == NFT_PAYLOAD_NETWORK_HEADER && offset == 16 && len == 4)
		s->reg[off] = (struct reg){ .src = SRC_DADDR, .family = AF_INET, .prefix = 32 };
	else if (base == NFT_PAYLOAD_NETWORK_HEADER && offset == 24 && len == 16)
		s->reg[off] = (struct reg){ .src = SRC_DADDR, .family = AF_INET6, .prefix = 128 };
	else if (base == NFT_PAYLOAD_TRANSPORT_HEADER && offset == 2 && len == 2)
		s->reg[off] = (struct reg){ .src = SRC_DPORT };
}

/* A mask of leading ones: the prefix of `ip daddr 10.0.0.0/24`. */
static int mask_prefix(const uint8_t *m, size_t len)
{
	int bits = 0;
	size_t i = 0;

	for (; i < len && m[i] == 0xff; i++)
		bits += 8;
	if (i < len) {
		for (uint8_t b = m[i]; b & 0x80; b = (uint8_t)(b << 1))
			bits++;
	}
	return bits;
}

static void on_bitwise(struct rule_state *s, const struct nlattr **tb)
{
	uint32_t sreg, dreg;
	const struct nlattr *mask = data_value(tb[NFTA_BITWISE_MASK]);
	int so, dof;

	if (!u32_attr(tb[NFTA_BITWISE_SREG], &sreg) || !u32_attr(tb[NFTA_BITWISE_DREG], &dreg) ||
	    (so = reg_offset(sreg)) < 0 || (dof = reg_offset(dreg)) < 0)
		return;
	if (s->reg[so].src == SRC_DADDR && mask) {
		struct reg r = s->reg[so];

		r.prefix = (uint8_t)mask_prefix(NL_ATTR_DATA(mask), (size_t)NL_ATTR_LEN(mask));
		s->reg[dof] = r;
	} else {
		s->reg[dof] = (struct reg){ .src = SRC_OTHER };
	}
}

/* Only equality narrows what we record; a `!=` (an interface excluded) leaves the rule as wide. */
static void on_cmp(struct rule_state *s, const struct nlattr **tb)
{
	const struct nlattr *v = data_value(tb[NFTA_CMP_DATA]);
	uint32_t sreg, op;
	const uint8_t *d;
	struct reg *r;
	int off, len;

	if (!u32_attr(tb[NFTA_CMP_SREG], &sreg) || !u32_attr(tb[NFTA_CMP_OP], &op) || op != NFT_CMP_EQ ||
	    !v || (off = reg_offset(sreg)) < 0)
		return;
	d = NL_ATTR_DATA(v);
	len = NL_ATTR_LEN(v);
	r = &s->reg[off];
	switch (r->src) {
	case SRC_L4PROTO:
		if (len >= 1)
			s->out->protocol = d[0];
		break;
	case SRC_DPORT:
		if (len >= 2)
			s->out->dport = (uint16_t)(d[0] << 8 | d[1]);
		break;
	case SRC_DADDR:
		if (len >= (r->family == AF_INET ? 4 : 16)) {
			s->out->has_daddr = true;
			addr__from_bytes(&s->out->daddr.addr, r->family, d);
			s->out->daddr.prefix = r->prefix;
		}
		break;
	default:
		break;
	}
}

static void on_immediate(struct rule_state *s, const struct nlattr **tb)
{
	const struct nlattr *v = data_value(tb[NFTA_IMMEDIATE_DATA]);
	uint32_t dreg;
	int off, len;

	if (!u32_attr(tb[NFTA_IMMEDIATE_DREG], &dreg) || (off = reg_offset(dreg)) < 0)
		return;
	s->reg[off] = (struct reg){ .src = v ? SRC_VALUE : SRC_OTHER };
	if (!v)
		return;
	len = NL_ATTR_LEN(v);
	if (len > REG_BYTES - off)
		len = REG_BYTES - off;
	memcpy(&s->data[off], NL_ATTR_DATA(v), (size_t)len);
}

static void on_nat(struct rule_state *s, const struct nlattr **tb)
{
	uint32_t type, family, areg, preg;
	int ao, po;

	if (!u32_attr(tb[NFTA_NAT_TYPE], &type) || type != NFT_NAT_DNAT ||
	    !u32_attr(tb[NFTA_NAT_FAMILY], &family) || !u32_attr(tb[NFTA_NAT_REG_ADDR_MIN], &areg) ||
	    (ao = reg_offset(areg)) < 0 || s->reg[ao].src != SRC_VALUE)
		return; /* an address from a map or a set: not followed */
	if (family != NFPROTO_IPV4 && family != NFPROTO_IPV6)
		return;
	if (family == NFPROTO_IPV6 && ao + 16 > REG_BYTES)
		return;
	addr__from_bytes(&s->out->to_addr, family == NFPROTO_IPV4 ? AF_INET : AF_INET6, &s->data[ao]);
	if (u32_attr(tb[NFTA_NAT_REG_PROTO_MIN], &preg) && (po = reg_offset(preg)) >= 0 &&
	    s->reg[po].src == SRC_VALUE)
		s->out->to_port = (uint16_t)(s->data[po] << 8 | s->data[po + 1]);
	s->dnat = true;
}

/* iptables-nft: the xtables DNAT target, its range as the kernel module reads it. */
static void on_target(struct rule_state *s, const struct nlattr **tb)
{
	const struct nlattr *info = tb[NFTA_TARGET_INFO];
	uint32_t rev = 0, flags;
	const uint8_t *d;
	size_t len;

	if (!tb[NFTA_TARGET_NAME] || strcmp(NL_ATTR_DATA(tb[NFTA_TARGET_NAME]), "DNAT") || !info)
		return;
	(void)u32_attr(tb[NFTA_TARGET_REV], &rev);
	d = NL_ATTR_DATA(info);
	len = (size_t)NL_ATTR_LEN(info);
	if (rev == 0) {
		/* struct nf_nat_ipv4_multi_range_compat: rangesize, then one range */
		const struct nf_nat_ipv4_multi_range_compat *m = (const void *)d;

		if (len < sizeof(*m) || m->rangesize < 1 || !(m->range[0].flags & NF_NAT_RANGE_MAP_IPS))
			return;
		addr__from_bytes(&s->out->to_addr, AF_INET, &m->range[0].min_ip);
		if (m->range[0].flags & NF_NAT_RANGE_PROTO_SPECIFIED)
			s->out->to_port = ntohs(m->range[0].min.all);
	} else {
		/* revisions 1 and 2: struct nf_nat_range and nf_nat_range2, the same start */
		const struct nf_nat_range *r = (const void *)d;
		int fam = s->table_family == NFPROTO_IPV6 ? AF_INET6 : AF_INET;

		if (len < sizeof(*r))
			return;
		memcpy(&flags, &r->flags, sizeof(flags));
		if (!(flags & NF_NAT_RANGE_MAP_IPS))
			return;
		addr__from_bytes(&s->out->to_addr, fam, &r->min_addr);
		if (flags & NF_NAT_RANGE_PROTO_SPECIFIED)
			s->out->to_port = ntohs(r->min_proto.all);
	}
	s->dnat = true;
}

static void on_expr(struct rule_state *s, const struct nlattr *elem)
{
	const struct nlattr *tb[MAX_ATTRS], *dt[MAX_ATTRS];
	const char *name;

	attrs_of(NL_ATTR_DATA(elem), NL_ATTR_LEN(elem), tb);
	if (!tb[NFTA_EXPR_NAME] || !tb[NFTA_EXPR_DATA])
		return;
	name = NL_ATTR_DATA(tb[NFTA_EXPR_NAME]);
	attrs_of(NL_ATTR_DATA(tb[NFTA_EXPR_DATA]), NL_ATTR_LEN(tb[NFTA_EXPR_DATA]), dt);
	if (!strcmp(name, "meta"))
		on_meta(s, dt);
	else if (!strcmp(name, "payload"))
		on_payload(s, dt);
	else if (!strcmp(name, "bitwise"))
		on_bitwise(s, dt);
	else if (!strcmp(name, "cmp"))
		on_cmp(s, dt);
	else if (!strcmp(name, "immediate"))
		on_immediate(s, dt);
	else if (!strcmp(name, "nat"))
		on_nat(s, dt);
	else if (!strcmp(name, "target"))
		on_target(s, dt);
}

static void copy_name(char *dst, const struct nlattr *a)
{
	dst[0] = '\0';
	if (a)
		snprintf(dst, LW_NFT_NAME_LEN, "%.*s", NL_ATTR_LEN(a), (const char *)NL_ATTR_DATA(a));
	dst[strcspn(dst, "\n")] = '\0';
}

bool natrules__parse(const void *msg, size_t len, struct lw_dnat *out)
{
	const struct nlmsghdr *h = msg;
	const struct nfgenmsg *g;
	const struct nlattr *tb[MAX_ATTRS], *e;
	struct rule_state s;
	int rem;

	if (len < NLMSG_LENGTH(sizeof(*g)) || h->nlmsg_len > len ||
	    h->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE))
		return false;
	g = NLMSG_DATA(h);
	attrs_of(NL_ATTR_FIRST(h, sizeof(*g)), (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(*g)), tb);
	if (!tb[NFTA_RULE_EXPRESSIONS])
		return false;
	memset(&s, 0, sizeof(s));
	memset(out, 0, sizeof(*out));
	s.table_family = g->nfgen_family;
	s.out = out;
	e = NL_ATTR_DATA(tb[NFTA_RULE_EXPRESSIONS]);
	rem = NL_ATTR_LEN(tb[NFTA_RULE_EXPRESSIONS]);
	for (; NL_ATTR_OK(e, rem); e = NL_ATTR_NEXT(e, rem))
		if ((e->nla_type & NLA_TYPE_MASK) == NFTA_LIST_ELEM)
			on_expr(&s, e);
	if (!s.dnat)
		return false;
	copy_name(out->table, tb[NFTA_RULE_TABLE]);
	copy_name(out->chain, tb[NFTA_RULE_CHAIN]);
	return true;
}

struct collect {
	struct lw_dnat *v;
	size_t n, cap;
	int err;
};

static int collect_rule(const struct nlmsghdr *h, void *ctx)
{
	struct collect *c = ctx;
	struct lw_dnat d;

	if (!natrules__parse(h, h->nlmsg_len, &d))
		return 0;
	if (grow__reserve((void **)&c->v, &c->cap, c->n + 1, sizeof(*c->v), 8)) {
		c->err = -ENOMEM;
		return 1;
	}
	c->v[c->n++] = d;
	return 0;
}

int natrules__dump(int fd, struct lw_dnat **out, size_t *n)
{
	struct {
		struct nlmsghdr h;
		struct nfgenmsg g;
	} req = {
		.h = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETRULE,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		},
		.g = { .nfgen_family = NFPROTO_UNSPEC, .version = NFNETLINK_V0 },
	};
	struct collect c = { 0 };
	int err = nl__dump(fd, &req.h, collect_rule, &c);

	if (!err)
		err = c.err;
	if (err) {
		free(c.v);
		return err;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}
