// SPDX-License-Identifier: Apache-2.0
/*
 * `leakwatch rules`: the built-in rules, what each finds and validates and
 * an example with the secret masked; the same table the README holds.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "rules/ruledoc.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: leakwatch rules [--format markdown|json]\n"
		   "prints every built-in rule: id, family, severity, what it finds, what is\n"
		   "validated, and an example with the secret masked\n");
}

int cmd_rules(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *format = "markdown";
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'h': usage(stdout); return LW_EXIT_OK;
		default: usage(stderr); return LW_EXIT_ERROR;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return LW_EXIT_ERROR;
	}
	if (!strcmp(format, "markdown"))
		return ruledoc__markdown(stdout) ? LW_EXIT_ERROR : LW_EXIT_OK;
	if (!strcmp(format, "json"))
		return ruledoc__json(stdout) ? LW_EXIT_ERROR : LW_EXIT_OK;
	fprintf(stderr, "leakwatch rules: bad --format \"%s\" (markdown or json)\n", format);
	return LW_EXIT_ERROR;
}
