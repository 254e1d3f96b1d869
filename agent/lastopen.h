/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The listeners open when the agent last looked, kept in the state
 * directory, so that one which closed while the agent was not running
 * (stopped, crashed, upgraded) is reported closed at the next start
 * instead of staying open at the collector, its alert firing, forever.
 *
 * One line per endpoint, tab-separated, after a versioned header. An
 * endpoint is its namespace, protocol, address and port, as the collector
 * keys it: one the agent finds open again is not closed, whatever happened
 * in between (a reboot included).
 */
#ifndef LW_LASTOPEN_H
#define LW_LASTOPEN_H

#include <stddef.h>
#include <stdint.h>

#include "listener.h"
#include "socktab.h"

/*
 * Writes t's endpoints to path (a temporary file renamed over it, mode
 * 0600). 0 or -errno.
 */
int lastopen__save(const char *path, struct socktab *t);

/*
 * The listeners in path that t no longer holds, as close findings
 * (source "restart", ts_ns now): fn is called with each. A missing file is
 * no listener; a damaged line is skipped and counted in *skipped.
 * Returns how many were closed, or -errno.
 */
int lastopen__reconcile(const char *path, struct socktab *t, uint64_t now_ns,
			void (*fn)(void *ctx, struct lw_listener *closed), void *ctx, size_t *skipped);

#endif
