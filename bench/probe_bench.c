// SPDX-License-Identifier: Apache-2.0
/*
 * Time per probe, per protocol: `probe_bench N NAME:PORT[:udp] ...` runs
 * each probe N times against 127.0.0.1:PORT, one after another, and prints
 * the p50 and p99 of the wall time of a whole probe (connect, exchange,
 * close) and the verdict it gave. A figure, never a pass or fail.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "probes/runner.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const char *const states[] = { "unset", "none", "required", "tls", "unknown" };
	int n = argc > 1 ? atoi(argv[1]) : 0;

	if (n <= 0 || argc < 3) {
		fprintf(stderr, "usage: probe_bench N NAME:PORT[:udp]...\n");
		return 2;
	}
	printf("%-21s %10s %10s  %s\n", "probe", "p50", "p99", "verdict");
	for (int a = 2; a < argc; a++) {
		char name[64];
		unsigned port = 0;
		const struct lw_probe *p;
		struct probe_target t = { .protocol = IPPROTO_TCP, .timeout_ms = 1000 };
		struct lw_auth auth;
		uint64_t *ns = calloc((size_t)n, sizeof(*ns));

		if (!ns || sscanf(argv[a], "%63[^:]:%u", name, &port) != 2 || !(p = probe__by_name(name))) {
			fprintf(stderr, "probe_bench: bad probe %s\n", argv[a]);
			return 2;
		}
		if (strstr(argv[a], ":udp"))
			t.protocol = IPPROTO_UDP;
		addr__parse("127.0.0.1", &t.addr);
		t.port = (uint16_t)port;
		for (int i = 0; i < n; i++) {
			uint64_t t0 = now_ns();

			runner__run(p, &t, &auth);
			ns[i] = now_ns() - t0;
		}
		qsort(ns, (size_t)n, sizeof(*ns), cmp);
		printf("%-21s %7.3f ms %7.3f ms  %s: %s\n", argv[a], ns[n / 2] / 1e6,
		       ns[(size_t)n * 99 / 100] / 1e6, states[auth.state], auth.evidence);
		free(ns);
	}
	return 0;
}
