// SPDX-License-Identifier: Apache-2.0
#include "report.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "leakwatch/events.h"

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_UDP ? "udp" : "tcp";
}

static const char *or_null(const char *s)
{
	return s && *s ? s : NULL;
}

void report__process_json(struct jsonw *w, const struct lw_proc *p)
{
	jsonw__key(w, "process");
	jsonw__begin_object(w);
	jsonw__kv_u64(w, "pid", p->tgid);
	jsonw__kv_u64(w, "tid", p->pid);
	jsonw__kv_str(w, "comm", p->comm);
	jsonw__kv_str(w, "exe", or_null(p->exe));
	jsonw__kv_str(w, "cmdline", or_null(p->cmdline));
	jsonw__kv_u64(w, "uid", p->uid);
	jsonw__kv_str(w, "user", or_null(p->user));
	jsonw__end_object(w);
}

void report__container_json(struct jsonw *w, const struct lw_proc *p)
{
	const struct lw_container *c = &p->container;

	jsonw__key(w, "container");
	jsonw__begin_object(w);
	jsonw__kv_str(w, "id", or_null(c->id));
	jsonw__kv_str(w, "runtime", or_null(c->runtime));
	jsonw__kv_str(w, "pod_uid", or_null(c->pod_uid));
	jsonw__kv_str(w, "cgroup", or_null(c->cgroup));
	jsonw__kv_u64(w, "cgroup_id", p->cgroup_id);
	jsonw__end_object(w);
}

void report__listener_json(struct jsonw *w, const struct lw_listener *l)
{
	char ts[LW_RFC3339_LEN], addr[LW_ADDR_STRLEN];
	const struct lw_exposure *e = &l->exposure;

	jsonw__begin_object(w);
	jsonw__kv_str(w, "ts", clock__rfc3339(l->ts_ns, ts));
	jsonw__kv_str(w, "kind", "listener");
	jsonw__kv_str(w, "event", l->open ? "open" : "close");
	jsonw__kv_str(w, "source", l->source);
	jsonw__kv_str(w, "severity", severity__name(l->severity));
	jsonw__kv_str(w, "exposure", addr_class__name(e->level));
	jsonw__kv_bool(w, "unexpected", listener__unexpected(l));
	jsonw__kv_bool(w, "expected", l->expected);
	jsonw__kv_str(w, "protocol", proto_name(l->protocol));
	jsonw__kv_str(w, "family", l->addr.family == AF_INET6 ? "ipv6" : "ipv4");
	jsonw__kv_str(w, "address", addr__format(&l->addr, addr));
	jsonw__kv_u64(w, "port", l->port);
	jsonw__kv_bool(w, "wildcard", e->wildcard);
	if (l->addr.family == AF_INET6)
		jsonw__kv_bool(w, "v6only", l->v6only);
	jsonw__kv_u64(w, "netns", l->netns_ino);
	jsonw__kv_u64(w, "socket_inode", l->sock_ino);
	jsonw__kv_bool(w, "interfaces_known", e->interfaces_known);
	jsonw__key(w, "reachable");
	jsonw__begin_array(w);
	for (size_t i = 0; i < e->n_reach; i++) {
		jsonw__begin_object(w);
		jsonw__kv_str(w, "address", addr__format(&e->reach[i].addr, addr));
		jsonw__kv_str(w, "class", addr_class__name(e->reach[i].cls));
		jsonw__kv_str(w, "interface", or_null(e->reach[i].ifname));
		jsonw__end_object(w);
	}
	jsonw__end_array(w);
	if (e->n_reach_total > e->n_reach)
		jsonw__kv_u64(w, "reachable_total", e->n_reach_total);
	jsonw__key(w, "service");
	if (l->service.name) {
		jsonw__begin_object(w);
		jsonw__kv_str(w, "name", l->service.name);
		jsonw__kv_str(w, "category", l->service.category);
		jsonw__kv_str(w, "identified_by", l->service.via);
		jsonw__end_object(w);
	} else {
		jsonw__null(w);
	}
	report__process_json(w, &l->proc);
	report__container_json(w, &l->proc);
	jsonw__end_object(w);
}

static int write_line(FILE *f, struct jsonw *w)
{
	const char *s = jsonw__str(w);
	int err = 0;

	if (!s)
		err = -ENOMEM;
	else if (fprintf(f, "%s\n", s) < 0 || fflush(f))
		err = -EIO;
	jsonw__free(w);
	return err;
}

int report__listener_line(FILE *f, const struct lw_listener *l)
{
	struct jsonw w;

	jsonw__init(&w);
	report__listener_json(&w, l);
	return write_line(f, &w);
}

/* Never the secret: only its rule, redacted form and keyed fingerprint. */
void report__leak_json(struct jsonw *w, const struct lw_leak *leak)
{
	char ts[LW_RFC3339_LEN], dev[LW_DEVICE_LEN];

	jsonw__begin_object(w);
	jsonw__kv_str(w, "ts", clock__rfc3339(leak->repeat ? leak->last_ns : leak->first_ns, ts));
	jsonw__kv_str(w, "kind", "leak");
	jsonw__kv_str(w, "event", leak->repeat ? "repeated" : "found");
	jsonw__kv_str(w, "rule", leak->rule->id);
	jsonw__kv_str(w, "family", leak->rule->family);
	jsonw__kv_str(w, "severity", severity__name(leak->rule->severity));
	jsonw__kv_str(w, "redacted", leak->redacted);
	jsonw__kv_str(w, "fingerprint", leak->fingerprint);
	jsonw__kv_u64(w, "count", leak->count);
	jsonw__kv_u64(w, "total", leak->total);
	jsonw__kv_str(w, "first_seen", clock__rfc3339(leak->first_ns, ts));
	jsonw__kv_str(w, "last_seen", clock__rfc3339(leak->last_ns, ts));
	jsonw__key(w, "file");
	jsonw__begin_object(w);
	jsonw__kv_str(w, "path", leak->path);
	jsonw__kv_str(w, "device", leak__device(leak->dev, dev));
	jsonw__kv_u64(w, "inode", leak->ino);
	jsonw__kv_u64(w, "offset", leak->offset);
	jsonw__kv_u64(w, "length", leak->length);
	jsonw__kv_u64(w, "last_offset", leak->last_offset);
	jsonw__end_object(w);
	jsonw__key(w, "write");
	jsonw__begin_object(w);
	jsonw__kv_str(w, "syscall", leak__syscall_name(leak->syscall));
	jsonw__kv_i64(w, "fd", leak->fd);
	jsonw__end_object(w);
	report__process_json(w, &leak->proc);
	report__container_json(w, &leak->proc);
	jsonw__end_object(w);
}

int report__leak_line(FILE *f, const struct lw_leak *leak)
{
	struct jsonw w;

	jsonw__init(&w);
	report__leak_json(&w, leak);
	return write_line(f, &w);
}

void report__listener_table_header(FILE *f)
{
	fprintf(f, "%-8s %-10s %-5s %-40s %-14s %-24s %-10s %s\n", "SEVERITY", "EXPOSURE", "PROTO",
		"LISTEN", "SERVICE", "PROCESS", "NETNS", "CONTAINER");
}

void report__listener_table_row(FILE *f, const struct lw_listener *l)
{
	char addr[LW_ADDR_STRLEN], listen[64], proc[40], svc[24];

	addr__format(&l->addr, addr);
	snprintf(listen, sizeof(listen), l->addr.family == AF_INET6 ? "[%s]:%u%s" : "%s:%u%s", addr,
		 l->port, l->addr.family == AF_INET6 && l->exposure.wildcard && !l->v6only ? " (+v4)" : "");
	snprintf(proc, sizeof(proc), "%s(%u)", l->proc.comm[0] ? l->proc.comm : "?", l->proc.tgid);
	snprintf(svc, sizeof(svc), "%s%s", l->service.name ? l->service.name : "-",
		 l->service.name && !strcmp(l->service.via, "port") ? "?" : "");
	fprintf(f, "%-8s %-10s %-5s %-40s %-14s %-24s %-10u %.12s%s\n", severity__name(l->severity),
		addr_class__name(l->exposure.level), proto_name(l->protocol), listen, svc, proc,
		l->netns_ino, l->proc.container.id[0] ? l->proc.container.id : "-",
		l->expected ? " (expected)" : "");
}
