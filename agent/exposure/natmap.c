// SPDX-License-Identifier: Apache-2.0
#include "exposure/natmap.h"

#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "attrib/hostfs.h"
#include "data/grow.h"
#include "os/log.h"
#include "network/ifcache.h"
#include "network/natrules.h"
#include "network/netns.h"

/* One DNAT rule, with where it is reached from. */
struct published_rule {
	uint32_t rule_ns;          /* the namespace the rule is in */
	uint8_t protocol;          /* 0: any */
	struct lw_addr to_addr;
	uint16_t to_port;          /* 0: any */
	struct lw_addr pub_addr;   /* the most reachable address it is reached on */
	bool pub_any;              /* no address in the rule: pub_addr is the namespace's best */
	uint16_t pub_port;         /* 0: any */
	enum lw_addr_class level;
	char table[LW_NFT_NAME_LEN], chain[LW_NFT_NAME_LEN];
};

struct natmap {
	struct published_rule *v;
	size_t n;
	size_t unreadable;
};

struct natmap *natmap__new(void)
{
	return calloc(1, sizeof(struct natmap));
}

void natmap__free(struct natmap *m)
{
	if (!m)
		return;
	free(m->v);
	free(m);
}

size_t natmap__count(const struct natmap *m)
{
	return m->n;
}

size_t natmap__unreadable(const struct natmap *m)
{
	return m->unreadable;
}

static bool file_mentions(const char *path, const char *what)
{
	char line[512];
	bool found = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, what) != NULL;
	fclose(f);
	return found;
}

/*
 * Whether nf_tables is in the kernel. A kernel without modules has it or
 * not, and asking costs nothing; with modules, asking for a subsystem that
 * is not loaded would load it: only when it is loaded, or built in.
 */
static bool nf_tables_present(void)
{
	char path[256];
	struct utsname u;

	if (!hostfs__path(path, sizeof(path), "/proc/modules") || access(path, F_OK))
		return true;
	if (file_mentions(path, "nf_tables "))
		return true;
	return !uname(&u) && snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin", u.release) <
				      (int)sizeof(path) &&
	       file_mentions(path, "/nf_tables.ko");
}

/*
 * Where a rule is reached from: the address it names, or, for a rule that
 * names none (or a range), the most reachable address of its namespace that
 * it covers. Loopback is left out: a packet from outside never has it.
 */
static bool reached_at(const struct lw_dnat *r, const struct lw_ifaddr *ifs, size_t n_ifs,
		       const struct lw_class_rule *rules, size_t n_rules, struct published_rule *p)
{
	bool found = false;

	if (r->has_daddr && r->daddr.prefix == (r->daddr.addr.family == AF_INET ? 32 : 128)) {
		p->pub_addr = r->daddr.addr;
		p->level = addr__classify(&r->daddr.addr, rules, n_rules);
		return true;
	}
	for (size_t i = 0; i < n_ifs; i++) {
		enum lw_addr_class c = addr__classify(&ifs[i].addr, rules, n_rules);

		if (c == LW_CLASS_LOOPBACK || (r->has_daddr && !cidr__contains(&r->daddr, &ifs[i].addr)))
			continue;
		if (!found || c > p->level) {
			p->pub_addr = ifs[i].addr;
			p->level = c;
			found = true;
		}
	}
	p->pub_any = !r->has_daddr;
	return found;
}

/* The namespace's DNAT rules, appended to v; -errno when they cannot be read. */
static int read_namespace(const struct lw_netns *ns, struct ifcache *ifc, const struct lw_class_rule *rules,
			  size_t n_rules, struct published_rule **v, size_t *n, size_t *cap)
{
	const struct lw_ifaddr *ifs = NULL;
	size_t n_rules_read = 0, n_ifs = 0;
	struct lw_dnat *dn = NULL;
	int fd, err;

	fd = netns__socket(ns->path, AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
	if (fd < 0)
		return fd;
	err = natrules__dump(fd, &dn, &n_rules_read);
	close(fd);
	if (err || !n_rules_read)
		return err;
	if (ifcache__get(ifc, ns->ino, ns->path, 0, &ifs, &n_ifs))
		n_ifs = 0;
	for (size_t i = 0; i < n_rules_read && !err; i++) {
		struct published_rule p;

		memset(&p, 0, sizeof(p));
		if (!reached_at(&dn[i], ifs, n_ifs, rules, n_rules, &p))
			continue;
		p.rule_ns = ns->ino;
		p.protocol = dn[i].protocol;
		p.to_addr = dn[i].to_addr;
		p.pub_port = dn[i].dport;
		p.to_port = dn[i].to_port ? dn[i].to_port : dn[i].dport;
		memcpy(p.table, dn[i].table, sizeof(p.table));
		memcpy(p.chain, dn[i].chain, sizeof(p.chain));
		if (grow__reserve((void **)v, cap, *n + 1, sizeof(**v), 16)) {
			err = -ENOMEM;
			break;
		}
		(*v)[(*n)++] = p;
	}
	free(dn);
	return err;
}

bool natmap__refresh(struct natmap *m, const struct lw_class_rule *rules, size_t n_rules, struct ifcache *ifc)
{
	struct published_rule *v = NULL;
	struct lw_netns *nss = NULL;
	size_t n = 0, cap = 0, n_ns = 0, unreadable = 0;
	bool changed;

	if (nf_tables_present() && !netns__list(&nss, &n_ns)) {
		for (size_t i = 0; i < n_ns; i++) {
			int err = read_namespace(&nss[i], ifc, rules, n_rules, &v, &n, &cap);

			if (err) {
				unreadable++;
				log_debug("netns %u: DNAT rules not read: %s", nss[i].ino, strerror(-err));
			}
		}
	}
	free(nss);
	changed = n != m->n || (n && memcmp(v, m->v, n * sizeof(*v)));
	free(m->v);
	m->v = v;
	m->n = n;
	m->unreadable = unreadable;
	return changed;
}

/* Does the listener answer on to_addr? A loopback target only in the rule's own namespace. */
static bool answers_on(const struct published_rule *p, uint32_t netns_ino, const struct lw_exposure *e)
{
	for (size_t i = 0; i < e->n_reach; i++) {
		if (!addr__equal(&e->reach[i].addr, &p->to_addr))
			continue;
		return e->reach[i].cls != LW_CLASS_LOOPBACK || p->rule_ns == netns_ino;
	}
	return false;
}

void natmap__publish(const struct natmap *m, uint32_t netns_ino, uint8_t protocol, uint16_t port,
		     struct lw_exposure *e)
{
	const struct published_rule *best = NULL;

	memset(&e->published, 0, sizeof(e->published));
	for (size_t i = 0; i < m->n; i++) {
		const struct published_rule *p = &m->v[i];

		if ((p->protocol && p->protocol != protocol) || (p->to_port && p->to_port != port) ||
		    p->level <= e->level || !answers_on(p, netns_ino, e))
			continue;
		if (!best || p->level > best->level)
			best = p;
	}
	if (!best)
		return;
	e->published = (struct lw_published){
		.set = true,
		.addr = best->pub_addr,
		.port = best->pub_port,
		.level = best->level,
		.own = e->level,
		.netns_ino = best->rule_ns,
	};
	memcpy(e->published.table, best->table, sizeof(e->published.table));
	memcpy(e->published.chain, best->chain, sizeof(e->published.chain));
	e->level = best->level;
}
