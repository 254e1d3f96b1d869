// SPDX-License-Identifier: Apache-2.0
/*
 * Run by the build, not shipped: writes the built-in rules' vectorscan
 * database, compiled for any CPU of the architecture, to the file the
 * Makefile embeds in leakwatch (build/agent/detect/builtin.hsdb). It is
 * linked from the agent's own detect/ and rules/ objects, so the database is
 * the one a scanner would compile; its header holds the hash the scanner
 * checks at start-up (detect/hsdb.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "detect/scanner.h"

int main(int argc, char **argv)
{
	struct hsdb_patterns p;
	hs_compile_error_t *cerr = NULL;
	char err[512], tmp[4096];
	FILE *f;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUT\n", argv[0]);
		return 2;
	}
	/* written aside and renamed: make never sees half a database */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]) >= (int)sizeof(tmp) || !(f = fopen(tmp, "wbe"))) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], strerror(errno));
		return 1;
	}
	rc = scanner__builtin_patterns(&p);
	if (rc)
		snprintf(err, sizeof(err), "%s", strerror(-rc));
	else if ((rc = hsdb__write_blob(&p, f, &cerr)))
		snprintf(err, sizeof(err), "%s", cerr && cerr->message ? cerr->message : strerror(-rc));
	hs_free_compile_error(cerr);
	scanner__patterns_free(&p);
	if (fclose(f) && !rc) {
		rc = -EIO;
		snprintf(err, sizeof(err), "%s: %s", tmp, strerror(errno));
	}
	if (rc || rename(tmp, argv[1])) {
		fprintf(stderr, "%s: %s\n", argv[0], rc ? err : strerror(errno));
		remove(tmp);
		return 1;
	}
	return 0;
}
