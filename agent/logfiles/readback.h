/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bytes that reached a watched file by sendfile, splice, copy_file_range or
 * an io_uring SPLICE: the kernel programs see where they go and how many,
 * but the pages move without a buffer to copy. They are read back from the
 * file once written: the file is opened when the span is reported (through
 * the writer's descriptor while it is open, else by its path), and read
 * when it has grown to cover the span, or has stopped growing, or after a
 * deadline. Each piece is handed on as if it had been written.
 */
#ifndef LW_READBACK_H
#define LW_READBACK_H

#include <stddef.h>
#include <stdint.h>

#include "leakwatch/events.h"

struct readback;

/* Called with each piece read back: a write record built from the span. */
typedef void (*readback_fn)(void *ctx, const struct lw_write_event *ev, size_t size);

struct readback *readback__new(uint64_t max_bytes, readback_fn fn, void *ctx);
void readback__free(struct readback *rb);
/*
 * Queues a span of a watched file known by `path` (in the writer's mount
 * namespace). -ENOENT when the file cannot be opened to read it back,
 * -ENOSPC when too many are waiting: the caller counts it as uncaptured.
 */
int readback__add(struct readback *rb, const struct lw_span_event *e, const char *path, uint64_t now_ms);
/* Reads back what is ready. */
void readback__tick(struct readback *rb, uint64_t now_ms);
/* Reads back everything waiting, ready or not (at shutdown). */
void readback__flush(struct readback *rb);
size_t readback__pending(const struct readback *rb);

#endif
