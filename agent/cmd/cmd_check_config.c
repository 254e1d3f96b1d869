// SPDX-License-Identifier: Apache-2.0
/*
 * `leakwatch check-config FILE`: loads a configuration the way `run` and a
 * SIGHUP reload would, rules compiled, and says whether it is good: before
 * a rollout, or in a CI pipeline for the ConfigMap.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "settings/config.h"
#include "os/log.h"
#include "detect/scanner.h"

int cmd_check_config(int argc, char **argv)
{
	struct scanner *scanner = NULL;
	struct lw_config cfg;
	char err[512];

	log__setup(LW_LOG_WARN, LW_LOG_TEXT);
	if (argc != 2 || !strcmp(argv[1], "--help")) {
		fprintf(argc == 2 ? stdout : stderr, "usage: leakwatch check-config FILE\n"
						     "exit status: 0 valid, 2 invalid (one line naming the key)\n");
		return argc == 2 ? LW_EXIT_OK : LW_EXIT_ERROR;
	}
	if (cmd__load_config(&cfg, argv[1], true))
		return LW_EXIT_ERROR;
	/* the user rules as the scanner will build them, with the built-in ones */
	if (scanner__new(cfg.user_rules, cfg.n_user_rules, &scanner, err, sizeof(err))) {
		log_error("config %s: rules: %s", argv[1], err);
		config__free(&cfg);
		return LW_EXIT_ERROR;
	}
	printf("%s: ok (%zu rules, %zu expected listeners, %zu address ranges)\n", argv[1],
	       scanner__rule_count(scanner), cfg.n_expected, cfg.n_class_rules);
	scanner__free(scanner);
	config__free(&cfg);
	return LW_EXIT_OK;
}
