// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "cmd/cmd.h"
#include "storage/ack.h"
#include "storage/store.h"

/* `ack FINGERPRINT`: exit 0 acknowledged, 1 no such leak, 2 error */
int cmd_ack(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "by", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *db = NULL, *config_file = NULL, *by = NULL, *fp;
	struct store_opts so = { .busy_timeout_ms = 5000, .sync_full = true };
	struct ack_result res;
	struct store *store;
	char dbbuf[4096];
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'c': config_file = optarg; break;
		case 'b': by = optarg; break;
		case 'h': fputs(collector_usage, stdout); return EXIT_OK;
		default: return EXIT_ERROR;
		}
	}
	if (optind + 1 != argc)
		return cmd__error("ack: give exactly one leak fingerprint");
	fp = argv[optind];
	if (!ack__valid_fingerprint(fp))
		return cmd__error("ack: \"%s\" is not a leak fingerprint (16 to 64 hex digits)", fp);
	rc = cmd__open_offline("ack", db, config_file, W_OK, true, &so, dbbuf, sizeof(dbbuf), &store);
	if (rc)
		return rc;
	rc = ack__leak(store, fp, by, clock__realtime_ns(), &res);
	if (rc == -EINVAL) {
		rc = cmd__error("--by: at most %d printable characters", ACK_MAX_BY);
	} else if (rc) {
		rc = cmd__error("ack %s: %s", so.path, strerror(-rc));
	} else if (!res.found) {
		fprintf(stderr, "leakwatch-collector: no leak with fingerprint %s\n", fp);
		rc = 1;
	} else {
		printf("%s %s: %u alert(s) resolved\n", fp,
		       res.already ? "was already acknowledged" : "acknowledged", res.resolved);
		rc = EXIT_OK;
	}
	store__close(store);
	return rc;
}
