/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who may do what: named credentials, each with a role.
 *   ingest    may only POST /v1/events, optionally only for hostnames that
 *             match its `hosts` globs (a node's own name);
 *   operator  may read findings and acknowledge leaks.
 * A node's token therefore cannot read the fleet's findings or silence its
 * alerts. Each credential is configured by the SHA-256 of its token (a
 * digest file), never the token; a request's token is hashed and compared
 * with every credential's digest in constant time, so neither the time
 * taken nor the logs say which one matched or how close a guess came.
 *
 * A set is immutable and reference-counted: SIGHUP builds a new one and
 * swaps it in while requests holding the old one finish with it.
 */
#ifndef COLLECTOR_AUTH_H
#define COLLECTOR_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access/token.h"

enum auth_role {
	AUTH_INGEST = 1u << 0,
	AUTH_OPERATOR = 1u << 1,
};

#define AUTH_NAME_MAX 64
#define AUTH_MAX_CREDENTIALS 1024
#define AUTH_MAX_HOSTS 64

/* A credential as the configuration gives it. */
struct auth_cred_cfg {
	char *name;
	unsigned roles;
	char *digest_file;   /* hex SHA-256 of the token */
	char **hosts;        /* fnmatch(3) globs; none: any host */
	size_t n_hosts;
};

struct auth_cred {
	char name[AUTH_NAME_MAX + 1];
	unsigned roles;
	uint8_t digest[TOKEN_DIGEST_LEN];
	char **hosts;
	size_t n_hosts;
};

struct auth;

/*
 * Builds a set from cfg, reading each digest file; legacy (a token's digest,
 * or NULL) is added as `legacy_name` with both roles. NULL and err set when
 * a file cannot be read or a digest is malformed.
 */
struct auth *auth__build(const struct auth_cred_cfg *cfg, size_t n, const uint8_t *legacy,
			 const char *legacy_name, char *err, size_t errlen);
struct auth *auth__ref(struct auth *a);
void auth__unref(struct auth *a);
size_t auth__count(const struct auth *a);

/* The credential an Authorization header ("Bearer <token>") presents, or NULL. */
const struct auth_cred *auth__check(const struct auth *a, const char *authorization);
/* The credential of that name, or NULL (names are unique in a set). */
const struct auth_cred *auth__by_name(const struct auth *a, const char *name);
/* May this credential report for hostname? */
bool auth__host_allowed(const struct auth_cred *c, const char *hostname);
/* A digest file's text: 64 hex digits, optionally "sha256:" before, and a newline after. */
int auth__parse_digest(const char *text, uint8_t out[TOKEN_DIGEST_LEN]);
/* "ingest" or "operator" */
const char *auth_role__name(unsigned roles);
int auth_role__parse(const char *s, unsigned *out);

void auth_cred_cfg__free(struct auth_cred_cfg *v, size_t n);

#endif
