/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What may leave the host about a secret: a redacted form showing at most 8
 * of its characters, and a keyed fingerprint (HMAC-SHA256 under a
 * per-deployment key) that lets the same secret be recognised across hosts
 * and files without being recoverable from the report.
 */
#ifndef LW_SECRET_H
#define LW_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LW_FP_KEY_MIN 32
#define LW_FP_KEY_MAX 256
#define LW_FINGERPRINT_LEN 32 /* hex characters: the first 128 bits of the HMAC */
#define LW_REDACTED_MAX 24

struct lw_fpkey {
	uint8_t key[LW_FP_KEY_MAX];
	size_t len;
};

/*
 * Reads the key file (64+ hex characters, or 32+ raw bytes). With create
 * set, a missing file is generated from getrandom(2) with mode 0600.
 * err holds a one-line reason on failure, and on success may hold a
 * warning (a key file readable by others).
 */
int secret__load_key(const char *path, bool create, struct lw_fpkey *out, char *err, size_t errlen);
/* A random key held only in memory, for a one-off scan without a key file. */
int secret__ephemeral_key(struct lw_fpkey *out);

void secret__fingerprint(const struct lw_fpkey *k, const char *s, size_t n,
			 char out[LW_FINGERPRINT_LEN + 1]);
/* Frees and wipes the calling thread's keyed HMAC states and its copy of the key.
 * Other threads' go when they exit; the main thread's only by this call. */
void secret__thread_release(void);
/* "ghp_...9xYz": up to 4 leading and 4 trailing characters, fewer for short secrets. */
void secret__redact(const char *s, size_t n, char out[LW_REDACTED_MAX]);

#endif
