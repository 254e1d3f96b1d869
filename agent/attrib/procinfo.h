/* SPDX-License-Identifier: Apache-2.0 */
/* Who a process is: exe, redacted cmdline, user, container. */
#ifndef LW_PROCINFO_H
#define LW_PROCINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "attrib/container.h"

struct lw_proc {
	uint32_t tgid; /* process id */
	uint32_t pid;  /* thread id */
	uint32_t uid;
	uint64_t cgroup_id;
	char comm[16];
	char exe[256];
	char cmdline[1024]; /* credentials blanked by cmdline__redact */
	char user[64];
	struct lw_container container;
};

/*
 * Adds exe, cmdline, user and container to a process whose tgid, pid, uid
 * and comm the kernel gave. Fields stay empty when the process is gone.
 */
void procinfo__enrich(struct lw_proc *p);
/* Everything from /proc alone, for processes found at start-up. */
int procinfo__read(uint32_t tgid, struct lw_proc *p);

#endif
