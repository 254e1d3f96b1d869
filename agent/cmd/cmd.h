/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of the leakwatch binary. */
#ifndef LW_AGENT_H
#define LW_AGENT_H

#include <stdbool.h>

#include "settings/config.h"
#include "os/version.h"

/* Exit codes shared by every command. */
#define LW_EXIT_OK 0
#define LW_EXIT_FOUND 1 /* an audit found something */
#define LW_EXIT_ERROR 2

/*
 * The configuration: the defaults overlaid by file (which must exist when
 * the operator named it). 0, or LW_EXIT_ERROR after one logged line that
 * names the key.
 */
int cmd__load_config(struct lw_config *cfg, const char *file, bool must_exist);

int cmd_run(int argc, char **argv);
int cmd_listeners(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_rules(int argc, char **argv);

#endif
