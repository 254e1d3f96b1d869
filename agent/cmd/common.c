// SPDX-License-Identifier: Apache-2.0
/* What every subcommand does the same way. */
#include "cmd/cmd.h"

#include "os/log.h"

int cmd__load_config(struct lw_config *cfg, const char *file, bool must_exist)
{
	char err[512];

	config__defaults(cfg);
	if (config__load(cfg, file, must_exist, err, sizeof(err))) {
		log_error("config %s: %s", file, err);
		return LW_EXIT_ERROR;
	}
	if (config__load_ignore(cfg, NULL, err, sizeof(err))) {
		log_error("%s", err);
		config__free(cfg);
		return LW_EXIT_ERROR;
	}
	return 0;
}
