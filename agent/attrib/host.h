/* SPDX-License-Identifier: Apache-2.0 */
/* Who this host is, as the collector sees it, and event ids. */
#ifndef LW_HOST_H
#define LW_HOST_H

#include <stdint.h>

struct lw_host {
	char hostname[256];
	char machine_id[64]; /* /etc/machine-id, empty if absent */
	char boot_id[64];
	char node_name[256]; /* NODE_NAME, set by the DaemonSet */
	char agent_id[256];   /* stable per host: the machine id, else the host name */
};

void host__read(struct lw_host *h);

/* A UUIDv7: 48 bits of Unix milliseconds, then random bits. */
void host__uuid7(uint8_t out[16]);

#endif
