/* SPDX-License-Identifier: Apache-2.0 */
/* Findings as leakwatch.v1.Event protobuf bytes, for the spool and collector. */
#ifndef LW_ENCODE_H
#define LW_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "host.h"
#include "leak.h"
#include "listener.h"
#include "spool.h"

#define LW_HEALTH_MAX_DROPS 16
#define LW_HEALTH_MAX_PROGRAMS 16

struct lw_health {
	const char *drop_names[LW_HEALTH_MAX_DROPS];
	uint64_t drop_counts[LW_HEALTH_MAX_DROPS];
	size_t n_drops;
	const char *programs[LW_HEALTH_MAX_PROGRAMS];
	size_t n_programs;
	uint64_t listeners_open;
	uint64_t bytes_scanned;
	uint64_t events_listener;
	uint64_t events_leak;
	uint64_t uptime_s;
	uint64_t export_batches;
	uint64_t export_retries;
	struct spool_stats spool;
};

/* Each returns a malloc'd encoded Event in *out, or -ENOMEM. */
int encode__listener(const struct lw_host *h, const struct lw_listener *l, uint8_t **out, size_t *len);
int encode__leak(const struct lw_host *h, const struct lw_leak *leak, uint8_t **out, size_t *len);
int encode__health(const struct lw_host *h, const struct lw_health *hs, uint8_t **out, size_t *len);

#endif
