// SPDX-License-Identifier: Apache-2.0
#include "settings/credentials.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "os/log.h"
#include "access/token.h"

int credentials__load(const struct collector_config *cfg, bool at_start, struct auth **out, char *token_path,
		      size_t token_path_len, bool *created, char *err, size_t errlen)
{
	uint8_t digest[TOKEN_DIGEST_LEN];
	bool have_token = cfg->token_file || !cfg->n_auth;
	int rc = 0;

	*out = NULL;
	*created = false;
	token_path[0] = '\0';
	if (have_token) {
		const char *path = collector_config__token_path(cfg, token_path, token_path_len);

		if (path != token_path)
			snprintf(token_path, token_path_len, "%s", path);
		/* the default token is made where none is configured, as before */
		rc = cfg->token_file || !at_start ? token__load(token_path, digest, err, errlen)
						  : token__load_or_create(token_path, digest, created, err, errlen);
		if (rc)
			return rc;
		if (cfg->token_file && at_start)
			log_warn("server.token_file: one token for every role is deprecated; give the agents "
				 "an ingest credential and operators their own, under server.auth.ingest and "
				 "server.auth.operator (leakwatch-collector token create)");
	}
	*out = auth__build(cfg->auth, cfg->n_auth, have_token ? digest : NULL, "token", err, errlen);
	explicit_bzero(digest, sizeof(digest));
	return *out ? 0 : -EINVAL;
}
