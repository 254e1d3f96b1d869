// SPDX-License-Identifier: Apache-2.0
#include "exposure/exposure.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "attrib/hostfs.h"
#include "probes/probe.h"

static void add_reach(struct lw_exposure *e, const struct lw_addr *a, enum lw_addr_class cls,
		      const char *ifname)
{
	if (e->n_reach_total == 0 || cls > e->level)
		e->level = cls;
	e->n_reach_total++;
	if (e->n_reach < LW_MAX_REACH) {
		struct lw_reach *r = &e->reach[e->n_reach++];

		r->addr = *a;
		r->cls = cls;
		snprintf(r->ifname, sizeof(r->ifname), "%s", ifname ? ifname : "");
	}
}

void exposure__judge(const struct lw_addr *bound_in, bool v6only, const struct lw_ifaddr *ifs,
		     size_t n_ifs, const struct lw_class_rule *rules, size_t n_rules,
		     struct lw_exposure *out)
{
	struct lw_addr bound = *bound_in;
	bool want4, want6;

	memset(out, 0, sizeof(*out));
	out->interfaces_known = ifs != NULL;
	/* before the wildcard test: ::ffff:0.0.0.0 is IPv4's 0.0.0.0 */
	addr__unmap(&bound);
	out->wildcard = addr__is_wildcard(&bound);
	if (!out->wildcard) {
		const char *ifname = NULL;

		for (size_t i = 0; ifs && i < n_ifs; i++)
			if (addr__equal(&ifs[i].addr, &bound))
				ifname = ifs[i].ifname;
		add_reach(out, &bound, addr__classify(&bound, rules, n_rules), ifname);
		return;
	}

	/* "::" without IPV6_V6ONLY also takes IPv4 connections */
	want4 = bound.family == AF_INET || !v6only;
	want6 = bound.family == AF_INET6;
	for (size_t i = 0; ifs && i < n_ifs; i++) {
		const struct lw_addr *a = &ifs[i].addr;

		if ((a->family == AF_INET && want4) || (a->family == AF_INET6 && want6))
			add_reach(out, a, addr__classify(a, rules, n_rules), ifs[i].ifname);
	}
	/*
	 * Addresses unknown (the namespace vanished): assume the common case of
	 * a host with private addresses rather than page on a guess.
	 */
	if (!out->n_reach_total)
		out->level = ifs ? LW_CLASS_LOOPBACK : LW_CLASS_PRIVATE;
}

/*
 * A name installed as a link to the executable, beside it: Debian's
 * /usr/bin/redis-server is a link to redis-check-rdb. Resolved in the
 * process's own root, so a container's files are its own.
 */
static bool links_to_exe(const char *want, const char *exe, size_t n, const char *base, uint32_t tgid)
{
	char link[PATH_MAX], root[PATH_MAX], target[PATH_MAX], real_link[PATH_MAX], real_exe[PATH_MAX];

	if (!tgid || !hostfs__path(root, sizeof(root), "/proc/%u/root", tgid))
		return false;
	if (snprintf(link, sizeof(link), "%s%.*s%s", root, (int)(base - exe), exe, want) >= (int)sizeof(link) ||
	    snprintf(target, sizeof(target), "%s%.*s", root, (int)n, exe) >= (int)sizeof(target))
		return false;
	if (!realpath(link, real_link) || !realpath(target, real_exe))
		return false;
	return !strcmp(real_link, real_exe);
}

/*
 * A process is who its executable says: any process can rename itself
 * (prctl, setproctitle), so comm decides only when the executable is not
 * known (the process is gone, or a kernel thread). A binary replaced by an
 * upgrade while running reads as "<path> (deleted)": still itself.
 */
static bool process_matches(const char *want, const char *comm, const char *exe, uint32_t tgid)
{
	static const char deleted[] = " (deleted)";
	size_t n = strlen(exe), dl = sizeof(deleted) - 1, bl;
	const char *base;

	if (!n)
		return !strchr(want, '/') && !strcmp(want, comm);
	if (n > dl && !strcmp(exe + n - dl, deleted))
		n -= dl;
	if (strchr(want, '/'))
		return strlen(want) == n && !strncmp(want, exe, n);
	base = memrchr(exe, '/', n);
	base = base ? base + 1 : exe;
	bl = (size_t)(exe + n - base);
	if (strlen(want) == bl && !strncmp(want, base, bl))
		return true;
	return links_to_exe(want, exe, n, base, tgid);
}

bool exposure__expected(const struct lw_expected *list, size_t n, const char *comm, const char *exe,
			uint32_t tgid, uint8_t protocol, const struct lw_addr *bound_in, uint16_t port,
			const struct lw_container *ctr)
{
	struct lw_addr bound = *bound_in;
	/* nothing known matches no entry that asks */
	const struct lw_place where = ctr ? container__place(ctr) : (struct lw_place){ 0 };
	addr__unmap(&bound);
	for (size_t i = 0; i < n; i++) {
		const struct lw_expected *x = &list[i];

		if (x->process && !process_matches(x->process, comm, exe, tgid))
			continue;
		if (x->port && x->port != port)
			continue;
		if (x->protocol && x->protocol != protocol)
			continue;
		if (x->has_address && !cidr__contains(&x->address, &bound) &&
		    !cidr__contains(&x->address, bound_in))
			continue;
		if (!place__matches(&x->place, &where))
			continue;
		return true;
	}
	return false;
}

/*
 * A data service named by its port alone is a weaker signal than one
 * named by its process or confirmed by a probe's reply: one level lower.
 */
static enum lw_severity weigh_identity(enum lw_severity sev, const struct lw_service_id *svc, int auth)
{
	if (svc->name && svc->via && !strcmp(svc->via, "port") && auth != LW_AUTH_NONE &&
	    sev > LW_SEV_INFO)
		return (enum lw_severity)(sev - 1);
	return sev;
}

static enum lw_severity severity_of(const struct lw_exposure *e, bool data, bool open_door);

enum lw_severity exposure__severity(const struct lw_exposure *e, const struct lw_service_id *svc,
				    bool expected, int auth)
{
	if (expected)
		return LW_SEV_INFO;
	return weigh_identity(severity_of(e, svc->name != NULL, auth == LW_AUTH_NONE), svc, auth);
}

static enum lw_severity severity_of(const struct lw_exposure *e, bool data, bool open_door)
{
	switch (e->level) {
	case LW_CLASS_PUBLIC:
		return open_door ? LW_SEV_CRITICAL : data ? LW_SEV_HIGH : LW_SEV_LOW;
	case LW_CLASS_PRIVATE:
		if (open_door)
			return LW_SEV_HIGH;
		if (!data)
			return LW_SEV_INFO;
		return e->wildcard ? LW_SEV_MEDIUM : LW_SEV_LOW;
	case LW_CLASS_LINK_LOCAL:
		return data ? LW_SEV_LOW : LW_SEV_INFO;
	case LW_CLASS_LOOPBACK:
		break;
	}
	return LW_SEV_INFO;
}
