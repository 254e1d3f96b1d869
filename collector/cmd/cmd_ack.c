// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os/clock.h"
#include "cmd/cmd.h"
#include "cmd/remote.h"
#include "alertdb/ack.h"
#include "storage/store.h"

/* The count in {"alerts_resolved":N} (the collector's own answer). */
static unsigned resolved_in(const char *body)
{
	const char *p = strstr(body, "\"alerts_resolved\":");

	return p ? (unsigned)strtoul(p + 18, NULL, 10) : 0;
}

/* ack --url: POST /v1/findings/FP/ack; acked_by is the credential's name unless --by. */
static int ack_remote(const struct remote *r, const char *fp, const char *by)
{
	struct remote_reply reply;
	char path[512], esc[400];
	int rc;

	if (by && !remote__escape(by, esc, sizeof(esc)))
		return cmd__error("--by: at most %d printable characters", ACK_MAX_BY);
	snprintf(path, sizeof(path), "/v1/findings/%s/ack%s%s", fp, by ? "?by=" : "", by ? esc : "");
	if ((rc = remote__call(r, "POST", path, &reply)))
		return rc;
	if (reply.status == 200) {
		printf("%s %s: %u alert(s) resolved\n", fp,
		       strstr(reply.body, "\"already_acknowledged\":true") ? "was already acknowledged" : "acknowledged",
		       resolved_in(reply.body));
		rc = EXIT_OK;
	} else if (reply.status == 404) {
		fprintf(stderr, "leakwatch-collector: no leak with fingerprint %s\n", fp);
		rc = 1;
	} else {
		rc = cmd__error("ack %s: HTTP %ld: %.*s", r->url, reply.status, (int)strcspn(reply.body, "\n"),
				reply.body);
	}
	remote__free(&reply);
	return rc;
}

/* `ack FINGERPRINT`: exit 0 acknowledged, 1 no such leak, 2 error */
int cmd_ack(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "by", required_argument, NULL, 'b' },
		{ "url", required_argument, NULL, 'U' },
		{ "token-file", required_argument, NULL, 'T' },
		{ "ca-file", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *db = NULL, *config_file = NULL, *by = NULL, *fp;
	struct store_opts so = { .busy_timeout_ms = 5000, .sync_full = true };
	struct remote remote = { 0 };
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
		case 'U': remote.url = optarg; break;
		case 'T': remote.token_file = optarg; break;
		case 'C': remote.ca_file = optarg; break;
		case 'h': fputs(collector_usage, stdout); return EXIT_OK;
		default: return EXIT_ERROR;
		}
	}
	if (optind + 1 != argc)
		return cmd__error("ack: give exactly one leak fingerprint");
	fp = argv[optind];
	if (!ack__valid_fingerprint(fp))
		return cmd__error("ack: \"%s\" is not a leak fingerprint (16 to 64 hex digits)", fp);
	if (remote.url && db)
		return cmd__error("ack: --url and --db: one or the other");
	if (remote.url)
		return ack_remote(&remote, fp, by);
	if (remote.token_file || remote.ca_file)
		return cmd__error("ack: --token-file and --ca-file go with --url");
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
