// SPDX-License-Identifier: Apache-2.0
#include "listeners/report.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "leakwatch/events.h"
#include "names.h"

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_UDP ? "udp" : "tcp";
}

void report__listener_table_header(FILE *f)
{
	fprintf(f, "%-8s %-10s %-5s %-40s %-14s %-9s %-24s %-10s %s\n", "SEVERITY", "EXPOSURE", "PROTO",
		"LISTEN", "SERVICE", "AUTH", "PROCESS", "NETNS", "CONTAINER");
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
	fprintf(f, "%-8s %-10s %-5s %-40s %-14s %-9s %-24s %-10u %.12s%s\n", severity__name(l->severity),
		addr_class__name(l->exposure.level), proto_name(l->protocol), listen, svc,
		auth_state__wire_name((int)l->auth.state) ?: "-", proc, l->netns_ino,
		l->proc.container.id[0] ? l->proc.container.id : "-", l->expected ? " (expected)" : "");
}
