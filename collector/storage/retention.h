/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Old rows out, per kind, in short transactions so that ingest never waits
 * long behind a large delete. Counted from when the collector received (or
 * last updated) a row, so an agent's wrong clock cannot expire its findings.
 */
#ifndef COLLECTOR_RETENTION_H
#define COLLECTOR_RETENTION_H

#include <stdint.h>

#include "storage/store.h"

struct retention_opts {
	uint64_t keep_ms[STORE_KIND_COUNT]; /* 0: keep forever */
	unsigned batch_rows;                /* rows per table per transaction */
};

/* One full pass at now_ns; returns rows deleted, or a negative errno. */
int64_t retention__run(struct store *s, const struct retention_opts *o, uint64_t now_ns);

#endif
