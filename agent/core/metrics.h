/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's counters as Prometheus text exposition. The main loop fills
 * a snapshot; the status endpoint renders the latest one, so no counter is
 * shared between threads. Labels stay low-cardinality: kinds, severities,
 * drop reasons and program names, never hosts, paths or pids.
 */
#ifndef LW_METRICS_H
#define LW_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"
#include "delivery/encode.h"
#include "leakwatch/severity.h"

enum lw_metrics_kind { LW_MK_LISTENER = 0, LW_MK_LEAK = 1, LW_MK_COUNT };

struct lw_metrics {
	uint64_t events[LW_MK_COUNT][LW_SEVERITY_COUNT]; /* by enum lw_severity */
	/* what the health event carries: drops, programs, open listeners,
	 * bytes scanned, export batches and retries, the spool */
	struct lw_health health;
	uint64_t files_watched;
	uint64_t open_streams;
	bool export_enabled;
	uint64_t export_events;
	uint64_t export_failures;
	int export_blocked_status;   /* the collector's refusal while blocked, else 0 */
	uint64_t export_blocked_attempts;
	uint64_t spool_oldest_age_s;
	uint64_t config_reloads;
	uint64_t config_reload_failures;
	uint64_t start_time_s;
	/* the open listeners now, by exposure and severity */
	uint64_t listeners[LW_CLASS_COUNT][LW_SEVERITY_COUNT];
};

/* Renders m; returns a malloc'd string or NULL. */
char *metrics__render(const struct lw_metrics *m);

#endif
