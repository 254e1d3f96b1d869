/* SPDX-License-Identifier: Apache-2.0 */
/* What a listener is: a database or data service, told by process or port. */
#ifndef LW_SERVICE_H
#define LW_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

struct lw_service_id {
	const char *name;     /* "postgresql"; NULL when unknown */
	const char *category; /* database, cache, search, messaging, storage, ai, notebook, control-plane */
	const char *via;      /* "process" (comm, exe, cmdline), "port" (weaker), or "protocol"
			       * (a probe's reply confirmed it: the strongest) */
};

/* comm, exe and cmdline may be empty strings; protocol is IPPROTO_TCP/UDP. */
void service__identify(const char *comm, const char *exe, const char *cmdline, uint8_t protocol,
		       uint16_t port, struct lw_service_id *out);

/* The table's entry for name (as out->name gives it), told via "process"
 * or "port"; false, and *out empty, for a name it does not have. */
bool service__by_name(const char *name, const char *via, struct lw_service_id *out);

#endif
