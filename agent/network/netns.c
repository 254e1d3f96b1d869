// SPDX-License-Identifier: Apache-2.0
#include "network/netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attrib/hostfs.h"
#include "data/grow.h"
#include "os/log.h"
#include "attrib/procfs.h"

uint32_t netns__ino_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (uint32_t)st.st_ino;
}

static int add_unique(struct lw_netns **list, size_t *n, size_t *cap, const char *path)
{
	uint32_t ino = netns__ino_of(path);

	if (!ino)
		return 0;
	for (size_t i = 0; i < *n; i++)
		if ((*list)[i].ino == ino)
			return 0;
	if (grow__reserve((void **)list, cap, *n + 1, sizeof(**list), 16))
		return -ENOMEM;
	(*list)[*n].ino = ino;
	snprintf((*list)[*n].path, LW_NETNS_PATH_LEN, "%s", path);
	(*n)++;
	return 0;
}

/* /proc/<pid>/ns/net for each process, or each file of /run/netns. */
static int scan_dir(const char *dir, bool pids, struct lw_netns **list, size_t *n, size_t *cap)
{
	char path[LW_NETNS_PATH_LEN];
	struct dirent *de;
	DIR *d = opendir(dir);
	int err = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!err && (de = readdir(d))) {
		if (pids ? !procfs__is_pid(de->d_name) : de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), pids ? "%s/%s/ns/net" : "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path))
			continue;
		err = add_unique(list, n, cap, path);
	}
	closedir(d);
	return err;
}

void netns__name(uint32_t ino, char *buf, size_t len)
{
	char run[LW_NETNS_PATH_LEN], path[LW_NETNS_PATH_LEN];
	struct dirent *de;
	DIR *d;

	buf[0] = '\0';
	if (!hostfs__path(run, sizeof(run), "/run/netns") || !(d = opendir(run)))
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    snprintf(path, sizeof(path), "%s/%s", run, de->d_name) >= (int)sizeof(path))
			continue;
		if (netns__ino_of(path) == ino) {
			snprintf(buf, len, "%s", de->d_name);
			break;
		}
	}
	closedir(d);
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

uint64_t netns__cookie_of(int sock_fd)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);

	return getsockopt(sock_fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) ? 0 : cookie;
}

int netns__list(struct lw_netns **out, size_t *n)
{
	char proc[LW_NETNS_PATH_LEN], run[LW_NETNS_PATH_LEN];
	struct lw_netns *list = NULL;
	size_t cap = 0;
	int err;

	*n = 0;
	if (!hostfs__path(proc, sizeof(proc), "/proc") || !hostfs__path(run, sizeof(run), "/run/netns"))
		return -ENAMETOOLONG;
	err = scan_dir(proc, true, &list, n, &cap);
	if (!err)
		err = scan_dir(run, false, &list, n, &cap);
	if (err) {
		free(list);
		*n = 0;
		return err;
	}
	*out = list;
	return 0;
}

int netns__find(uint32_t ino, uint32_t pid_hint, char path[LW_NETNS_PATH_LEN])
{
	struct lw_netns *all;
	size_t n;
	int err;

	if (pid_hint && hostfs__path(path, LW_NETNS_PATH_LEN, "/proc/%u/ns/net", pid_hint) &&
	    netns__ino_of(path) == ino)
		return 0;
	err = netns__list(&all, &n);
	if (err)
		return err;
	err = -ENOENT;
	for (size_t i = 0; i < n; i++) {
		if (all[i].ino == ino) {
			memcpy(path, all[i].path, LW_NETNS_PATH_LEN);
			err = 0;
			break;
		}
	}
	free(all);
	return err;
}

int netns__socket(const char *ns_path, int domain, int type, int protocol)
{
	int target, self, fd, err;

	target = open(ns_path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return -errno;
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		err = -errno;
		close(target);
		return err;
	}
	if (setns(target, CLONE_NEWNET)) {
		err = -errno;
		close(target);
		close(self);
		return err;
	}
	fd = socket(domain, type | SOCK_CLOEXEC, protocol);
	err = fd < 0 ? -errno : 0;
	if (setns(self, CLONE_NEWNET)) {
		/* Staying in a foreign namespace would misjudge everything after. */
		log_error("cannot return to own network namespace: %s", strerror(errno));
		abort();
	}
	close(target);
	close(self);
	return err ? err : fd;
}
