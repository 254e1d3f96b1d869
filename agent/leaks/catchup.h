/* SPDX-License-Identifier: Apache-2.0 */
/*
 * At start, before live capture is relied on: each watched file that grew
 * since the last run scanned it (offsets.h) is scanned from there to its
 * end, up to a bound per file, and its findings go out with source
 * "catchup". A file rotated away is found under its new name in the same
 * directory by (device, inode); one that cannot be found is counted.
 */
#ifndef LW_CATCHUP_H
#define LW_CATCHUP_H

#include <stdint.h>

#include "leaks/leaks.h"

struct catchup_stats {
	uint64_t files;      /* scanned, in place or under a rotated name */
	uint64_t rotated;    /* of those, found under a new name */
	uint64_t bytes;
	uint64_t capped;     /* files with more growth than max_bytes: the rest skipped */
	uint64_t truncated;  /* shorter than saved: rewritten, scanned from the start */
	uint64_t lost;       /* gone, and not found under another name */
};

/* Scans what the saved offsets say was not scanned; max_bytes per file (0: off). */
void catchup__run(struct leaks *l, uint64_t max_bytes, struct catchup_stats *st);

#endif
