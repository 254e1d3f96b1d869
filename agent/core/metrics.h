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

#include "leakwatch/severity.h"

#define LW_METRICS_DROPS 16
#define LW_METRICS_PROGRAMS 16

enum lw_metrics_kind { LW_MK_LISTENER = 0, LW_MK_LEAK = 1, LW_MK_COUNT };

struct lw_metrics {
	uint64_t events[LW_MK_COUNT][LW_SEVERITY_COUNT]; /* by enum lw_severity */
	const char *drop_names[LW_METRICS_DROPS];
	uint64_t drops[LW_METRICS_DROPS];
	size_t n_drops;
	const char *programs[LW_METRICS_PROGRAMS];
	size_t n_programs;
	uint64_t bytes_scanned;
	uint64_t listeners_open;
	uint64_t files_watched;
	uint64_t open_streams;
	bool export_enabled;
	uint64_t export_batches;
	uint64_t export_events;
	uint64_t export_failures;
	uint64_t export_retries;
	uint64_t spool_bytes;
	uint64_t spool_records;
	uint64_t spool_oldest_age_s;
	uint64_t config_reloads;
	uint64_t config_reload_failures;
	uint64_t start_time_s;
};

/* Renders m; returns a malloc'd string or NULL. */
char *metrics__render(const struct lw_metrics *m);

#endif
