/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which files are logs worth scanning. The agent judges each file once, on
 * its first write, and tells the kernel; later writes to an unwatched file
 * cost the kernel one lookup.
 */
#ifndef LW_WATCH_H
#define LW_WATCH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Built-in set: everything under /var/log but binary journals and login
 * records, every *.log with an optional rotation suffix (.1, .2024-11-29),
 * Docker's *-json.log; never compressed files.
 */
extern const char *const watch_default_paths[];
extern const char *const watch_default_exclude[];

struct watch_set {
	bool defaults;
	char **paths;     /* operator's extra globs */
	size_t n_paths;
	char **exclude;   /* operator's exclusions: they win over everything */
	size_t n_exclude;
};

bool watch__wants(const struct watch_set *w, const char *path);

#endif
