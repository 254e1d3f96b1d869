/* SPDX-License-Identifier: Apache-2.0 */
/* `leakwatch scan --journal [DIR...]`: the journal at rest (cmd_scan.c parses the options). */
#ifndef LW_SCANJOURNAL_H
#define LW_SCANJOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib/procinfo.h"
#include "detect/scanner.h"
#include "leaks/secret.h"

struct lw_config;

struct scanjournal_opts {
	struct scanner *scanner;
	struct procinfo *procs;  /* the scrubber of host-taken text */
	const struct lw_fpkey *key;
	bool json;
	size_t max_bytes;        /* of each field, as the agent scans */
	uint64_t since_us;       /* wall clock; 0: from the first entry */
	char *const *dirs;       /* none: the host's journals */
	size_t n_dirs;
	const struct lw_config *cfg; /* rules.disable */
};

/* Prints one line per finding; *found counts them. 0, or -errno when the journal cannot be read. */
int scanjournal__run(const struct scanjournal_opts *o, size_t *found);
/* --since: a duration back from now (24h) or a time (2026-11-29, "2026-11-29 10:00:00", RFC 3339). */
int scanjournal__parse_since(const char *s, uint64_t *out_us);

#endif
