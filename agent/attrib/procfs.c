// SPDX-License-Identifier: Apache-2.0
#include "attrib/procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "attrib/hostfs.h"

bool procfs__is_pid(const char *name)
{
	if (!*name)
		return false;
	for (; *name; name++)
		if (!isdigit((unsigned char)*name))
			return false;
	return true;
}

int procfs__for_each_pid(int (*fn)(uint32_t pid, void *ctx), void *ctx)
{
	char proc[256];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (!hostfs__path(proc, sizeof(proc), "/proc"))
		return -ENAMETOOLONG;
	d = opendir(proc);
	if (!d)
		return -errno;
	while (!rc && (de = readdir(d)))
		if (procfs__is_pid(de->d_name))
			rc = fn((uint32_t)strtoul(de->d_name, NULL, 10), ctx);
	closedir(d);
	return rc;
}

ssize_t procfs__read(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	int fd, err;

	if (!len)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < len - 1) {
		ssize_t n = read(fd, buf + got, len - 1 - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			close(fd);
			return err;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}
