/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The journal cursor the agent has scanned up to, kept in state_dir so that
 * a restart neither misses the entries written meanwhile nor reports the
 * earlier ones again; and the parts of a cursor that tell whether two
 * entries follow each other.
 */
#ifndef LW_JCURSOR_H
#define LW_JCURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JCURSOR_MAX 512

/* Reads the saved cursor: 0, -ENOENT when there is none, -EINVAL when damaged. */
int jcursor__load(const char *path, char out[JCURSOR_MAX]);
/* Replaces the saved cursor (0600, written aside and renamed). 0 or -errno. */
int jcursor__save(const char *path, const char *cursor);

/* What a cursor says about its entry ("s=<seqnum id>;i=<seqnum>;...;t=<usec>"). */
struct jcursor_pos {
	char seqnum_id[33];
	uint64_t seqnum;
	uint64_t realtime_us;
	bool has_seqnum, has_realtime;
};

bool jcursor__parse(const char *cursor, struct jcursor_pos *out);
/*
 * How many entries lie strictly between two cursors of the same sequence
 * (the same journal's numbering): -1 when that cannot be told.
 */
int64_t jcursor__between(const struct jcursor_pos *a, const struct jcursor_pos *b);

#endif
