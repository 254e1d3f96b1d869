// SPDX-License-Identifier: Apache-2.0
/*
 * Scanner throughput on one core: `scanner_bench FILE [MB]` loads FILE,
 * repeats it in memory to MB megabytes (default 200), and scans it as the
 * agent does, as a stream fed in 4 KiB chunks with every rule, then as one
 * buffer. Prints GB/s. `scanner_bench --regexes` prints the rules'
 * expressions, one per line, for a comparison with other tools (rg -f).
 * Figures only: nothing here fails on a slow machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules/rules.h"
#include "detect/scanner.h"

#define CHUNK 4096

static int count(void *ctx, const struct lw_scan_match *m)
{
	(void)m;
	(*(size_t *)ctx)++;
	return 0;
}

static double cpu_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int print_regexes(void)
{
	for (size_t i = 0; i < rules__count(); i++) {
		const struct lw_rule *r = rules__get(i);

		for (int j = 0; j < LW_RULE_MAX_RE && r->re[j]; j++)
			printf("%s%s\n", r->caseless ? "(?i)" : "", r->re[j]);
	}
	return 0;
}

static char *load(const char *path, size_t want, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *one, *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET))
		return NULL;
	one = malloc((size_t)n);
	if (!one || fread(one, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(one);
		return NULL;
	}
	fclose(f);
	if (want < (size_t)n)
		want = (size_t)n;
	buf = malloc(want);
	if (!buf) {
		free(one);
		return NULL;
	}
	for (size_t off = 0; off < want; off += (size_t)n)
		memcpy(buf + off, one, want - off < (size_t)n ? want - off : (size_t)n);
	free(one);
	*len = want;
	return buf;
}

int main(int argc, char **argv)
{
	struct scanner_stream *st;
	struct scanner *s;
	size_t len, found = 0, whole = 0, mb = 200;
	double t0, t_stream, t_block;
	char err[256], *buf;

	if (argc == 2 && !strcmp(argv[1], "--regexes"))
		return print_regexes();
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: scanner_bench FILE [MB] | scanner_bench --regexes\n");
		return 2;
	}
	if (argc == 3)
		mb = strtoul(argv[2], NULL, 10);
	buf = load(argv[1], mb << 20, &len);
	if (!buf) {
		fprintf(stderr, "scanner_bench: cannot load %s\n", argv[1]);
		return 2;
	}
	if (scanner__new(NULL, 0, &s, err, sizeof(err)) || scanner__stream_open(s, &st)) {
		fprintf(stderr, "scanner_bench: %s\n", err);
		return 2;
	}

	t0 = cpu_seconds();
	for (size_t off = 0; off < len; off += CHUNK)
		scanner__stream_feed(st, buf + off, len - off < CHUNK ? len - off : CHUNK, count, &found);
	scanner__stream_flush(st, count, &found);
	t_stream = cpu_seconds() - t0;

	t0 = cpu_seconds();
	scanner__scan(s, buf, len, count, &whole);
	t_block = cpu_seconds() - t0;

	printf("input: %.1f MB of %s%s; %zu rules, one database\n", (double)len / 1e6, argv[1],
	       mb ? ", repeated in memory" : "", scanner__rule_count(s));
	printf("leakwatch stream, 4 KiB chunks: %.2f GB/s per core (%.3f s CPU, %zu findings)\n",
	       (double)len / t_stream / 1e9, t_stream, found);
	printf("leakwatch one buffer:           %.2f GB/s per core (%.3f s CPU, %zu findings)\n",
	       (double)len / t_block / 1e9, t_block, whole);
	printf("memory per stream: at most %zu bytes\n", scanner__stream_mem_bound(s));
	scanner__stream_close(st);
	scanner__free(s);
	free(buf);
	return 0;
}
