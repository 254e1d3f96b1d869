/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The credential set the configuration describes (server/auth.h): the
 * named ingest and operator credentials of server.auth, and the single
 * token of server.token_file (or the one made in the state directory on
 * loopback), which holds both roles as it always did. Built at start and
 * again at every SIGHUP, so that a rotated or removed token takes effect
 * then.
 */
#ifndef COLLECTOR_CREDENTIALS_H
#define COLLECTOR_CREDENTIALS_H

#include <stdbool.h>
#include <stddef.h>

#include "access/auth.h"
#include "settings/config.h"

/*
 * *out is the set. at_start: a missing default token is created (and
 * *created set), and the deprecation of token_file is logged. The token's
 * path goes in token_path when one is used, else "".
 */
int credentials__load(const struct collector_config *cfg, bool at_start, struct auth **out, char *token_path,
		      size_t token_path_len, bool *created, char *err, size_t errlen);

#endif
