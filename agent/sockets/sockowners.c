// SPDX-License-Identifier: Apache-2.0
#include "sockets/sockowners.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib/hostfs.h"
#include "attrib/procfs.h"

struct owner {
	uint64_t ino; /* 0 marks a free slot */
	uint32_t pid;
};

/* Open addressing: a host has many sockets, and lookups follow every build. */
struct sockowners {
	struct owner *slots;
	size_t cap; /* power of two */
	size_t used;
};

static size_t slot_of(const struct sockowners *so, uint64_t ino)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 17) & (so->cap - 1);
}

static int grow(struct sockowners *so)
{
	struct sockowners bigger = { .cap = so->cap ? so->cap * 2 : 1024 };

	bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -ENOMEM;
	for (size_t i = 0; i < so->cap; i++) {
		size_t j;

		if (!so->slots[i].ino)
			continue;
		for (j = slot_of(&bigger, so->slots[i].ino); bigger.slots[j].ino; j = (j + 1) & (bigger.cap - 1))
			;
		bigger.slots[j] = so->slots[i];
		bigger.used++;
	}
	free(so->slots);
	*so = bigger;
	return 0;
}

static int put(struct sockowners *so, uint64_t ino, uint32_t pid)
{
	size_t j;

	if ((so->used + 1) * 2 > so->cap && grow(so))
		return -ENOMEM;
	for (j = slot_of(so, ino); so->slots[j].ino; j = (j + 1) & (so->cap - 1)) {
		if (so->slots[j].ino == ino) {
			if (pid < so->slots[j].pid)
				so->slots[j].pid = pid;
			return 0;
		}
	}
	so->slots[j].ino = ino;
	so->slots[j].pid = pid;
	so->used++;
	return 0;
}

static int scan_pid(uint32_t pid, void *ctx)
{
	struct sockowners *so = ctx;
	char dir[256], link[320], target[64];
	struct dirent *de;
	DIR *d;

	if (!hostfs__path(dir, sizeof(dir), "/proc/%u/fd", pid))
		return 0;
	d = opendir(dir);
	if (!d)
		return 0; /* gone, or a kernel thread */
	while ((de = readdir(d))) {
		uint64_t ino;
		ssize_t n;

		if (!procfs__is_pid(de->d_name))
			continue;
		if (snprintf(link, sizeof(link), "%s/%s", dir, de->d_name) >= (int)sizeof(link))
			continue;
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (sscanf(target, "socket:[%" SCNu64 "]", &ino) == 1 && ino && put(so, ino, pid)) {
			closedir(d);
			return -ENOMEM;
		}
	}
	closedir(d);
	return 0;
}

int sockowners__build(struct sockowners **out)
{
	struct sockowners *so = calloc(1, sizeof(*so));
	int err;

	if (!so)
		return -ENOMEM;
	err = grow(so);
	if (!err)
		err = procfs__for_each_pid(scan_pid, so);
	if (err) {
		sockowners__free(so);
		return err;
	}
	*out = so;
	return 0;
}

uint32_t sockowners__pid(const struct sockowners *so, uint64_t ino)
{
	if (!so || !ino)
		return 0;
	for (size_t j = slot_of(so, ino); so->slots[j].ino; j = (j + 1) & (so->cap - 1))
		if (so->slots[j].ino == ino)
			return so->slots[j].pid;
	return 0;
}

void sockowners__free(struct sockowners *so)
{
	if (!so)
		return;
	free(so->slots);
	free(so);
}
