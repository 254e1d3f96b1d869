// SPDX-License-Identifier: Apache-2.0
/*
 * The floor under the agent's journal cost: `journal_floor DIR [next]`
 * follows the journal in DIR as the agent's follower does (opened the same
 * way, from the end, woken every 100 ms, drained), but only reads: every
 * new entry is reached with sd_journal_next and each of its fields with
 * sd_journal_enumerate_available_data, and nothing is scanned. With `next`
 * it only steps from entry to entry. bench/journal.sh measures its CPU as
 * it measures the agent's: what libsystemd alone costs to read an entry.
 * `journal_floor - ref` reads no journal: every 100 ms it does the same
 * fixed work (hashing 64 KiB 8 times), so that its CPU time per second says
 * how fast the CPU it shares with the agent ran in a round: on a host shared
 * with other work, everything on that CPU slows alike, the agent too.
 * Runs until SIGTERM.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-journal.h>

#define WAKE_NS (100 * 1000 * 1000L) /* the agent's poll interval (cmd_run.c) */

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct timespec wake = { 0, WAKE_NS };
	bool fields = !(argc > 2 && !strcmp(argv[2], "next"));
	volatile size_t sink = 0;
	sd_journal *j;
	const void *d;
	size_t dl;

	if (argc > 2 && !strcmp(argv[2], "ref")) {
		static unsigned char buf[64 * 1024];
		uint64_t h = 1469598103934665603ULL;

		signal(SIGTERM, on_term);
		signal(SIGINT, on_term);
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (unsigned char)i;
		while (!stop) {
			for (int r = 0; r < 8; r++)
				for (size_t i = 0; i < sizeof(buf); i++)
					h = (h ^ buf[i]) * 1099511628211ULL;
			sink += (size_t)h;
			nanosleep(&wake, NULL);
		}
		return 0;
	}
	if (argc < 2 || sd_journal_open_directory(&j, argv[1], 0) < 0) {
		fprintf(stderr, "usage: journal_floor DIR [next] | journal_floor - ref\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	sd_journal_set_data_threshold(j, 64 * 1024 + 64);
	sd_journal_get_fd(j);
	sd_journal_seek_tail(j);
	sd_journal_previous(j);
	while (!stop) {
		sd_journal_process(j);
		while (sd_journal_next(j) > 0) {
			if (!fields)
				continue;
			sd_journal_restart_data(j);
			while (sd_journal_enumerate_available_data(j, &d, &dl) > 0)
				sink += dl;
		}
		nanosleep(&wake, NULL);
	}
	sd_journal_close(j);
	return 0;
}
