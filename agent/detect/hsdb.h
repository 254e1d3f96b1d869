/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a scanner's vectorscan database comes from, cheapest first:
 *
 * - built in: the build compiles the built-in rules (agent/detect/gen/)
 *   and embeds the serialised database in the binary, so that even a first
 *   start on a fresh host, a container with no cache or a read-only
 *   filesystem skips compiling (about 115 ms). It is compiled for any CPU
 *   of the architecture (tune generic, no optional features), and used only
 *   when the hash of what went into it equals the hash of what this process
 *   would compile: with operator rules, or after a change the build did not
 *   see, it does not fit and is passed over.
 * - the cache (hscache.h), when the caller names one;
 * - compiled, and kept in the cache.
 *
 * Vectorscan itself refuses a database of another version or for a CPU this
 * one lacks; that is a fallback too, never an error.
 */
#ifndef LW_HSDB_H
#define LW_HSDB_H

#include <hs/hs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "detect/hscache.h"

/* Every database the scanner uses: streams, with start of match far back. */
#define HSDB_MODE (HS_MODE_STREAM | HS_MODE_SOM_HORIZON_LARGE)

/* What is compiled: expression i with flags[i] reports ids[i]. */
struct hsdb_patterns {
	const char **exprs;
	unsigned *flags;
	unsigned *ids;
	unsigned n;
};

enum hsdb_source {
	HSDB_COMPILED,
	HSDB_CACHED,
	HSDB_BUILTIN,
};

struct hsdb_opts {
	const char *cache_dir; /* NULL: no cache */
	bool no_builtin;       /* compile (or use the cache) even where the built-in one fits */
	/* the serialised built-in database, as agent/detect/gen/ writes it;
	 * NULL: the one in this binary (hsdb__builtin_blob) */
	const void *blob;
	size_t blob_len;
};

/*
 * The database for p, from where opts allow. On a compile error returns
 * -EINVAL and *cerr (hs_free_compile_error), else 0 or a negative errno.
 */
int hsdb__open(const struct hsdb_patterns *p, const struct hsdb_opts *opts, hs_database_t **db,
	       enum hsdb_source *src, hs_compile_error_t **cerr);
const char *hsdb__source_name(enum hsdb_source src);
/* Frees a database hsdb__open or hsdb__load_blob gave (src: HSDB_BUILTIN for the latter). */
void hsdb__free(hs_database_t *db, enum hsdb_source src);

/* The built-in database this binary carries, or NULL (a cross build embeds none). */
const void *hsdb__builtin_blob(size_t *len);
/*
 * The database in blob when it was made from what p hashes to, by this
 * vectorscan, for a CPU like this one. Returns 0, or a negative errno with
 * *why saying what did not fit.
 */
int hsdb__load_blob(const void *blob, size_t len, const struct hsdb_patterns *p, hs_database_t **db,
		    const char **why);
/* The platform a built-in database is compiled for: any CPU of the architecture. */
void hsdb__portable_platform(hs_platform_info_t *plat);
/* p compiled for the portable platform, written as hsdb__load_blob reads it. */
int hsdb__write_blob(const struct hsdb_patterns *p, FILE *out, hs_compile_error_t **cerr);

#endif
