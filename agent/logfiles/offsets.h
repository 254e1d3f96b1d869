/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How far each watched file was scanned, kept across restarts in
 * state_dir/offsets.tsv, so that what was written while the agent was not
 * running (a restart, a rolling update, a crash) is scanned at the next
 * start (catchup.h). A file is known by (device, inode, generation): an
 * inode number reused for a new file has another generation. Its path is
 * where to look first. The file is private to the agent (0600): paths as written.
 */
#ifndef LW_OFFSETS_H
#define LW_OFFSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct offsets;

struct offset_rec {
	uint32_t dev;       /* kernel dev_t */
	uint64_t ino;
	uint32_t generation; /* i_generation; 0 when the kernel did not say */
	uint64_t offset;    /* scanned up to here */
	char *path;
};

struct offsets *offsets__new(void);
void offsets__free(struct offsets *o);
/* After bytes up to `offset` of a watched file were scanned. */
void offsets__note(struct offsets *o, uint32_t dev, uint64_t ino, uint32_t generation, uint64_t offset,
		   const char *path);
/* Forgets a file (gone, or handled). */
void offsets__forget(struct offsets *o, uint32_t dev, uint64_t ino);
/* Reads the saved table; a damaged line is skipped and counted in *skipped. */
int offsets__load(struct offsets *o, const char *file, size_t *skipped);
/* Writes the table when it changed since the last save (atomic rename). */
int offsets__save(struct offsets *o, const char *file);
/* A copy of every record, for the start-up catch-up; free with offsets__free_list. */
size_t offsets__list(const struct offsets *o, struct offset_rec **out);
void offsets__free_list(struct offset_rec *list, size_t n);
size_t offsets__count(const struct offsets *o);

#endif
