// SPDX-License-Identifier: Apache-2.0
#include "leaks/catchup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "attrib/hostfs.h"
#include "logfiles/offsets.h"
#include "os/log.h"

/* The kernel's dev_t (12 bits of major above 20 of minor) against stat's. */
static bool same_file(const struct stat *st, uint32_t dev, uint64_t ino)
{
	return S_ISREG(st->st_mode) && st->st_ino == ino && major(st->st_dev) == dev >> 20 &&
	       minor(st->st_dev) == (dev & 0xfffff);
}

/* The inode's generation where the file system keeps one (ext4, XFS, btrfs);
 * where it cannot be read, or the kernel did not say, the inode decides. */
static bool same_generation(int fd, uint32_t want)
{
	int gen = 0;

	if (!want || ioctl(fd, FS_IOC_GETVERSION, &gen))
		return true;
	return (uint32_t)gen == want;
}

/* Opens the file at host path `path` if it is (dev, ino). */
static int open_if_same(const char *path, uint32_t dev, uint64_t ino, struct stat *st)
{
	char full[PATH_MAX];
	int fd;

	if (!hostfs__path(full, sizeof(full), "%s", path))
		return -1;
	fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) || !same_file(st, dev, ino)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The rotated name: another entry of the same directory with the same inode. */
static int find_rotated(const char *path, uint32_t dev, uint64_t ino, struct stat *st, char *found,
			size_t len)
{
	char dir[PATH_MAX], full[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct dirent *de;
	DIR *d;
	int fd = -1;

	if (!slash || (size_t)(slash - path) >= sizeof(dir))
		return -1;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (!hostfs__path(full, sizeof(full), "%s", dir[0] ? dir : "/") || !(d = opendir(full)))
		return -1;
	while (fd < 0 && (de = readdir(d))) {
		if (de->d_ino != ino || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(found, len, "%s/%s", dir, de->d_name);
		fd = open_if_same(found, dev, ino, st);
	}
	closedir(d);
	return fd;
}

static void catch_up_one(struct leaks *l, const struct offset_rec *r, uint64_t max_bytes,
			 struct catchup_stats *cs)
{
	char rotated[PATH_MAX];
	const char *path = r->path;
	uint64_t from = r->offset, to;
	struct stat st;
	int fd = open_if_same(r->path, r->dev, r->ino, &st);

	if (fd < 0) {
		fd = find_rotated(r->path, r->dev, r->ino, &st, rotated, sizeof(rotated));
		if (fd < 0) {
			cs->lost++;
			offsets__forget(leaks__offsets(l), r->dev, r->ino);
			return;
		}
		path = rotated;
		cs->rotated++;
	}
	if ((uint64_t)st.st_size < from || !same_generation(fd, r->generation)) {
		/* rewritten from the start while we were away, or a new file that
		 * got the inode number of a deleted one: all of it is new */
		cs->truncated++;
		from = 0;
	}
	to = (uint64_t)st.st_size;
	if (to - from > max_bytes) {
		cs->capped++;
		to = from + max_bytes;
	}
	if (to > from) {
		cs->files++;
		cs->bytes += leaks__scan_range(l, fd, path, r->dev, r->ino, r->generation, from, to);
	}
	close(fd);
}

void catchup__run(struct leaks *l, uint64_t max_bytes, struct catchup_stats *cs)
{
	struct offset_rec *list;
	size_t n;

	memset(cs, 0, sizeof(*cs));
	if (!max_bytes)
		return;
	n = offsets__list(leaks__offsets(l), &list);
	for (size_t i = 0; i < n; i++)
		catch_up_one(l, &list[i], max_bytes, cs);
	offsets__free_list(list, n);
	if (cs->files || cs->lost)
		log_info("caught up on %llu file(s) written while not running: %llu MiB scanned, %llu found "
			 "under a rotated name, %llu cut at leaks.catchup_max_bytes, %llu gone",
			 (unsigned long long)cs->files, (unsigned long long)(cs->bytes >> 20),
			 (unsigned long long)cs->rotated, (unsigned long long)cs->capped,
			 (unsigned long long)cs->lost);
}
