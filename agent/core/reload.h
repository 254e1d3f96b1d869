/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A configuration reload prepared off the main loop. Parsing the file and
 * compiling the rules can take long (a large rule set, a hostile file); the
 * loop that drains the ring buffers must not wait for it. SIGHUP starts a
 * job on a thread; the loop asks each turn whether it is done, and swaps
 * the result in between two polls. A SIGHUP during a job runs one more job
 * after it, so the last file written is the one applied.
 */
#ifndef LW_RELOAD_H
#define LW_RELOAD_H

#include <stdbool.h>

#include "settings/config.h"

struct scanner;
struct reload;

struct reload_result {
	struct lw_config cfg;     /* owned by the caller when ok */
	struct scanner *scanner;  /* NULL when leaks are off; owned by the caller */
	bool ok;
	char err[512];            /* why not, when !ok */
};

struct reload *reload__new(const char *file, bool file_given, bool with_scanner);
/* Starts a job, or queues one behind the running job. */
void reload__request(struct reload *r);
/* true when a job finished: *out holds its result. Never blocks. */
bool reload__poll(struct reload *r, struct reload_result *out);
/* Waits for a running job and frees what it made. */
void reload__free(struct reload *r);

#endif
