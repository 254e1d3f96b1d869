/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of the leakwatch binary. */
#ifndef LW_AGENT_H
#define LW_AGENT_H

#ifndef LW_VERSION
#define LW_VERSION "0.0.0-dev"
#endif

/* Exit codes shared by every command. */
#define LW_EXIT_OK 0
#define LW_EXIT_FOUND 1 /* an audit found something */
#define LW_EXIT_ERROR 2

int cmd_run(int argc, char **argv);
int cmd_listeners(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_check_config(int argc, char **argv);

#endif
