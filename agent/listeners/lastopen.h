/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The listeners open when the agent last looked, kept in the state
 * directory, so that one which closed while the agent was not running
 * (stopped, crashed, upgraded) is reported closed at the next start
 * instead of staying open at the collector, its alert firing, forever.
 *
 * A header names the boot and the time of the save; then one line per
 * endpoint (namespace, protocol, address, port, as the collector keys it),
 * tab-separated, with what the close finding should say about it.
 */
#ifndef LW_LASTOPEN_H
#define LW_LASTOPEN_H

#include <stddef.h>
#include <stdint.h>

#include "listeners/listener.h"
#include "listeners/socktab.h"

struct lastopen {
	char boot_id[64];     /* of the run that saved */
	uint64_t saved_ns;    /* wall clock of the save */
	struct lw_listener *l; /* each open, source "restart" */
	size_t n;
	size_t skipped;       /* damaged lines */
};

/*
 * Reads path into *out. A missing file is an empty set (0); a file that is
 * not one of these is -EINVAL; -errno when it cannot be read.
 */
int lastopen__load(const char *path, struct lastopen *out);
void lastopen__free(struct lastopen *lo);

/*
 * Writes t's endpoints, and those of carried that t does not hold, to path
 * (written aside and renamed, mode 0600). 0 or -errno.
 */
int lastopen__save(const char *path, const char *boot_id, uint64_t now_ns, struct socktab *t,
		   const struct lw_listener *carried, size_t n_carried);

#endif
