// SPDX-License-Identifier: Apache-2.0
#include "os/privdir.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/log.h"

int privdir__ensure(const char *path, const char *what, char *err, unsigned errlen)
{
	char buf[4096];
	size_t n = strlen(path);
	struct stat st;

	if (!n || n >= sizeof(buf)) {
		snprintf(err, errlen, "%s %s: path empty or too long", what, path);
		return -ENAMETOOLONG;
	}
	memcpy(buf, path, n + 1);
	/* the parents as anyone would make them; only the last is private */
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s %s: %s", what, buf, strerror(errno));
			return -errno;
		}
		*p = '/';
	}
	if (mkdir(path, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s %s: %s", what, path, strerror(errno));
		return -errno;
	}
	if (stat(path, &st)) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s %s is not a directory", what, path);
		return -ENOTDIR;
	}
	if (!(st.st_mode & 077))
		return 0;
	if (st.st_uid == geteuid() && !chmod(path, st.st_mode & 07700)) {
		log_warn("%s %s was mode %04o, open to other users; tightened to %04o", what, path,
			 (unsigned)(st.st_mode & 07777), (unsigned)(st.st_mode & 07700));
		return 0;
	}
	log_warn("%s %s is mode %04o, open to other users, and not ours to change: "
		 "make it 0700 (it holds the fingerprint key and pending findings)",
		 what, path, (unsigned)(st.st_mode & 07777));
	return 0;
}
