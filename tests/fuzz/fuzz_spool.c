// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer harness for spool recovery: the input is a segment file as a
 * crash or a bad disk might leave it. Replaying it must never crash or
 * hang, reading must only return records whose CRC holds, and the spool
 * must take appends and acknowledgements afterwards.
 *
 *   make fuzz && build/fuzz/fuzz_spool build/fuzz/corpus/spool tests/fuzz/corpus/spool
 */
#include <dirent.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os/log.h"
#include "delivery/spool.h"

static char dir[64];

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_spool: invariant broken: %s\n", what);
		abort();
	}
}

static void empty_dir(void)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char path[128];

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) < (int)sizeof(path))
			unlink(path);
	closedir(d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log__setup(LW_LOG_ERROR, LW_LOG_TEXT);
	snprintf(dir, sizeof(dir), "/tmp/lw-fuzz-spool-%d", (int)getpid());
	return 0;
}

struct count {
	size_t records;
	size_t bytes;
};

static int on_record(void *ctx, const void *data, size_t len, const struct spool_pos *next)
{
	struct count *c = ctx;

	(void)data;
	(void)next;
	check(len <= SPOOL_MAX_RECORD, "record longer than the maximum");
	c->records++;
	c->bytes += len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spool_opts o = { .dir = dir, .max_bytes = 1 << 20, .segment_bytes = 64 * 1024 };
	struct spool *s = NULL;
	struct spool_pos cur;
	struct count c = { 0 };
	char seg[128];
	int fd;

	empty_dir();
	mkdir(dir, 0700);
	snprintf(seg, sizeof(seg), "%s/0000000000000001.seg", dir);
	fd = open(seg, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	check(fd >= 0, "cannot write the segment");
	check(write(fd, data, size) == (ssize_t)size, "short write");
	close(fd);

	if (spool__open(&o, &s))
		return 0;
	cur = spool__start(s);
	spool__read(s, &cur, 100000, 1 << 30, on_record, &c);
	check(c.bytes <= size, "read more than the file holds");
	/* recovered, the spool goes on working */
	check(spool__append(s, "after", 5) == 0, "append after replay failed");
	memset(&c, 0, sizeof(c));
	spool__read(s, &cur, 100000, 1 << 30, on_record, &c);
	check(c.records == 1, "the appended record was not read back");
	spool__ack(s, &cur);
	spool__close(s);
	return 0;
}
