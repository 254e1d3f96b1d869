// SPDX-License-Identifier: Apache-2.0
/*
 * `serve`: the collector itself. Start-up is a sequence of steps, each
 * saying what went wrong: options, configuration and log, signals, the
 * collector's own exposure check, token, TLS, store, alert engine, server.
 * Then the main loop turns reloads and retention until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "routing/cfgref.h"
#include "alerting/engine.h"
#include "os/clock.h"
#include "cmd/cmd.h"
#include "wire/jsonw.h"
#include "os/log.h"
#include "os/privdir.h"
#include "server/metrics.h"
#include "server/server.h"
#include "access/token.h"
#include "settings/credentials.h"
#include "settings/reload.h"
#include "web/session.h"
#include "storage/retention.h"
#include "replicas/sharedkey.h"
#include "storage/store.h"

static volatile sig_atomic_t stopping, reload_requested;

struct serve {
	const char *config_file, *listen_arg;
	bool insecure, file_existed;
	struct collector_config cfg;
	struct listen_addr listen_override;
	struct metrics metrics;
	struct server_opts so;
	struct store *store;
	struct alerts *alerts;
	struct cfgref *alerting;  /* the alerting configuration as started: the pages read it */
	struct server *srv;
	char *cert, *key, *client_ca;
	struct store_opts where;   /* the database: the driver, SQLite's path, PostgreSQL's DSN */
	char *dsn;                 /* a copy: cfg is replaced on reload */
	const char *token_path;
	struct session_key session_key; /* the pages' */
	char dbbuf[4096], tokbuf[4096];
};

/* -1 to go on, or the exit status. */
static int parse_options(struct serve *s, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "print", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': s->config_file = optarg; break;
		case 'l': s->listen_arg = optarg; break;
		case 'k': s->insecure = true; break;
		case 'p': s->so.print_events = true; s->so.print_text = isatty(STDOUT_FILENO); break;
		case 'h': fputs(collector_usage, stdout); return EXIT_OK;
		default: return EXIT_ERROR;
		}
	}
	if (optind < argc)
		return cmd__error("serve: unexpected argument \"%s\"", argv[optind]);
	return -1;
}

/* The configuration, --listen over it, and the log it asks for. */
static int load(struct serve *s)
{
	s->file_existed = s->config_file || !access(COLLECTOR_DEFAULT_CONFIG, F_OK);
	if (cmd__load_config(&s->cfg, s->config_file))
		return -EINVAL;
	if (s->listen_arg && listen_addr__parse(s->listen_arg, &s->listen_override)) {
		collector_config__free(&s->cfg);
		return cmd__error("--listen: expected an IP address and port such as 127.0.0.1:4520, got \"%s\"",
				  s->listen_arg);
	}
	if (s->listen_arg)
		s->cfg.listen = s->listen_override;
	log__setup(s->cfg.log.level, s->cfg.log.format_set ? s->cfg.log.format : LW_LOG_JSON);
	return 0;
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stopping = 1;
}

/* First: until then a SIGHUP (systemd's ExecReload) would kill the process. */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The collector must pass its own listener check. */
static int check_exposure(const struct serve *s)
{
	char where[80];

	listen_addr__format(&s->cfg.listen, where, sizeof(where));
	if (listen_addr__is_loopback(&s->cfg.listen))
		return 0;
	if (!s->insecure &&
	    !(s->cfg.tls_cert_file && (s->cfg.token_file || s->cfg.n_auth || s->cfg.tls_client_ca_file)))
		return cmd__error("refusing to listen on %s, which is not a loopback address, without TLS and a "
				  "token: set server.tls.cert_file, server.tls.key_file and server.auth, "
				  "or pass --insecure", where);
	if (!s->cfg.tls_cert_file)
		log_warn("serving plain HTTP on %s, a non-loopback address (--insecure): tokens and "
			 "findings cross the network in clear", where);
	return 0;
}

/* The state directory, and the bearer token: the configured one, or one made there. */
static int prepare_token(struct serve *s)
{
	const struct collector_config *cfg = &s->cfg;
	bool created = false;
	char err[512];

	if (privdir__ensure(collector_config__state_dir(cfg), "state_dir", err, sizeof(err)))
		return cmd__error("%s", err);
	if (credentials__load(cfg, true, &s->so.auth, s->tokbuf, sizeof(s->tokbuf), &created, err, sizeof(err)))
		return cmd__error("%s", err);
	s->token_path = s->tokbuf[0] ? s->tokbuf : NULL;
	if (created)
		log_info("generated a bearer token in %s (mode 0600); give it to the agents", s->token_path);
	return 0;
}

static int read_tls(struct serve *s)
{
	char err[512];

	if (!s->cfg.tls_cert_file)
		return 0;
	s->cert = cmd__read_pem(s->cfg.tls_cert_file, err, sizeof(err));
	s->key = s->cert ? cmd__read_pem(s->cfg.tls_key_file, err, sizeof(err)) : NULL;
	if (!s->key)
		return cmd__error("server.tls: %s", err);
	if (s->cfg.tls_client_ca_file &&
	    !(s->client_ca = cmd__read_pem(s->cfg.tls_client_ca_file, err, sizeof(err))))
		return cmd__error("server.tls.client_ca_file: %s", err);
	return 0;
}

static int open_store(struct serve *s)
{
	struct store_opts o;
	char err[512];

	collector_config__store_where(&s->cfg, &s->where, s->dbbuf, sizeof(s->dbbuf));
	if (s->where.dsn && !(s->dsn = strdup(s->where.dsn)))
		return cmd__error("storage: out of memory");
	s->where.dsn = s->dsn;
	o = s->where;
	o.busy_timeout_ms = s->cfg.busy_timeout_ms;
	o.sync_full = s->cfg.sync_full;
	return store__open(&o, &s->store, err, sizeof(err)) ? cmd__error("storage: %s", err) : 0;
}

/*
 * The key the pages sign sessions with: server.session_key_file's when set
 * (an operator's Secret wins), else the one the database keeps for every
 * collector on it. Either way a cookie one replica issued is good on all.
 */
static int session_key(struct serve *s)
{
	char err[512];
	int rc;

	if (s->cfg.session_key_file) {
		if (session__key_from_file(s->cfg.session_key_file, &s->session_key, err, sizeof(err)))
			return cmd__error("server.session_key_file: %s", err);
		log_info("pages: sessions signed with the key of server.session_key_file");
		return 0;
	}
	rc = sharedkey__get(s->store, SHAREDKEY_SESSION, s->session_key.k, sizeof(s->session_key.k));
	if (rc)
		return cmd__error("storage: cannot read or make the pages' session key (%s)", strerror(-rc));
	log_info("pages: sessions signed with the key the database shares among its collectors");
	return 0;
}

/* Before the server: no batch is stored without its alerts decided. */
static int start_alerting(struct serve *s)
{
	struct cfgref *alerting;
	char err[512];
	int rc = 0;

	/* the engine shares this snapshot, so that a reload can swap it whole */
	if (cfgref__new(&s->cfg.alerting, &alerting))
		return cmd__error("out of memory");
	if (alertcfg__enabled(cfgref__cfg(alerting)) &&
	    alerts__start(alerting, s->store, &s->metrics, &s->alerts, err, sizeof(err)))
		rc = cmd__error("%s", err);
	/* kept until the server starts, which hands the pages a reference of their own */
	s->alerting = alerting;
	return rc;
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

static int start_server(struct serve *s)
{
	const struct collector_config *cfg = &s->cfg;
	struct server_opts *o = &s->so;
	struct listen_addr bound;
	char err[512], where[80];

	o->listen = cfg->listen;
	o->tls_cert_pem = s->cert;
	o->tls_key_pem = s->key;
	o->tls_client_ca_pem = s->client_ca;
	o->tls_client_required = s->cfg.tls_client_required;
	o->max_connections = (unsigned)cfg->max_connections;
	o->max_connections_per_ip = (unsigned)cfg->max_connections_per_ip;
	o->reserve_connections = (unsigned)cfg->reserve_connections;
	o->timeout_s = (unsigned)((cfg->connection_timeout_ms + 999) / 1000);
	o->header_timeout_ms = cfg->header_timeout_ms;
	o->min_body_rate = cfg->min_body_rate;
	o->threads = (unsigned)cfg->threads;
	if (!o->threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		o->threads = n < 2 ? 2 : n > 16 ? 16 : (unsigned)n;
	}
	o->limits = cfg->limits;
	o->max_inflight = cfg->max_inflight;
	o->store = s->store;
	o->db_where = s->where;
	o->metrics = &s->metrics;
	o->alerts = s->alerts;
	o->session_ttl_ms = cfg->session_ttl_ms;
	o->session_key = &s->session_key;
	/* the pages call an agent silent when alerting would: no heartbeat for stale_after */
	o->alerting = s->alerting;
	if (server__start(o, &s->srv, err, sizeof(err))) {
		auth__unref(o->auth);
		o->auth = NULL;
		return cmd__error("%s", err);
	}
	/* a copy: cfg keeps what the file says (port 0), for reloads to compare */
	bound = cfg->listen;
	bound.port = server__port(s->srv);
	log_listening(listen_addr__format(&bound, where, sizeof(where)), s->cert != NULL,
		      s->where.driver == DB_POSTGRES ? "postgres" : s->where.path,
		      s->token_path);
	return 0;
}

/* What retention keeps, and when it runs next. */
struct retention_clock {
	struct retention_opts opts;
	uint64_t next_ms;
};

static void retention_from(struct retention_clock *rc, const struct collector_config *cfg)
{
	for (int k = 0; k < STORE_KIND_COUNT; k++)
		rc->opts.keep_ms[k] = cfg->retention_ms[k];
	rc->opts.batch_rows = (unsigned)cfg->retention_batch_rows;
}

static void retention_tick(struct serve *s, struct retention_clock *rc)
{
	int64_t n;

	if (clock__monotonic_ms() < rc->next_ms)
		return;
	n = retention__run(s->store, &rc->opts, clock__realtime_ns());
	if (n > 0)
		metrics__add(&s->metrics, retention_deleted, n);
	rc->next_ms = clock__monotonic_ms() + s->cfg.retention_interval_ms;
}

/* Until SIGINT or SIGTERM: reloads on SIGHUP, retention when due. */
static void run(struct serve *s)
{
	struct retention_clock rc = { .next_ms = clock__monotonic_ms() };
	struct reload rl = {
		.file = s->config_file ? s->config_file : COLLECTOR_DEFAULT_CONFIG,
		.must_exist = s->file_existed,
		.listen_override = s->listen_arg ? &s->listen_override : NULL,
		.log_format = s->cfg.log.format_set ? s->cfg.log.format : LW_LOG_JSON,
		.cfg = &s->cfg,
		.store = s->store,
		.metrics = &s->metrics,
		.server = s->srv,
		.alerts = &s->alerts,
	};

	retention_from(&rc, &s->cfg);
	while (!stopping) {
		struct timespec ts = { 0, 200 * 1000 * 1000 };

		if (reload_requested) {
			reload_requested = 0;
			if (!reload__run(&rl)) {
				uint64_t soon = clock__monotonic_ms() + s->cfg.retention_interval_ms;

				retention_from(&rc, &s->cfg);
				if (soon < rc.next_ms)
					rc.next_ms = soon;
			}
		}
		retention_tick(s, &rc);
		nanosleep(&ts, NULL);
	}
}

static void log_totals(const struct serve *s)
{
	struct metrics m;

	metrics__snapshot(&s->metrics, &m);
	log_info("stopping: %llu batches accepted, %llu events stored, %llu duplicates",
		 (unsigned long long)m.batches_accepted, (unsigned long long)m.events_stored,
		 (unsigned long long)m.duplicates);
	if (s->alerts)
		log_info("alerting: %llu alerts fired, %llu resolved, %llu notifications sent, "
			 "%llu dropped, %llu failed attempts; undelivered ones stay in the outbox",
			 (unsigned long long)m.alerts_fired, (unsigned long long)m.alerts_resolved,
			 (unsigned long long)m.notifications_sent, (unsigned long long)m.notifications_dropped,
			 (unsigned long long)m.sink_failures);
}

int cmd_serve(int argc, char **argv)
{
	struct serve s = { 0 };
	int rc = parse_options(&s, argc, argv);

	if (rc >= 0)
		return rc;
	if (load(&s))
		return EXIT_ERROR;
	catch_signals();
	metrics__set(&s.metrics, start_time_s, clock__realtime_ns() / 1000000000ULL);
	metrics__set(&s.metrics, config_last_reload_ok, 1);
	rc = EXIT_ERROR;
	if (!check_exposure(&s) && !prepare_token(&s) && !read_tls(&s) && !open_store(&s) &&
	    !session_key(&s) && !start_alerting(&s) && !start_server(&s)) {
		run(&s);
		rc = EXIT_OK;
	}
	server__stop(s.srv);
	alerts__stop(s.alerts);
	cfgref__put(s.alerting);
	if (rc == EXIT_OK)
		log_totals(&s);
	store__close(s.store);
	cmd__free_secret(s.cert);
	cmd__free_secret(s.key);
	cmd__free_secret(s.client_ca);
	cmd__free_secret(s.dsn);
	explicit_bzero(&s.session_key, sizeof(s.session_key));
	collector_config__free(&s.cfg);
	return rc;
}
