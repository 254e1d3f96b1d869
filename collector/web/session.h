/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Browser sessions for the pages. An operator signs in once with a token;
 * the session cookie then stands for that credential until it expires.
 * The cookie is signed, not stored: "<name hex>.<expiry s>.<nonce hex><mac
 * hex>", where the MAC (HMAC-SHA256 under the session key) covers the
 * name, the expiry, a random nonce (two sign-ins are two sessions) and the
 * credential's digest. The key is the one every collector on the database
 * shares (replicas/sharedkey.h), or a file's (server.session_key_file), so
 * that a cookie one replica issued is good on the others. So a session
 * ends when it expires, when the key changes, and at once when its token is
 * removed or rotated (a SIGHUP without that digest), with nothing to
 * clean up. A form's CSRF token is a MAC of the session cookie, so it is
 * valid for that session only.
 */
#ifndef COLLECTOR_SESSION_H
#define COLLECTOR_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#include "access/auth.h"

#define SESSION_KEY_LEN 32
#define SESSION_NONCE_LEN 8
#define SESSION_COOKIE_MAX (2 * AUTH_NAME_MAX + 24 + 2 * SESSION_NONCE_LEN + 2 * 32 + 4)
#define SESSION_CSRF_LEN 64 /* hex digits */

struct session_key {
	uint8_t k[SESSION_KEY_LEN];
};

/* A fresh random key. 0 or -EIO. */
int session__new_key(struct session_key *key);
/*
 * The key from a file an operator keeps (a Kubernetes Secret): its
 * content, trailing white space aside, at least SESSION_KEY_FILE_MIN bytes
 * (`openssl rand -base64 48` writes 64), hashed with SHA-256 so that any
 * text will do. 0, or -errno with err saying why (never the content).
 */
#define SESSION_KEY_FILE_MIN 32
#define SESSION_KEY_FILE_MAX 4096
int session__key_from_file(const char *path, struct session_key *key, char *err, size_t errlen);
/* The cookie value for cred, valid until expires_s (Unix seconds). */
int session__issue(const struct session_key *key, const struct auth_cred *cred, uint64_t expires_s,
		   char out[SESSION_COOKIE_MAX]);
/* The credential in a that the cookie stands for, or NULL: malformed,
 * forged, expired at now_s, or its credential gone or changed. */
const struct auth_cred *session__verify(const struct session_key *key, const struct auth *a,
					const char *cookie, uint64_t now_s);
/*
 * Sessions ended by signing out, until they would have expired: a copy of
 * the cookie is refused from then on. In memory, in front of the database's
 * record that every collector reads (replicas/signout.h); past
 * SESSION_MAX_REVOKED at once, the one closest to its expiry is forgotten.
 */
#define SESSION_MAX_REVOKED 4096
struct session_revoked {
	pthread_mutex_t lock;
	size_t n;
	struct {
		char mac[33]; /* the first half of the cookie's MAC, in hex */
		uint64_t expires_s;
	} v[SESSION_MAX_REVOKED];
};

void session__revoke(struct session_revoked *r, const char *cookie, uint64_t now_s);
/*
 * What names a session among others without being one: the first half of
 * its cookie's MAC, in hex, and when it expires. -1 for what is not a
 * session cookie.
 */
#define SESSION_ID_LEN 32
int session__id(const char *cookie, char out[SESSION_ID_LEN + 1], uint64_t *expires_s);
bool session__revoked(struct session_revoked *r, const char *cookie);

/* The CSRF token of a session cookie. */
void session__csrf(const struct session_key *key, const char *cookie, char out[SESSION_CSRF_LEN + 1]);
/* Does a form's token belong to that cookie? Constant time. */
bool session__csrf_ok(const struct session_key *key, const char *cookie, const char *token);

#endif
