/* SPDX-License-Identifier: Apache-2.0 */
/* A private temporary directory for a test, and its removal with all it holds. */
#ifndef LW_TEST_TMPDIR_H
#define LW_TEST_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* /tmp/NAME.XXXXXX into dir; 0, or -1. */
static inline int tmpdir__make(char *dir, size_t len, const char *name)
{
	snprintf(dir, len, "/tmp/%s.XXXXXX", name);
	return mkdtemp(dir) ? 0 : -1;
}

static inline int tmpdir_unlink(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)type;
	(void)f;
	return remove(path);
}

static inline int tmpdir__remove(const char *dir)
{
	return nftw(dir, tmpdir_unlink, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
