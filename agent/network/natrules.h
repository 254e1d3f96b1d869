/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The destination NAT rules of one network namespace, read from nf_tables
 * over netlink (no library): nft's own `dnat to` and the DNAT target that
 * iptables-nft writes (Docker's -p, Kubernetes hostPort and hand-written
 * port forwards). Only what a rule's own matches say is kept: protocol,
 * destination address or range, destination port, and where it sends the
 * packet. A rule whose target comes from a map or a set (kube-proxy's
 * nftables mode) is not read; IPVS is not read.
 */
#ifndef LW_NATRULES_H
#define LW_NATRULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"

#define LW_NFT_NAME_LEN 64

struct lw_dnat {
	uint8_t protocol;        /* IPPROTO_TCP or IPPROTO_UDP; 0: any */
	bool has_daddr;          /* false: any address of the namespace */
	struct lw_cidr daddr;    /* the destination it matches */
	uint16_t dport;          /* host byte order; 0: any */
	struct lw_addr to_addr;  /* where it sends the packet */
	uint16_t to_port;        /* 0: the port is kept */
	char table[LW_NFT_NAME_LEN];
	char chain[LW_NFT_NAME_LEN];
};

/*
 * Reads the DNAT rules over fd, a NETLINK_NETFILTER socket in the namespace.
 * *out is malloc'd (NULL when there are none). 0 or -errno.
 */
int natrules__dump(int fd, struct lw_dnat **out, size_t *n);

/* Parses one NFT_MSG_NEWRULE message; true (and *out) when it is a DNAT rule. */
bool natrules__parse(const void *msg, size_t len, struct lw_dnat *out);

#endif
