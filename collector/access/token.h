/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bearer token agents present. Only its SHA-256 is kept in memory for
 * comparing, so every check compares two 32-byte digests in constant time,
 * whatever length the client sent. The token itself is never logged.
 */
#ifndef COLLECTOR_TOKEN_H
#define COLLECTOR_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOKEN_DIGEST_LEN 32
#define TOKEN_MIN_LEN 16
#define TOKEN_MAX_LEN 4096
#define TOKEN_TEXT_LEN 64 /* a made token: 32 random bytes as hex */

/* A new token: TOKEN_TEXT_LEN hex digits from getrandom(2). 0 or -EIO. */
int token__generate(char text[TOKEN_TEXT_LEN + 1]);

/* Reads a token file into digest; err names what is wrong with it. */
int token__load(const char *path, uint8_t digest[TOKEN_DIGEST_LEN], char *err, size_t errlen);
/*
 * Loads path, or creates it (mode 0600, 32 random bytes as hex) if it does
 * not exist. *created says which.
 */
int token__load_or_create(const char *path, uint8_t digest[TOKEN_DIGEST_LEN], bool *created,
			  char *err, size_t errlen);
void token__digest(const char *token, size_t len, uint8_t digest[TOKEN_DIGEST_LEN]);
/* The digest of the token an Authorization header presents; false when it presents none. */
bool token__presented(const char *authorization, uint8_t got[TOKEN_DIGEST_LEN]);
/* Two digests, in constant time; never a match for an all-zero want. */
bool token__same(const uint8_t got[TOKEN_DIGEST_LEN], const uint8_t want[TOKEN_DIGEST_LEN]);
/* An Authorization header value ("Bearer <token>", or NULL) against digest. */
bool token__check(const uint8_t want[TOKEN_DIGEST_LEN], const char *authorization);

#endif
