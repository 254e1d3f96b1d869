// SPDX-License-Identifier: Apache-2.0
/* leakwatch-collector: receives agents' findings, stores them, answers queries. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

const char collector_usage[] =
	"leakwatch-collector " LW_VERSION ": receives leakwatch agents' findings, stores them, answers queries\n"
	"\n"
	"usage: leakwatch-collector <command> [options]\n"
	"\n"
	"  serve    run the HTTP(S) server\n"
	"      --config FILE      YAML configuration (default " COLLECTOR_DEFAULT_CONFIG ";\n"
	"                         may be absent; deploy/collector.yaml documents every key)\n"
	"      --listen ADDR:PORT override server.listen, e.g. 127.0.0.1:4520 or [::1]:4520\n"
	"      --insecure         allow a non-loopback address without TLS and a token file\n"
	"      --print            print each newly stored event on stdout: a line a person\n"
	"                         reads on a terminal, else a JSON line\n"
	"\n"
	"  query    print stored findings, most severe and most recent first\n"
	"      --db PATH          the database (default: storage.path from the config)\n"
	"      --config FILE      read storage.path from this configuration\n"
	"      --kind K[,K]       listener, leak, health (default: all)\n"
	"      --since T          RFC 3339 (2026-11-29T06:00:00Z), Unix seconds, or a\n"
	"                         duration before now (24h, 7d)\n"
	"      --host NAME        one host\n"
	"      --limit N          at most N findings (default 100, at most 10000)\n"
	"      --severity S       at least S: info, low, medium, high, critical\n"
	"      --open             only what is still a problem: open listeners and\n"
	"                         unacknowledged leaks\n"
	"      --all              closed listeners too (hidden by default)\n"
	"      --format table|json  a table (default) or one JSON object per line\n"
	"      --url URL          a running collector's API instead of the database\n"
	"                         (https://collector:4520), with an operator token from\n"
	"      --token-file FILE  or from $LEAKWATCH_COLLECTOR_TOKEN; never an argument\n"
	"      --ca-file FILE     the CA that signed the collector's certificate\n"
	"\n"
	"  events   print the stored events themselves, oldest first, one JSON object per\n"
	"           line as the agent printed them (same options as query but --format)\n"
	"\n"
	"  check-config FILE  load FILE as serve and a reload would, and say whether it is\n"
	"           good: exit 0 valid, 2 invalid (one line naming the key)\n"
	"\n"
	"  ack FINGERPRINT  mark a leak handled: its alerts resolve (one per host), and\n"
	"           later sightings of that fingerprint do not page again. Exit 0 when\n"
	"           acknowledged (now or before), 1 when no leak has that fingerprint.\n"
	"      --by NAME          who, for the record\n"
	"      --db PATH | --config FILE   as for query; a running serve delivers the\n"
	"                         resolves from the outbox within a second\n"
	"      --url URL --token-file FILE [--ca-file FILE]  through a running\n"
	"                         collector's API, as for query; without --by, the\n"
	"                         operator credential's name is recorded\n"
	"\n"
	"  token create --role ingest|operator --name NAME  a new credential: the token\n"
	"           is printed once on stdout; its SHA-256 goes to a digest file for\n"
	"           server.auth (agents get ingest tokens, people operator tokens)\n"
	"      --digest-file PATH default <state_dir>/auth/ROLE-NAME.sha256\n"
	"      --config FILE      for state_dir\n"
	"      --force            replace an existing digest file\n"
	"\n"
	"  compact  rewrite the SQLite database offline with 16 KiB pages, as a new one\n"
	"           gets (an older one keeps 4 KiB and ingests about a quarter slower),\n"
	"           and drop its free pages. Stop serve first; needs free space twice\n"
	"           the database's beside it. Exit 0 done, 2 not (in use, no space)\n"
	"      --db PATH | --config FILE   as for query\n"
	"      --page-size N      another power of two from 512 to 65536\n"
	"\n"
	"  --version, --help\n"
	"\n"
	"Endpoints (serve):\n"
	"  POST /v1/events    a leakwatch.v1.EventBatch (include/leakwatch/v1/leakwatch.proto),\n"
	"                     Content-Type: application/x-protobuf, Content-Encoding: gzip\n"
	"                     or identity, Authorization: Bearer <token>. Answers 200 with a\n"
	"                     BatchAck: events stored now, duplicates (already stored under the\n"
	"                     same id), and rejected (invalid events, not stored). A batch is\n"
	"                     stored in one transaction, or not at all.\n"
	"                     An ingest credential. 401 no or wrong token; 403 an operator\n"
	"                     credential, or events for a host the credential's hosts do\n"
	"                     not allow (nothing stored); 413 body over limits.max_body, inflating\n"
	"                     past limits.max_inflated or limits.max_ratio, or more than\n"
	"                     limits.max_events events; 415 another Content-Encoding or\n"
	"                     Content-Type; 400 bad gzip or protobuf; 405 another method;\n"
	"                     503 (with Retry-After) when busy or the database fails.\n"
	"  GET /v1/findings   JSON {\"count\":N,\"findings\":[...]}; an operator credential\n"
	"                     (an ingest one: 403). Parameters:\n"
	"                     kind=listener|leak|health, since=<RFC 3339, Unix seconds or 24h>,\n"
	"                     host=<hostname>, limit=N, severity=<at least>, open=true (only\n"
	"                     open listeners and unacknowledged leaks).\n"
	"  POST /v1/findings/{fingerprint}/ack[?by=NAME]\n"
	"                     an operator credential; acknowledged by its name when\n"
	"                     by is not given. {fingerprint} is a leak's, as GET\n"
	"                     /v1/findings shows it. 200 {\"fingerprint\",\"acknowledged\",\n"
	"                     \"already_acknowledged\",\"alerts_resolved\"}; 404 no such leak;\n"
	"                     400 not 16-64 hex digits.\n"
	"  GET /healthz       200 \"ok\", no token.\n"
	"  GET /metrics       Prometheus text exposition (0.0.4), no token: totals only\n"
	"                     (ingest, rejections by reason, alerting, outbox depth,\n"
	"                     retention, reloads), nothing per host or finding.\n"
	"\n"
	"Security: serve listens on " COLLECTOR_DEFAULT_LISTEN " by default. It refuses a non-loopback\n"
	"address unless server.tls.cert_file, server.tls.key_file and server.auth (or\n"
	"server.token_file) are set, or --insecure is given. server.auth names credentials\n"
	"by role: ingest (agents: POST /v1/events only, optionally only for some hosts)\n"
	"and operator (people: findings and ack), each by a file holding its token's\n"
	"SHA-256 (token create). Without server.auth, one token holds both roles: \n"
	"server.token_file, or <state_dir>/token, made (mode 0600, 32 random bytes as hex)\n"
	"on first start. No token or digest is ever logged.\n"
	"\n"
	"Storage: SQLite in WAL mode at <state_dir>/collector.db (state_dir default\n"
	COLLECTOR_DEFAULT_STATE_DIR "). Events are stored once by id; listener state per host,\n"
	"leaks per fingerprint with their hosts and files, and agent heartbeats are kept up\n"
	"to date with them. Retention per kind (retention.listener/leak/health) runs every\n"
	"retention.interval.\n"
	"\n"
	"Alerting: alerting.routes send findings to alerting.sinks (Alertmanager, PagerDuty,\n"
	"Slack, a JSON webhook), one alert per problem until it resolves, through an\n"
	"outbox in the database that survives restarts; see deploy/collector.yaml.\n"
	"\n"
	"Signals (serve): SIGHUP reloads the configuration: alerting (routes, sinks,\n"
	"runbooks, timings), retention and log.level take effect; a bad file is\n"
	"rejected with one error line naming the key, and the running configuration\n"
	"stays. The credentials are read again: a new token is accepted, a removed one\n"
	"refused at once. Listen address, TLS, storage, limits and log.format keep\n"
	"their values until a restart (logged). SIGINT and SIGTERM stop.\n"
	"\n"
	"Exit status: 0 on success (serve: stopped by SIGINT or SIGTERM), 2 on error,\n"
	"including a bad configuration (one line naming the key).\n";

int main(int argc, char **argv)
{
	/* once, before any thread: a SIGHUP may start alerting (and its curl
	 * use) while the server's threads run; alerts' own init only counts */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (argc < 2) {
		fputs(collector_usage, stderr);
		return EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("leakwatch-collector %s\n", LW_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h")) {
		fputs(collector_usage, stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "serve"))
		return cmd_serve(argc - 1, argv + 1);
	if (!strcmp(argv[1], "query"))
		return cmd_query(argc - 1, argv + 1, false);
	if (!strcmp(argv[1], "events"))
		return cmd_query(argc - 1, argv + 1, true);
	if (!strcmp(argv[1], "ack"))
		return cmd_ack(argc - 1, argv + 1);
	if (!strcmp(argv[1], "token"))
		return cmd_token(argc - 1, argv + 1);
	if (!strcmp(argv[1], "compact"))
		return cmd_compact(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check-config"))
		return cmd_check_config(argc - 1, argv + 1);
	fprintf(stderr, "leakwatch-collector: unknown command \"%s\"\n", argv[1]);
	fputs(collector_usage, stderr);
	return EXIT_ERROR;
}
