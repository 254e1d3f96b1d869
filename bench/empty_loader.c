// SPDX-License-Identifier: Apache-2.0
/* Attaches bench/empty.bpf.c and waits for SIGTERM: the baseline program. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "empty.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(void)
{
	struct bench_empty *skel = bench_empty__open_and_load();

	if (!skel || bench_empty__attach(skel)) {
		fprintf(stderr, "empty_loader: cannot load or attach\n");
		bench_empty__destroy(skel);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("attached\n");
	fflush(stdout);
	while (!stop)
		pause();
	bench_empty__destroy(skel);
	return 0;
}
