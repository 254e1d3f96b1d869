/* SPDX-License-Identifier: Apache-2.0 */
/* Findings as leakwatch.v1.Event protobuf bytes, for the spool and collector. */
#ifndef LW_ENCODE_H
#define LW_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "attrib/host.h"
#include "leaks/finding.h"
#include "logfiles/uncaptured.h"
#include "listeners/listener.h"
#include "delivery/spool.h"

#define LW_HEALTH_MAX_DROPS 16
#define LW_HEALTH_MAX_PROGRAMS 16
#define LW_HEALTH_MAX_UNCAPTURED 16

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
	/* writes to watched files whose bytes were not read, the busiest first */
	struct lw_uncaptured uncaptured[LW_HEALTH_MAX_UNCAPTURED];
	size_t n_uncaptured;
};

/* What an encoder produces, as asked: the packed Event and/or its JSON. */
struct lw_encoded {
	uint8_t *bytes;
	size_t len;
	char *json;   /* the line for stdout: JSON, or text with LW_ENCODE_TEXT (NULL: no line) */
};

enum {
	LW_ENCODE_BYTES = 1 << 0, /* for the spool and the collector */
	LW_ENCODE_JSON = 1 << 1,  /* for stdout (render.h) */
	LW_ENCODE_TEXT = 1 << 2,  /* for stdout, a line a person reads; none for a quiet health event */
};

/* Each fills *out as `what` asks (release it after), or returns -ENOMEM. */
int encode__listener(const struct lw_host *h, const struct lw_listener *l, int what, struct lw_encoded *out);
int encode__leak(const struct lw_host *h, const struct lw_leak *leak, int what, struct lw_encoded *out);
int encode__health(const struct lw_host *h, const struct lw_health *hs, int what, struct lw_encoded *out);
void encode__release(struct lw_encoded *e);

#endif
