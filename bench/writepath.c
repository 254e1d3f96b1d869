// SPDX-License-Identifier: Apache-2.0
/*
 * ns per write(2) of a 128-byte log line: `writepath FILE COUNT` appends
 * COUNT lines and prints the median of the per-batch means. Each line is
 * different (a counter), as in a real log, and holds no secret. The file is
 * truncated after every BATCH lines, outside the timed part, so that it
 * stays a few page-cache pages instead of growing by tens of MB, whose
 * allocation and writeback would dwarf the nanoseconds being measured.
 * The median, not the mean: on a shared VM a batch now and then loses the
 * CPU to another task or to the hypervisor, and one such batch would move
 * the mean by more than the programs being measured cost.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE 128
#define BATCH 4096 /* 512 KiB of lines */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct timespec a, b;
	char line[LINE + 1];
	double *batch_ns;
	long count, nb = 0;
	int fd;

	if (argc != 3 || (count = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: writepath FILE COUNT\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0644);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	batch_ns = calloc((size_t)(count / BATCH + 1), sizeof(*batch_ns));
	if (!batch_ns)
		return 2;
	memset(line, 'x', LINE);
	line[LINE - 1] = '\n';
	for (long i = 0; i < count;) {
		long end = i + BATCH < count ? i + BATCH : count, n = end - i;

		clock_gettime(CLOCK_MONOTONIC, &a);
		for (; i < end; i++) {
			int n = snprintf(line, 48, "2026-11-29T10:00:00.%06ldZ INFO req=%08ld ok ",
					 i % 1000000, i);

			line[n] = 'x';
			if (write(fd, line, LINE) != LINE) {
				perror("write");
				return 1;
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		batch_ns[nb++] = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (double)n;
		if (ftruncate(fd, 0)) {
			perror("ftruncate");
			return 1;
		}
	}
	close(fd);
	qsort(batch_ns, (size_t)nb, sizeof(*batch_ns), cmp_double);
	printf("%.1f\n", nb % 2 ? batch_ns[nb / 2] : (batch_ns[nb / 2 - 1] + batch_ns[nb / 2]) / 2);
	free(batch_ns);
	return 0;
}
