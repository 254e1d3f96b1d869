// SPDX-License-Identifier: Apache-2.0
/* leakwatch-collector: receives agents' findings, stores them, answers queries. */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "storage/ack.h"
#include "alerting/engine.h"
#include "alerting/cfgref.h"
#include "clock.h"
#include "settings/config.h"
#include "jsonw.h"
#include "log.h"
#include "server/metrics.h"
#include "storage/query.h"
#include "settings/reload.h"
#include "storage/retention.h"
#include "server/server.h"
#include "storage/store.h"
#include "server/token.h"

#ifndef LW_VERSION
#define LW_VERSION "0.0.0-dev"
#endif

#define EXIT_OK 0
#define EXIT_ERROR 2
#define MAX_PEM (1 << 20)

static const char usage_text[] =
	"leakwatch-collector " LW_VERSION ": receives leakwatch agents' findings, stores them, answers queries\n"
	"\n"
	"usage: leakwatch-collector <command> [options]\n"
	"\n"
	"  serve    run the HTTP(S) server\n"
	"      --config FILE      YAML configuration (default " COLLECTOR_DEFAULT_CONFIG ";\n"
	"                         may be absent; deploy/collector.yaml documents every key)\n"
	"      --listen ADDR:PORT override server.listen, e.g. 127.0.0.1:4520 or [::1]:4520\n"
	"      --insecure         allow a non-loopback address without TLS and a token file\n"
	"      --print            print each newly stored event as a JSON line on stdout\n"
	"\n"
	"  query    print stored findings, most severe and most recent first\n"
	"      --db PATH          the database (default: storage.path from the config)\n"
	"      --config FILE      read storage.path from this configuration\n"
	"      --kind K[,K]       listener, leak, health (default: all)\n"
	"      --since T          RFC 3339 (2026-11-29T06:00:00Z), Unix seconds, or a\n"
	"                         duration before now (24h, 7d)\n"
	"      --host NAME        one host\n"
	"      --limit N          at most N findings (default 100, at most 10000)\n"
	"      --format table|json  a table (default) or one JSON object per line\n"
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
	"                     401 no or wrong token; 413 body over limits.max_body, inflating\n"
	"                     past limits.max_inflated or limits.max_ratio, or more than\n"
	"                     limits.max_events events; 415 another Content-Encoding or\n"
	"                     Content-Type; 400 bad gzip or protobuf; 405 another method;\n"
	"                     503 (with Retry-After) when busy or the database fails.\n"
	"  GET /v1/findings   JSON {\"count\":N,\"findings\":[...]}; token required. Parameters:\n"
	"                     kind=listener|leak|health, since=<RFC 3339, Unix seconds or 24h>,\n"
	"                     host=<hostname>, limit=N.\n"
	"  POST /v1/findings/{fingerprint}/ack[?by=NAME]\n"
	"                     token required. {fingerprint} is a leak's, as GET\n"
	"                     /v1/findings shows it. 200 {\"fingerprint\",\"acknowledged\",\n"
	"                     \"already_acknowledged\",\"alerts_resolved\"}; 404 no such leak;\n"
	"                     400 not 16-64 hex digits.\n"
	"  GET /healthz       200 \"ok\", no token.\n"
	"  GET /metrics       Prometheus text exposition (0.0.4), no token: totals only\n"
	"                     (ingest, rejections by reason, alerting, outbox depth,\n"
	"                     retention, reloads), nothing per host or finding.\n"
	"\n"
	"Security: serve listens on " COLLECTOR_DEFAULT_LISTEN " by default. It refuses a non-loopback\n"
	"address unless server.tls.cert_file, server.tls.key_file and server.token_file are\n"
	"set, or --insecure is given. Without server.token_file it uses <state_dir>/token,\n"
	"creating it (mode 0600, 32 random bytes as hex) on first start; give agents that\n"
	"file (collector.token_file in the agent's config). The token is never logged.\n"
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
	"stays. Listen address, TLS, token file, storage, limits and log.format keep\n"
	"their values until a restart (logged). SIGINT and SIGTERM stop.\n"
	"\n"
	"Exit status: 0 on success (serve: stopped by SIGINT or SIGTERM), 2 on error,\n"
	"including a bad configuration (one line naming the key).\n";

static volatile sig_atomic_t stopping, reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stopping = 1;
}

static int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int error(const char *fmt, ...)
{
	va_list ap;

	fputs("leakwatch-collector: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_ERROR;
}

static int load_config(struct collector_config *cfg, const char *file)
{
	char err[512];

	collector_config__defaults(cfg);
	if (collector_config__load(cfg, file ? file : COLLECTOR_DEFAULT_CONFIG, file != NULL, err, sizeof(err)))
		return error("config %s: %s", file ? file : COLLECTOR_DEFAULT_CONFIG, err);
	return 0;
}

/* mkdir -p, the last component private to the collector */
static int make_dir(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static char *read_pem(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(MAX_PEM + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, MAX_PEM + 1, f);
	fclose(f);
	if (n == 0 || n > MAX_PEM || !strstr(buf, "-----BEGIN")) {
		free(buf);
		snprintf(err, errlen, "%s: not a PEM file of at most 1 MiB", path);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* "k":"v",... for log__fields, escaped by the JSON writer */
static void log_listening(const char *where, bool tls, const char *db, const char *token_path)
{
	struct jsonw w;
	const char *s;

	jsonw__init(&w);
	jsonw__begin_object(&w);
	jsonw__kv_str(&w, "address", where);
	jsonw__kv_bool(&w, "tls", tls);
	jsonw__kv_str(&w, "db", db);
	jsonw__kv_str(&w, "token_file", token_path);
	jsonw__end_object(&w);
	s = jsonw__str(&w);
	if (s && strlen(s) > 2) {
		char *inner = strndup(s + 1, strlen(s) - 2);

		log__fields(LW_LOG_INFO, "listening", inner);
		free(inner);
	}
	jsonw__free(&w);
}

static int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "print", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *config_file = NULL, *listen_arg = NULL;
	struct server_opts so = { 0 };
	struct store_opts sto = { 0 };
	struct retention_opts ro = { 0 };
	struct collector_config cfg;
	struct listen_addr listen_override, bound;
	struct metrics metrics = { 0 };
	struct server *srv = NULL;
	struct store *store = NULL;
	struct alerts *alerts = NULL;
	struct cfgref *alerting = NULL;
	struct reload rl = { 0 };
	char err[512], dbbuf[4096], tokbuf[4096], where[80];
	const char *db_path, *token_path;
	char *cert = NULL, *key = NULL;
	bool insecure = false, loopback, created = false, file_existed;
	uint64_t next_retention;
	struct sigaction sa;
	int opt, rc = EXIT_ERROR;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': config_file = optarg; break;
		case 'l': listen_arg = optarg; break;
		case 'k': insecure = true; break;
		case 'p': so.print_events = true; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: return EXIT_ERROR;
		}
	}
	if (optind < argc)
		return error("serve: unexpected argument \"%s\"", argv[optind]);
	file_existed = config_file || !access(COLLECTOR_DEFAULT_CONFIG, F_OK);
	if (load_config(&cfg, config_file))
		return EXIT_ERROR;
	if (listen_arg && listen_addr__parse(listen_arg, &listen_override)) {
		collector_config__free(&cfg);
		return error("--listen: expected an IP address and port such as 127.0.0.1:4520, got \"%s\"",
			     listen_arg);
	}
	if (listen_arg)
		cfg.listen = listen_override;
	log__setup(cfg.log.level, cfg.log.format_set ? cfg.log.format : LW_LOG_JSON);

	/* first: until then a SIGHUP (systemd's ExecReload) would kill the process */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	metrics__set(&metrics, start_time_s, clock__realtime_ns() / 1000000000ULL);
	metrics__set(&metrics, config_last_reload_ok, 1);
	listen_addr__format(&cfg.listen, where, sizeof(where));

	/* the collector must pass its own listener check */
	loopback = listen_addr__is_loopback(&cfg.listen);
	if (!loopback && !insecure && !(cfg.tls_cert_file && cfg.token_file)) {
		error("refusing to listen on %s, which is not a loopback address, without TLS and a "
		      "token: set server.tls.cert_file, server.tls.key_file and server.token_file, "
		      "or pass --insecure", where);
		goto out;
	}
	if (!loopback && !cfg.tls_cert_file)
		log_warn("serving plain HTTP on %s, a non-loopback address (--insecure): tokens and "
			 "findings cross the network in clear", where);

	if (make_dir(collector_config__state_dir(&cfg))) {
		error("state_dir %s: %s", collector_config__state_dir(&cfg), strerror(errno));
		goto out;
	}
	token_path = collector_config__token_path(&cfg, tokbuf, sizeof(tokbuf));
	if (cfg.token_file ? token__load(token_path, so.token_digest, err, sizeof(err))
			   : token__load_or_create(token_path, so.token_digest, &created, err, sizeof(err))) {
		error("%s", err);
		goto out;
	}
	if (created)
		log_info("generated a bearer token in %s (mode 0600); give it to the agents", token_path);
	if (cfg.tls_cert_file) {
		cert = read_pem(cfg.tls_cert_file, err, sizeof(err));
		key = cert ? read_pem(cfg.tls_key_file, err, sizeof(err)) : NULL;
		if (!key) {
			error("server.tls: %s", err);
			goto out;
		}
	}

	db_path = collector_config__db_path(&cfg, dbbuf, sizeof(dbbuf));
	sto.path = db_path;
	sto.busy_timeout_ms = cfg.busy_timeout_ms;
	sto.sync_full = cfg.sync_full;
	if (store__open(&sto, &store, err, sizeof(err))) {
		error("storage: %s", err);
		goto out;
	}

	so.listen = cfg.listen;
	so.tls_cert_pem = cert;
	so.tls_key_pem = key;
	so.max_connections = (unsigned)cfg.max_connections;
	so.max_connections_per_ip = (unsigned)cfg.max_connections_per_ip;
	so.timeout_s = (unsigned)((cfg.connection_timeout_ms + 999) / 1000);
	so.threads = (unsigned)cfg.threads;
	if (!so.threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		so.threads = n < 2 ? 2 : n > 16 ? 16 : (unsigned)n;
	}
	so.limits = cfg.limits;
	so.max_inflight = cfg.max_inflight;
	so.store = store;
	so.db_path = db_path;
	so.metrics = &metrics;

	/* the engine shares this snapshot, so that a reload can swap it whole */
	if (cfgref__new(&cfg.alerting, &alerting)) {
		error("out of memory");
		goto out;
	}
	/* before the server: no batch is stored without its alerts decided */
	if (alertcfg__enabled(cfgref__cfg(alerting)) &&
	    alerts__start(alerting, store, &metrics, &alerts, err, sizeof(err))) {
		error("%s", err);
		goto out;
	}
	cfgref__put(alerting);
	alerting = NULL;
	so.alerts = alerts;

	if (server__start(&so, &srv, err, sizeof(err))) {
		error("%s", err);
		goto out;
	}
	/* a copy: cfg keeps what the file says (port 0), for reloads to compare */
	bound = cfg.listen;
	bound.port = server__port(srv);
	log_listening(listen_addr__format(&bound, where, sizeof(where)), cert != NULL, db_path,
		      token_path);

	rl.file = config_file ? config_file : COLLECTOR_DEFAULT_CONFIG;
	rl.must_exist = file_existed;
	rl.listen_override = listen_arg ? &listen_override : NULL;
	rl.log_format = cfg.log.format_set ? cfg.log.format : LW_LOG_JSON;
	rl.cfg = &cfg;
	rl.store = store;
	rl.metrics = &metrics;
	rl.server = srv;
	rl.alerts = &alerts;
	for (int k = 0; k < STORE_KIND_COUNT; k++)
		ro.keep_ms[k] = cfg.retention_ms[k];
	ro.batch_rows = (unsigned)cfg.retention_batch_rows;
	next_retention = clock__monotonic_ms();
	while (!stopping) {
		struct timespec ts = { 0, 200 * 1000 * 1000 };

		if (reload_requested) {
			reload_requested = 0;
			if (!reload__run(&rl)) {
				uint64_t soon = clock__monotonic_ms() + cfg.retention_interval_ms;

				for (int k = 0; k < STORE_KIND_COUNT; k++)
					ro.keep_ms[k] = cfg.retention_ms[k];
				ro.batch_rows = (unsigned)cfg.retention_batch_rows;
				if (soon < next_retention)
					next_retention = soon;
			}
		}
		if (clock__monotonic_ms() >= next_retention) {
			int64_t n = retention__run(store, &ro, clock__realtime_ns());

			if (n > 0)
				metrics__add(&metrics, retention_deleted, n);
			next_retention = clock__monotonic_ms() + cfg.retention_interval_ms;
		}
		nanosleep(&ts, NULL);
	}
	rc = EXIT_OK;

out:
	server__stop(srv);
	alerts__stop(alerts);
	cfgref__put(alerting);
	if (rc == EXIT_OK) {
		struct metrics m;

		metrics__snapshot(&metrics, &m);
		log_info("stopping: %llu batches accepted, %llu events stored, %llu duplicates",
			 (unsigned long long)m.batches_accepted, (unsigned long long)m.events_stored,
			 (unsigned long long)m.duplicates);
		if (alerts)
			log_info("alerting: %llu alerts fired, %llu resolved, %llu notifications sent, "
				 "%llu dropped, %llu failed attempts; undelivered ones stay in the outbox",
				 (unsigned long long)m.alerts_fired, (unsigned long long)m.alerts_resolved,
				 (unsigned long long)m.notifications_sent,
				 (unsigned long long)m.notifications_dropped,
				 (unsigned long long)m.sink_failures);
	}
	store__close(store);
	free_secret(cert);
	free_secret(key);
	collector_config__free(&cfg);
	return rc;
}

/*
 * query, events and ack: the database --db names, or the one under the
 * configuration's state_dir, opened as so says (mode: the access(2) it
 * needs). The configuration's busy timeout applies where it is longer than
 * so's, when config_timeout. EXIT_OK, or the exit status of the error.
 */
static int open_offline(const char *cmd, const char *db, const char *config_file, int mode,
			bool config_timeout, struct store_opts *so, char *dbbuf, size_t dblen,
			struct store **out)
{
	struct collector_config cfg;
	char err[512];

	if (db && config_file)
		return error("%s: give --db or --config, not both", cmd);
	log__setup(LW_LOG_WARN, LW_LOG_TEXT);
	if (load_config(&cfg, config_file))
		return EXIT_ERROR;
	so->path = db ? db : collector_config__db_path(&cfg, dbbuf, dblen);
	if (config_timeout && cfg.busy_timeout_ms > so->busy_timeout_ms)
		so->busy_timeout_ms = cfg.busy_timeout_ms;
	collector_config__free(&cfg);
	if (access(so->path, mode))
		return error("database %s: %s", so->path, strerror(errno));
	if (store__open(so, out, err, sizeof(err)))
		return error("%s", err);
	return EXIT_OK;
}

/* `query` prints findings (the derived state); `events` the stored events. */
static int cmd_query(int argc, char **argv, bool events)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "kind", required_argument, NULL, 'k' },
		{ "since", required_argument, NULL, 's' },
		{ "host", required_argument, NULL, 'H' },
		{ "limit", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *db = NULL, *config_file = NULL, *format = "table";
	/* findings are a page; raw events are all of them unless limited */
	struct query_filter f = { .limit = events ? 0 : QUERY_DEFAULT_LIMIT };
	struct store_opts so = { .read_only = true, .busy_timeout_ms = 5000 };
	struct findings fs;
	struct store *store;
	char dbbuf[4096];
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': db = optarg; break;
		case 'c': config_file = optarg; break;
		case 'k':
			for (char *p = optarg, *tok; (tok = strsep(&p, ","));) {
				enum store_kind k;

				if (store_kind__parse(tok, &k))
					return error("--kind: expected listener, leak or health, got \"%s\"", tok);
				f.kinds[k] = true;
			}
			break;
		case 's':
			if (query__parse_since(optarg, clock__realtime_ns(), &f.since_ns))
				return error("--since: expected RFC 3339, Unix seconds or a duration such as 24h, got \"%s\"",
					     optarg);
			break;
		case 'H': f.host = optarg; break;
		case 'n': {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !v || v > QUERY_MAX_LIMIT || *optarg == '-')
				return error("--limit: expected 1..%d, got \"%s\"", QUERY_MAX_LIMIT, optarg);
			f.limit = (unsigned)v;
			break;
		}
		case 'f':
			if (strcmp(optarg, "table") && strcmp(optarg, "json"))
				return error("--format: expected table or json, got \"%s\"", optarg);
			format = optarg;
			break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: return EXIT_ERROR;
		}
	}
	if (optind < argc)
		return error("query: unexpected argument \"%s\"", argv[optind]);
	rc = open_offline("query", db, config_file, R_OK, false, &so, dbbuf, sizeof(dbbuf), &store);
	if (rc)
		return rc;
	if (events) {
		rc = query__print_events(store__db(store), &f, stdout) < 0
			     ? error("events %s: %s", so.path, sqlite3_errmsg(store__db(store)))
			     : EXIT_OK;
		store__close(store);
		return rc;
	}
	rc = query__findings(store__db(store), &f, &fs);
	if (rc) {
		rc = error("query %s: %s", so.path, sqlite3_errmsg(store__db(store)));
	} else {
		if (!strcmp(format, "json"))
			query__print_json_lines(stdout, &fs);
		else
			query__print_table(stdout, &fs);
		query__free(&fs);
		rc = EXIT_OK;
	}
	store__close(store);
	return rc;
}

/*
 * `check-config FILE`: loads a configuration as serve and a SIGHUP reload
 * would, and reads the files it names (TLS, token, sinks' keys), so that a
 * rollout or a CI job finds the mistake before the collector does.
 */
static int cmd_check_config(int argc, char **argv)
{
	uint8_t digest[TOKEN_DIGEST_LEN];
	struct collector_config cfg;
	char err[512];
	char *pem;

	log__setup(LW_LOG_WARN, LW_LOG_TEXT);
	if (argc != 2 || !strcmp(argv[1], "--help")) {
		fprintf(argc == 2 ? stdout : stderr,
			"usage: leakwatch-collector check-config FILE\n"
			"exit status: 0 valid, 2 invalid (one line naming the key)\n");
		return argc == 2 ? EXIT_OK : EXIT_ERROR;
	}
	collector_config__defaults(&cfg);
	if (collector_config__load(&cfg, argv[1], true, err, sizeof(err)))
		return error("config %s: %s", argv[1], err);
	for (int i = 0; i < 2 && cfg.tls_cert_file; i++) {
		pem = read_pem(i ? cfg.tls_key_file : cfg.tls_cert_file, err, sizeof(err));
		if (!pem) {
			collector_config__free(&cfg);
			return error("config %s: server.tls.%s: %s", argv[1], i ? "key_file" : "cert_file", err);
		}
		explicit_bzero(pem, strlen(pem));
		free(pem);
	}
	if (cfg.token_file && token__load(cfg.token_file, digest, err, sizeof(err))) {
		collector_config__free(&cfg);
		return error("config %s: server.token_file: %s", argv[1], err);
	}
	explicit_bzero(digest, sizeof(digest));
	if (!listen_addr__is_loopback(&cfg.listen) && !(cfg.tls_cert_file && cfg.token_file))
		fprintf(stderr, "leakwatch-collector: warning: serve refuses server.listen, not a loopback "
			"address, without server.tls and server.token_file, unless --insecure\n");
	printf("%s: ok (%zu alert route(s) to %zu sink(s))\n", argv[1], cfg.alerting.n_routes,
	       cfg.alerting.n_sinks);
	collector_config__free(&cfg);
	return EXIT_OK;
}

/* `ack FINGERPRINT`: exit 0 acknowledged, 1 no such leak, 2 error */
static int cmd_ack(int argc, char **argv)
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
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: return EXIT_ERROR;
		}
	}
	if (optind + 1 != argc)
		return error("ack: give exactly one leak fingerprint");
	fp = argv[optind];
	if (!ack__valid_fingerprint(fp))
		return error("ack: \"%s\" is not a leak fingerprint (16 to 64 hex digits)", fp);
	rc = open_offline("ack", db, config_file, W_OK, true, &so, dbbuf, sizeof(dbbuf), &store);
	if (rc)
		return rc;
	rc = ack__leak(store, fp, by, clock__realtime_ns(), &res);
	if (rc == -EINVAL) {
		rc = error("--by: at most %d printable characters", ACK_MAX_BY);
	} else if (rc) {
		rc = error("ack %s: %s", so.path, strerror(-rc));
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

int main(int argc, char **argv)
{
	/* once, before any thread: a SIGHUP may start alerting (and its curl
	 * use) while the server's threads run; alerts' own init only counts */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (argc < 2) {
		fputs(usage_text, stderr);
		return EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("leakwatch-collector %s\n", LW_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help") || !strcmp(argv[1], "-h")) {
		fputs(usage_text, stdout);
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
	if (!strcmp(argv[1], "check-config"))
		return cmd_check_config(argc - 1, argv + 1);
	fprintf(stderr, "leakwatch-collector: unknown command \"%s\"\n", argv[1]);
	fputs(usage_text, stderr);
	return EXIT_ERROR;
}
