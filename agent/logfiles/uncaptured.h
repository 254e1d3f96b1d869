/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writes to watched files that leakwatch saw but could not read the bytes
 * of: stores through a shared writable mapping, and spans that could not be
 * read back. Counted per process, file and way, so the health report can
 * say who writes where unseen; the total is the uncaptured_path drop.
 */
#ifndef LW_UNCAPTURED_H
#define LW_UNCAPTURED_H

#include <stddef.h>
#include <stdint.h>

struct lw_uncaptured {
	uint32_t pid;
	char comm[16];
	char path[256];
	const char *via;     /* static: "mmap", "sendfile", ... */
	uint64_t count;
	uint64_t last_ns;
};

struct uncaptured;

struct uncaptured *uncaptured__new(void);
void uncaptured__free(struct uncaptured *u);
void uncaptured__add(struct uncaptured *u, uint32_t pid, const char *comm, const char *path, uint64_t ino,
		     const char *via, uint64_t now_ns);
uint64_t uncaptured__total(const struct uncaptured *u);
/* The busiest, most counted first; returns how many were written to out. */
size_t uncaptured__top(const struct uncaptured *u, struct lw_uncaptured *out, size_t max);

#endif
