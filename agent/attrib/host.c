// SPDX-License-Identifier: Apache-2.0
#include "attrib/host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "os/clock.h"
#include "attrib/hostfs.h"
#include "attrib/procfs.h"

static void read_line(const char *path, char *out, size_t len)
{
	char full[256];

	out[0] = '\0';
	if (hostfs__path(full, sizeof(full), "%s", path) && procfs__read(full, out, len) > 0)
		out[strcspn(out, "\n")] = '\0';
}

void host__read(struct lw_host *h)
{
	const char *node = getenv("NODE_NAME");

	memset(h, 0, sizeof(*h));
	/* In a pod without hostNetwork the UTS name is the pod's, new at every
	 * rollout; the collector keys listener state by host, so the node's
	 * name (downward API) is the stable one. */
	if (node && *node)
		snprintf(h->hostname, sizeof(h->hostname), "%s", node);
	else if (gethostname(h->hostname, sizeof(h->hostname) - 1))
		snprintf(h->hostname, sizeof(h->hostname), "unknown");
	read_line("/etc/machine-id", h->machine_id, sizeof(h->machine_id));
	read_line("/proc/sys/kernel/random/boot_id", h->boot_id, sizeof(h->boot_id));
	snprintf(h->node_name, sizeof(h->node_name), "%s", node ? node : "");
	snprintf(h->agent_id, sizeof(h->agent_id), "%s", h->machine_id[0] ? h->machine_id : h->hostname);
}

void host__uuid7(uint8_t out[16])
{
	uint64_t ms = clock__realtime_ns() / 1000000ULL;

	if (getrandom(out + 6, 10, 0) != 10) {
		/* no entropy source: still unique enough within this process */
		static uint64_t counter;
		uint64_t c = ++counter ^ (uint64_t)getpid() << 40;

		memcpy(out + 6, &c, 8);
		out[14] = out[15] = 0;
	}
	for (int i = 0; i < 6; i++)
		out[i] = (uint8_t)(ms >> (40 - 8 * i));
	out[6] = (uint8_t)(0x70 | (out[6] & 0x0f)); /* version 7 */
	out[8] = (uint8_t)(0x80 | (out[8] & 0x3f)); /* RFC 4122 variant */
}
