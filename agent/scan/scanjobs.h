/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `leakwatch scan --jobs N`: the files a walk found, scanned on N threads,
 * each with its own scanner (a scanner's scratch space is one thread's),
 * and reported in the order the walk found them: each file's findings and
 * messages are held until every file before it has been reported, so the
 * output is the same as with one job.
 */
#ifndef LW_SCANJOBS_H
#define LW_SCANJOBS_H

#include <stddef.h>

#include "detect/scanner.h"
#include "scan/scanfile.h"

/* Appends a copy of path; -ENOMEM. */
int scanjobs__add(struct scan_list *l, const char *path);
void scanjobs__free(struct scan_list *l);

/*
 * Scans l on `jobs` threads. Each worker makes its scanner from the same
 * rules (and options) as sc's; sc's report gets every finding, and its
 * tallies the sums. 0, or -errno when no worker could start.
 */
int scanjobs__run(struct scan *sc, const struct scan_list *l, unsigned jobs, const struct lw_config *cfg,
		  const struct scanner_opts *opts);

#endif
