/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compiled pattern databases kept on disk. Compiling the rules is most of
 * `leakwatch scan`'s start-up (about 115 ms of 120); a database serialised
 * once is read back in a few milliseconds. A database is keyed by the
 * SHA-256 of everything that went into it: the vectorscan version, the
 * platform it was compiled for, the mode, and every expression with its
 * flags and id. So a changed rule, binary or CPU simply misses.
 *
 * The directory must be the user's own (owner, no group or world write),
 * as must each file: a database decides what is found, so nobody else may
 * plant one. Anything amiss is a miss, never an error.
 */
#ifndef LW_HSCACHE_H
#define LW_HSCACHE_H

#include <hs/hs.h>
#include <stddef.h>

#include "detect/sha256.h"

struct hscache_key {
	unsigned char sha256[LW_SHA256_LEN];
};

/* The rule set alone (mode, every expression with its flags and id), for
 * any CPU and vectorscan: what a built-in database is checked against. */
void hscache__inputs(const char *const *exprs, const unsigned *flags, const unsigned *ids, unsigned n,
		     unsigned mode, struct hscache_key *out);
/* The rule set on this CPU and vectorscan: the cache's key. */
void hscache__key(const char *const *exprs, const unsigned *flags, const unsigned *ids, unsigned n,
		  unsigned mode, struct hscache_key *out);
/* The database for key from dir, or NULL. */
hs_database_t *hscache__load(const char *dir, const struct hscache_key *key);
/* Keeps db under key in dir (made 0700 if missing), dropping other databases there. */
void hscache__store(const char *dir, const struct hscache_key *key, const hs_database_t *db);

#endif
