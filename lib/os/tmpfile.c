// SPDX-License-Identifier: Apache-2.0
#include "os/tmpfile.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int tmpfile__finish(const char *tmp, const char *path, int err)
{
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
