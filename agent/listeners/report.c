// SPDX-License-Identifier: Apache-2.0
#include "listeners/report.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "os/clock.h"
#include "leakwatch/events.h"
#include "wire/names.h"

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_UDP ? "udp" : "tcp";
}

void report__listener_table_header(FILE *f, bool wide)
{
	fprintf(f, "%-8s %-10s %-5s %-27s %-12s %-8s %-22s", "SEVERITY", "EXPOSURE", "PROTO", "LISTEN", "SERVICE",
		"AUTH", "PROCESS");
	if (wide)
		fprintf(f, " %-10s %-16s %s", "NETNS", "NETNS NAME", "CONTAINER");
	fputc('\n', f);
}

bool report__listener_table_row(FILE *f, const struct lw_listener *l, bool wide)
{
	char addr[LW_ADDR_STRLEN], listen[64], proc[40], svc[24];
	bool port_only = l->service.name && l->service.via && !strcmp(l->service.via, "port");

	addr__format(&l->addr, addr);
	snprintf(listen, sizeof(listen), l->addr.family == AF_INET6 ? "[%s]:%u%s" : "%s:%u%s", addr,
		 l->port, l->addr.family == AF_INET6 && l->exposure.wildcard && !l->v6only ? " (+v4)" : "");
	/* a socket no process could be found for (gone, or in another pid namespace) */
	if (!l->proc.comm[0] && !l->proc.tgid)
		snprintf(proc, sizeof(proc), "unknown");
	else
		snprintf(proc, sizeof(proc), "%s(%u)", l->proc.comm[0] ? l->proc.comm : "unknown", l->proc.tgid);
	snprintf(svc, sizeof(svc), "%s%s", l->service.name ? l->service.name : "-", port_only ? "?" : "");
	fprintf(f, "%-8s %-10s %-5s %-27s %-12s %-8s %-22s", severity__name(l->severity),
		addr_class__name(l->exposure.level), proto_name(l->protocol), listen, svc,
		auth_state__wire_name((int)l->auth.state) ?: "-", proc);
	if (wide)
		fprintf(f, " %-10u %-16.16s %.12s", l->netns_ino, l->netns_name[0] ? l->netns_name : "-",
			l->proc.container.id[0] ? l->proc.container.id : "-");
	fprintf(f, "%s\n", l->expected ? " (expected)" : "");
	return port_only;
}

void report__listener_table_legend(FILE *f, bool port_only_shown)
{
	if (port_only_shown)
		fputs("SERVICE \"redis?\": named by its port alone, a weaker identity (one severity lower "
		      "unless the probe's reply confirms it)\n", f);
}
