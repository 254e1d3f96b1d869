/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One report per secret per file per window. A token logged on every
 * request becomes one event at once (or after `delay`, carrying the count
 * so far), then at most one more per `window` with the count since,
 * instead of a million events.
 */
#ifndef LW_COALESCE_H
#define LW_COALESCE_H

#include <stddef.h>
#include <stdint.h>

#include "leaks/finding.h"

struct coalesce;

/* Called with each report; the leak is valid only during the call. */
typedef void (*coalesce_emit_fn)(void *ctx, const struct lw_leak *leak);

struct coalesce *coalesce__new(uint64_t delay_ms, uint64_t window_ms, size_t max_entries,
			       coalesce_emit_fn emit, void *ctx);
void coalesce__free(struct coalesce *c);
void coalesce__set_timing(struct coalesce *c, uint64_t delay_ms, uint64_t window_ms);

/*
 * Does the table already hold this secret in this file? If so it counts the
 * occurrence and returns 1, and the caller need not build a full leak.
 */
int coalesce__repeat(struct coalesce *c, const char *fingerprint, uint32_t dev, uint64_t ino,
		     uint64_t offset, uint64_t now_ns);
/* A new secret in a file: takes ownership of leak->path. */
void coalesce__add(struct coalesce *c, struct lw_leak *leak, uint64_t now_ms);
/* Emits what is due; drops entries whose window passed quietly. */
void coalesce__tick(struct coalesce *c, uint64_t now_ms);
/* Emits everything pending, at shutdown. */
void coalesce__flush(struct coalesce *c);
size_t coalesce__count(const struct coalesce *c);

#endif
