// SPDX-License-Identifier: Apache-2.0
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

static void usage(FILE *f)
{
	fprintf(f,
		"leakwatch %s: catches databases listening on public interfaces and credentials written to logs\n"
		"\n"
		"usage: leakwatch <command> [options]\n"
		"  run          run the agent: listeners and leaks as JSON lines on stdout\n"
		"  listeners    audit the listeners on this host now (exit 1 if exposed)\n"
		"  scan         scan files, directories and .gz logs for credentials (exit 1 if found)\n"
		"  check-config FILE   validate a configuration (exit 2 if invalid)\n"
		"  rules        list the built-in rules: what each finds and validates\n"
		"  --version    print the version\n"
		"\n"
		"`leakwatch <command> --help` describes a command's options.\n",
		LW_VERSION);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return LW_EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("leakwatch %s\n", LW_VERSION);
		return LW_EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return LW_EXIT_OK;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "listeners"))
		return cmd_listeners(argc - 1, argv + 1);
	if (!strcmp(argv[1], "scan"))
		return cmd_scan(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check-config"))
		return cmd_check_config(argc - 1, argv + 1);
	if (!strcmp(argv[1], "rules"))
		return cmd_rules(argc - 1, argv + 1);
	fprintf(stderr, "leakwatch: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return LW_EXIT_ERROR;
}
