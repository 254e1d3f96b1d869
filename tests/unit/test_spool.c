// SPDX-License-Identifier: Apache-2.0
/* spool: append, read, acknowledge; replay after restarts and damage; size bound. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "delivery/spool.h"
#include "tree.h"

static char dir[TREE_ROOT_MAX];

static int setup(void **state)
{
	(void)state;
	return tree_make(dir, "spool");
}

static int teardown(void **state)
{
	(void)state;
	return tree_remove(dir);
}

static struct spool *open_spool(uint64_t max, uint64_t seg)
{
	struct spool_opts o = { .dir = dir, .max_bytes = max, .segment_bytes = seg };
	struct spool *s = NULL;

	assert_int_equal(spool__open(&o, &s), 0);
	return s;
}

static void append_n(struct spool *s, int from, int n)
{
	for (int i = from; i < from + n; i++) {
		char rec[64];
		int len = snprintf(rec, sizeof(rec), "record-%06d", i);

		assert_int_equal(spool__append(s, rec, (size_t)len), 0);
	}
}

struct seen {
	int n;
	int first, last;
	bool in_order;
};

static int collect(void *ctx, const void *data, size_t len, const struct spool_pos *next)
{
	struct seen *seen = ctx;
	char rec[64];
	int i;

	(void)next;
	snprintf(rec, sizeof(rec), "%.*s", (int)len, (const char *)data);
	assert_int_equal(sscanf(rec, "record-%d", &i), 1);
	if (seen->n && i != seen->last + 1)
		seen->in_order = false;
	if (!seen->n)
		seen->first = i;
	seen->last = i;
	seen->n++;
	return 0;
}

static struct seen read_all(struct spool *s, struct spool_pos *cursor)
{
	struct seen seen = { .in_order = true };

	spool__read(s, cursor, 1000000, 1 << 30, collect, &seen);
	return seen;
}

static void test_append_read_ack(void **state)
{
	struct spool *s = open_spool(1 << 20, 4096);
	struct spool_pos cur = spool__start(s);
	struct spool_stats st;
	struct seen seen;
	(void)state;

	append_n(s, 0, 500); /* several 4 KiB segments */
	seen = read_all(s, &cur);
	assert_int_equal(seen.n, 500);
	assert_true(seen.in_order);
	spool__stats(s, &st);
	assert_true(st.segments > 1);
	assert_int_equal(spool__ack(s, &cur), 0);
	spool__stats(s, &st);
	assert_int_equal(st.segments, 0); /* all delivered: nothing left to resend */
	append_n(s, 500, 3);
	seen = read_all(s, &cur);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.first, 500);
	spool__close(s);
}

static void test_restart_replays_unacked(void **state)
{
	struct spool *s = open_spool(1 << 20, 4096);
	struct spool_pos cur = spool__start(s), half;
	struct seen seen;
	int got = 0;
	(void)state;

	append_n(s, 0, 300);
	/* deliver the first 100 only */
	while (got < 100) {
		struct seen one = { .in_order = true };

		spool__read(s, &cur, 1, 1 << 30, collect, &one);
		got += one.n;
	}
	half = cur;
	spool__ack(s, &half);
	assert_int_equal(spool__sync(s), 0);
	spool__close(s);

	s = open_spool(1 << 20, 4096);
	cur = spool__start(s);
	seen = read_all(s, &cur);
	/* at least the 200 undelivered come back, in order, with the last intact;
	 * what shared a segment with delivered records may come again */
	assert_true(seen.n >= 200 && seen.n <= 300);
	assert_int_equal(seen.last, 299);
	assert_true(seen.in_order);
	spool__close(s);
}

/* The path of the newest segment file. */
static void last_segment(char *out, size_t len)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char best[64] = "";

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".seg") && strcmp(de->d_name, best) > 0)
			snprintf(best, sizeof(best), "%s", de->d_name);
	closedir(d);
	snprintf(out, len, "%s/%s", dir, best);
}

static void test_torn_tail_is_truncated_and_counted(void **state)
{
	struct spool *s = open_spool(1 << 20, 1 << 20);
	struct spool_pos cur;
	struct spool_stats st;
	struct seen seen;
	char path[128];
	struct stat sb;
	int fd;
	(void)state;

	append_n(s, 0, 10);
	spool__close(s);
	last_segment(path, sizeof(path));
	/* a crash mid-append: half a record at the end */
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "LWR1\x40\x00\x00\x00garbage", 15), 15);
	close(fd);

	s = open_spool(1 << 20, 1 << 20);
	spool__stats(s, &st);
	assert_int_equal(st.dropped_corrupt, 1);
	assert_int_equal(stat(path, &sb), 0);
	cur = spool__start(s);
	seen = read_all(s, &cur);
	assert_int_equal(seen.n, 10);
	/* appends continue cleanly after the cut */
	append_n(s, 10, 1);
	seen = read_all(s, &cur);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.first, 10);
	spool__close(s);
}

static void test_flipped_bit_skips_one_record(void **state)
{
	struct spool *s = open_spool(1 << 20, 1 << 20);
	struct spool_stats st;
	struct spool_pos cur;
	struct seen seen;
	char path[128], c;
	int fd;
	(void)state;

	append_n(s, 0, 10);
	spool__close(s);
	last_segment(path, sizeof(path));
	/* flip one bit in the payload of the fourth record (24-byte header + 13 bytes each) */
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, 3 * 37 + 24 + 5), 1);
	c ^= 0x04;
	assert_int_equal(pwrite(fd, &c, 1, 3 * 37 + 24 + 5), 1);
	close(fd);

	s = open_spool(1 << 20, 1 << 20);
	spool__stats(s, &st);
	assert_int_equal(st.dropped_corrupt, 1);
	cur = spool__start(s);
	seen = read_all(s, &cur);
	assert_int_equal(seen.n, 9);
	assert_int_equal(seen.first, 0);
	assert_int_equal(seen.last, 9);
	assert_false(seen.in_order); /* record 3 is missing */
	spool__close(s);
}

static void test_garbage_header_resyncs(void **state)
{
	struct spool *s = open_spool(1 << 20, 1 << 20);
	struct spool_stats st;
	struct spool_pos cur;
	struct seen seen;
	char path[128];
	int fd;
	(void)state;

	append_n(s, 0, 5);
	spool__close(s);
	last_segment(path, sizeof(path));
	/* wreck the second record's magic and length */
	fd = open(path, O_RDWR);
	assert_int_equal(pwrite(fd, "\xff\xff\xff\xff\xff\xff\xff\xff", 8, 37), 8);
	close(fd);

	s = open_spool(1 << 20, 1 << 20);
	spool__stats(s, &st);
	assert_int_equal(st.dropped_corrupt, 1);
	cur = spool__start(s);
	seen = read_all(s, &cur);
	assert_int_equal(seen.n, 4);
	assert_int_equal(seen.last, 4);
	spool__close(s);
}

/* Sets the length field of record `nth` (all 37 bytes long) in `path`. */
static void set_length(const char *path, int nth, uint32_t len)
{
	int fd = open(path, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &len, sizeof(len), (off_t)nth * 37 + 4), (ssize_t)sizeof(len));
	close(fd);
}

/* A length that runs past the segment's end mid-segment is damage, not a
 * torn tail: only that record is lost and counted. */
static void test_a_damaged_length_costs_one_record(void **state)
{
	struct spool *s = open_spool(1 << 20, 1 << 20);
	struct spool_stats st;
	struct spool_pos cur;
	struct seen seen;
	char path[128];
	(void)state;

	append_n(s, 0, 200);
	spool__close(s);
	last_segment(path, sizeof(path));
	set_length(path, 50, 60000);

	s = open_spool(1 << 20, 1 << 20);
	spool__stats(s, &st);
	assert_int_equal(st.dropped_corrupt, 1);
	assert_int_equal(st.records, 199);
	cur = spool__start(s);
	seen = read_all(s, &cur);
	assert_int_equal(seen.n, 199);
	assert_int_equal(seen.last, 199);
	spool__close(s);
}

/* The same in a segment that is not the last: nothing is cut from it. */
static void test_damage_in_an_older_segment_is_skipped_not_cut(void **state)
{
	struct spool *s = open_spool(1 << 20, 37 * 100);
	struct spool_stats st;
	struct spool_pos cur;
	struct seen seen;
	char path[128];
	struct dirent *de;
	DIR *d;
	(void)state;

	append_n(s, 0, 300);
	spool__close(s);
	d = opendir(dir);
	assert_non_null(d);
	path[0] = '\0';
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".seg") && (!path[0] || strcmp(de->d_name, path) < 0))
			snprintf(path, sizeof(path), "%s", de->d_name);
	closedir(d);
	{
		char full[256];

		snprintf(full, sizeof(full), "%s/%s", dir, path);
		set_length(full, 10, 1u << 20); /* too long for any record */
		set_length(full, 20, 3000);     /* past this segment's end */
	}
	s = open_spool(1 << 20, 37 * 100);
	spool__stats(s, &st);
	assert_int_equal(st.dropped_corrupt, 2);
	cur = spool__start(s);
	seen = read_all(s, &cur);
	assert_int_equal(seen.n, 298);
	assert_int_equal(seen.last, 299);
	spool__close(s);
}

static void test_size_bound_drops_oldest_and_counts(void **state)
{
	struct spool *s = open_spool(64 * 1024, 4096);
	struct spool_stats st;
	struct spool_pos cur;
	struct seen seen;
	(void)state;

	append_n(s, 0, 5000); /* ~185 KiB of records into a 64 KiB spool */
	spool__stats(s, &st);
	assert_true(st.bytes <= 64 * 1024);
	assert_true(st.dropped_full > 0);
	cur = spool__start(s);
	seen = read_all(s, &cur);
	/* what is left is the newest, in order, and the loss adds up */
	assert_int_equal(seen.last, 4999);
	assert_true(seen.in_order);
	assert_int_equal(seen.n + (int)st.dropped_full, 5000);
	spool__close(s);
}

static void test_oversized_record_refused(void **state)
{
	struct spool *s = open_spool(64 << 20, 1 << 20);
	char *big = calloc(1, SPOOL_MAX_RECORD + 1);
	(void)state;

	assert_non_null(big);
	assert_int_equal(spool__append(s, big, SPOOL_MAX_RECORD + 1), -EMSGSIZE);
	free(big);
	spool__close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_read_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_replays_unacked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_is_truncated_and_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flipped_bit_skips_one_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_header_resyncs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_damaged_length_costs_one_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damage_in_an_older_segment_is_skipped_not_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_bound_drops_oldest_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_record_refused, setup, teardown),
	};

	return cmocka_run_group_tests_name("spool", tests, NULL, NULL);
}
