/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading and attaching the kernel programs, and reading what they report:
 * ring buffer records and per-CPU drop counters.
 */
#ifndef LW_LOADER_H
#define LW_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leakwatch/events.h"

/* One ring buffer record; return 0. A negative return stops the drain of
 * both rings, and the edge-triggered wake-up (loader.c) leaves what was not
 * read until the next record arrives: the agent's runtime__on_record never
 * fails. */
typedef int (*loader_event_fn)(void *ctx, void *data, size_t size);

struct loader_opts {
	uint64_t ringbuf_bytes;         /* listener programs */
	bool capture;                   /* load the log-write programs too */
	uint64_t capture_ringbuf_bytes;
	uint32_t capture_max_bytes;
	loader_event_fn on_event;
	void *ctx;
};

struct loader;

/* Opens, loads and attaches everything; the programs run once this returns. */
int loader__start(const struct loader_opts *opts, struct loader **out);
/* Waits up to timeout_ms and hands over records; returns how many, or -errno. */
int loader__poll(struct loader *l, int timeout_ms);
/* Hands over whatever is queued without waiting. */
int loader__drain(struct loader *l);
/* Drops summed over CPUs, indexed by enum lw_drop_reason. */
void loader__drops(struct loader *l, uint64_t out[LW_DROP_MAX]);
size_t loader__programs(struct loader *l, const char **names, size_t max);
/* Did the log-write programs load and attach? */
bool loader__capturing(const struct loader *l);
/* Answers the kernel about a file (LW_VERDICT_*), or forgets it (state < 0). */
int loader__set_verdict(struct loader *l, const struct lw_file_key *key, uint32_t generation, int state);
/* Forgets every verdict, so each file is judged again. */
void loader__clear_verdicts(struct loader *l);
/* Detaches and unloads; NULL is fine. */
/*
 * A UDP socket the start-up inventory found: its release is reported as
 * the close of its listener, as for one the kernel saw bound. -errno.
 */
int loader__track_udp(struct loader *l, uint64_t sock_ino);
void loader__stop(struct loader *l);

const char *loader__drop_name(enum lw_drop_reason r);

#endif
