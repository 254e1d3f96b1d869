// SPDX-License-Identifier: Apache-2.0
/*
 * `leakwatch rules`: the built-in rules, what each finds and validates and
 * an example with the secret masked; the same table the README holds.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "detect/ruledoc.h"

int cmd_rules(int argc, char **argv)
{
	const char *format = "markdown";

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--format") && i + 1 < argc) {
			format = argv[++i];
		} else if (!strncmp(argv[i], "--format=", 9)) {
			format = argv[i] + 9;
		} else {
			fprintf(!strcmp(argv[i], "--help") ? stdout : stderr,
				"usage: leakwatch rules [--format markdown|json]\n"
				"prints every built-in rule: id, family, severity, what it finds, what is\n"
				"validated, and an example with the secret masked\n");
			return !strcmp(argv[i], "--help") ? LW_EXIT_OK : LW_EXIT_ERROR;
		}
	}
	if (!strcmp(format, "markdown"))
		return ruledoc__markdown(stdout) ? LW_EXIT_ERROR : LW_EXIT_OK;
	if (!strcmp(format, "json"))
		return ruledoc__json(stdout) ? LW_EXIT_ERROR : LW_EXIT_OK;
	fprintf(stderr, "leakwatch rules: bad --format \"%s\" (markdown or json)\n", format);
	return LW_EXIT_ERROR;
}
