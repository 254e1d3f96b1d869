/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The systemd journal as a leak source: the agent follows it with sd-journal
 * from where it left off (a cursor in state_dir, saved at most once a second
 * and at shutdown), scans every new entry (jentry.h), and hands findings to
 * the leak pipeline, which redacts, fingerprints and coalesces them as it
 * does file writes. After a restart the entries written meanwhile are
 * scanned, up to journal.max_catchup; a journal rotated or vacuumed past the
 * cursor is a counted, logged gap.
 */
#ifndef LW_FOLLOW_H
#define LW_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "detect/scanner.h"
#include "leaks/secret.h"
#include "leaks/leaks.h"

struct journal_opts {
	const char *directory;       /* journal.directory; NULL: the host's journals */
	char *const *units;          /* journal.units globs; none: every entry */
	size_t n_units;
	char *const *exclude_units;  /* journal.exclude_units */
	size_t n_exclude_units;
	uint64_t max_catchup_ms;     /* journal.max_catchup, as a duration, */
	uint64_t max_catchup_bytes;  /* or as a size */
	uint64_t max_bytes;          /* of each field scanned: capture.max_bytes */
	uint64_t coalesce_delay_ms;  /* the cursor is saved this far behind */
	const char *state_dir;       /* for journal.cursor */
	struct scanner *scanner;
	const struct lw_fpkey *key;
	struct leaks *leaks;         /* where findings go */
	struct procinfo *procs;      /* pods, and the scrubber of host-taken text */
};

struct journal_stats {
	uint64_t entries;            /* scanned */
	uint64_t bytes;              /* of user fields scanned */
	uint64_t findings;
	uint64_t filtered;           /* skipped by journal.units / exclude_units */
	uint64_t catchup;            /* entries scanned that were written before the start */
	uint64_t gaps;               /* rotated or vacuumed past the cursor, or past max_catchup */
	uint64_t findings_dropped;   /* distinct secrets past the per-entry bound */
	uint64_t fields_skipped;     /* past the per-entry bound of bytes scanned */
	uint64_t unreadable;         /* entries whose fields could not be read */
	uint64_t save_errors;
};

struct journal;

/*
 * Opens the journal and seeks to where the last run stopped (or to its end
 * on a first start). -ENOENT when there is no journal to follow.
 */
int journal__open(const struct journal_opts *o, struct journal **out);
/* Scans what is new, within a time budget; *more says entries are waiting. */
int journal__poll(struct journal *j, bool *more);
/* Saves the cursor once a second, as far as findings have been reported. */
void journal__tick(struct journal *j, uint64_t now_ms);
/* After a configuration reload: the scanner, filters and bounds (not the directory). */
void journal__reconfigure(struct journal *j, const struct journal_opts *o);
void journal__stats(const struct journal *j, struct journal_stats *out);
/* Saves the last cursor (call once the pipeline has been flushed) and closes. */
void journal__close(struct journal *j);

#endif
