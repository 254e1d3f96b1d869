// SPDX-License-Identifier: Apache-2.0
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/clock.h"
#include "cmd/cmd.h"
#include "db/db.h"

static double mib(uint64_t bytes)
{
	return (double)bytes / (1 << 20);
}

/* `compact`: exit 0 rewritten, 2 not (in use, no room, no such database) */
int cmd_compact(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "page-size", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *db = NULL, *config_file = NULL;
	unsigned long page_size = DB_SQLITE_PAGE_SIZE;
	struct store_opts so = { 0 };
	struct collector_config cfg;
	struct db_compact done;
	char dbbuf[4096], err[512], *end;
	uint64_t t0;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'c': config_file = optarg; break;
		case 'p':
			page_size = strtoul(optarg, &end, 10);
			if (*end || !*optarg || page_size > 65536)
				return cmd__error("compact: --page-size: a power of two from 512 to 65536, not %s", optarg);
			break;
		case 'h': fputs(collector_usage, stdout); return EXIT_OK;
		default: return EXIT_ERROR;
		}
	}
	if (optind < argc)
		return cmd__error("compact: unexpected argument \"%s\"", argv[optind]);
	if (cmd__locate_db("compact", db, config_file, &cfg, &so, dbbuf, sizeof(dbbuf)))
		return EXIT_ERROR;
	collector_config__free(&cfg);
	if (so.driver != DB_SQLITE)
		return cmd__error("compact: the database is PostgreSQL; its own VACUUM FULL does this there");
	t0 = clock__monotonic_ms();
	if (db__sqlite_compact(so.path, (unsigned)page_size, &done, err, sizeof(err)))
		return cmd__error("compact: %s", err);
	printf("%s: %u-byte pages -> %u, %.1f MiB -> %.1f MiB, in %.1f s\n", so.path, done.page_before, done.page_after,
	       mib(done.bytes_before), mib(done.bytes_after), (double)(clock__monotonic_ms() - t0) / 1000);
	return EXIT_OK;
}
