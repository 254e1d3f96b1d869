// SPDX-License-Identifier: Apache-2.0
/*
 * `leakwatch run`: the agent. Loads the programs, reports the listeners that
 * already exist, then every listener opened or closed and every credential
 * written to a log, one JSON line each.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "agent.h"
#include "clock.h"
#include "config.h"
#include "delivery.h"
#include "host.h"
#include "hostfs.h"
#include "ifcache.h"
#include "inventory.h"
#include "leaks.h"
#include "leakwatch/events.h"
#include "listener.h"
#include "loader.h"
#include "log.h"
#include "encode.h"
#include "scanner.h"
#include "secret.h"
#include "socktab.h"

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct agent {
	struct lw_config cfg;
	struct ifcache *ifc;
	struct socktab *socks;
	struct loader *loader;
	struct scanner *scanner;
	struct lw_fpkey key;
	struct leaks *leaks;
	struct lw_host host;
	struct delivery *delivery;
	uint64_t started_ms;
	uint64_t opened, closed, malformed, output_errors, encode_errors;
};

static void set_verdict(void *ctx, const struct lw_file_key *key, uint32_t generation, int state)
{
	struct agent *a = ctx;

	loader__set_verdict(a->loader, key, generation, state);
}

/* An encoded finding goes to stdout as JSON, and to the collector's spool. */
static void publish(struct agent *a, int rc, struct lw_encoded *enc)
{
	if (rc) {
		a->encode_errors++;
		return;
	}
	/* spooled before printed: whatever was seen is also on disk */
	if (enc->bytes)
		delivery__append(a->delivery, enc->bytes, enc->len);
	if (enc->json && (printf("%s\n", enc->json) < 0 || fflush(stdout)))
		a->output_errors++;
	encode__release(enc);
}

static int outputs(const struct agent *a)
{
	return LW_ENCODE_JSON | (a->delivery ? LW_ENCODE_BYTES : 0);
}

static void emit_leak(void *ctx, const struct lw_leak *leak)
{
	struct agent *a = ctx;
	struct lw_encoded enc;

	publish(a, encode__leak(&a->host, leak, outputs(a), &enc), &enc);
}

static void emit(struct agent *a, const struct lw_listener *l)
{
	struct lw_encoded enc;

	publish(a, encode__listener(&a->host, l, outputs(a), &enc), &enc);
	if (l->open)
		a->opened++;
	else
		a->closed++;
}

static void on_listener(struct agent *a, const struct lw_listener_event *e)
{
	struct lw_listener l = { 0 }, opened;

	l.ts_ns = clock__boot_to_realtime_ns(e->task.ts_ns);
	l.open = e->op == LW_LISTENER_OPEN;
	l.source = "kernel";
	l.netns_ino = e->netns_ino;
	l.protocol = e->protocol;
	l.v6only = e->v6only;
	addr__from_bytes(&l.addr, e->family == 10 ? AF_INET6 : AF_INET, e->addr);
	l.port = e->port;
	l.sock_ino = e->sock_ino;
	l.proc.tgid = e->task.tgid;
	l.proc.pid = e->task.pid;
	l.proc.uid = e->task.uid;
	l.proc.cgroup_id = e->task.cgroup_id;
	memcpy(l.proc.comm, e->task.comm, sizeof(e->task.comm));
	l.proc.comm[sizeof(l.proc.comm) - 1] = '\0';

	if (l.open) {
		procinfo__enrich(&l.proc);
		listener__judge(&l, &a->cfg, a->ifc, NULL);
		if (socktab__add(a->socks, &l) == 1)
			emit(a, &l);
		return;
	}
	if (socktab__remove(a->socks, &l, &opened) == 1) {
		/* report the close with what was known at open: the holder may be gone */
		opened.open = false;
		opened.source = "kernel";
		opened.ts_ns = l.ts_ns;
		emit(a, &opened);
	}
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;
	uint32_t kind;

	if (size < sizeof(kind)) {
		a->malformed++;
		return 0;
	}
	memcpy(&kind, data, sizeof(kind));
	if (kind == LW_EVENT_LISTENER && size >= sizeof(struct lw_listener_event))
		on_listener(a, data);
	else if (kind == LW_EVENT_WRITE && a->leaks)
		leaks__on_write(a->leaks, data, size);
	else if (kind == LW_EVENT_FILE && a->leaks && size >= sizeof(struct lw_file_event))
		leaks__on_file(a->leaks, data);
	else
		a->malformed++;
	return 0;
}

static int on_inventory(struct lw_listener *l, void *ctx)
{
	struct agent *a = ctx;

	if (socktab__add(a->socks, l) == 1)
		emit(a, l);
	return 0;
}

/* Counters for the health line on stderr and the health event shipped. */
static void gather_health(struct agent *a, struct lw_health *h, struct leaks_stats *ls,
			  struct exporter_stats *ex)
{
	uint64_t drops[LW_DROP_MAX];

	memset(h, 0, sizeof(*h));
	memset(ls, 0, sizeof(*ls));
	loader__drops(a->loader, drops);
	if (a->leaks)
		leaks__stats(a->leaks, ls);
	delivery__stats(a->delivery, &h->spool, ex);
	for (int r = 0; r < LW_DROP_MAX; r++) {
		h->drop_names[h->n_drops] = loader__drop_name((enum lw_drop_reason)r);
		h->drop_counts[h->n_drops++] = drops[r];
	}
	h->drop_names[h->n_drops] = "spool_full";
	h->drop_counts[h->n_drops++] = h->spool.dropped_full;
	h->drop_names[h->n_drops] = "spool_write_error";
	h->drop_counts[h->n_drops++] = h->spool.write_errors;
	h->drop_names[h->n_drops] = "export_rejected";
	h->drop_counts[h->n_drops++] = ex->rejected;
	h->n_programs = loader__programs(a->loader, h->programs, LW_HEALTH_MAX_PROGRAMS);
	if (h->n_programs > LW_HEALTH_MAX_PROGRAMS)
		h->n_programs = LW_HEALTH_MAX_PROGRAMS;
	h->listeners_open = socktab__count(a->socks);
	h->bytes_scanned = ls->bytes_scanned;
	h->events_listener = a->opened + a->closed;
	h->events_leak = ls->reports;
	h->uptime_s = (clock__monotonic_ms() - a->started_ms) / 1000;
	h->export_batches = ex->batches;
	h->export_retries = ex->retries;
}

static void report_health(struct agent *a, const char *msg)
{
	struct exporter_stats ex;
	struct leaks_stats ls;
	struct lw_health h;
	char fields[2048];
	int n;

	gather_health(a, &h, &ls, &ex);
	if (a->delivery) {
		struct lw_encoded enc;

		publish(a, encode__health(&a->host, &h, LW_ENCODE_BYTES, &enc), &enc);
	}
	n = snprintf(fields, sizeof(fields),
		     "\"listeners\":%zu,\"events\":{\"listener_open\":%" PRIu64 ",\"listener_close\":%" PRIu64
		     ",\"leak\":%" PRIu64 "},\"capture\":{\"enabled\":%s,\"files_watched\":%" PRIu64
		     ",\"files_ignored\":%" PRIu64 ",\"open_streams\":%zu,\"chunks\":%" PRIu64
		     ",\"bytes_scanned\":%" PRIu64 ",\"matches\":%" PRIu64 ",\"truncated_writes\":%" PRIu64
		     ",\"gaps\":%" PRIu64 "},\"export\":{\"enabled\":%s,\"batches\":%" PRIu64
		     ",\"events\":%" PRIu64 ",\"retries\":%" PRIu64 ",\"last_status\":%d}"
		     ",\"spool\":{\"bytes\":%" PRIu64 ",\"records\":%" PRIu64 ",\"dropped_corrupt\":%" PRIu64
		     "},\"malformed_records\":%" PRIu64 ",\"output_errors\":%" PRIu64 ",\"drops\":{",
		     socktab__count(a->socks), a->opened, a->closed, ls.reports,
		     a->leaks ? "true" : "false", ls.files_watched, ls.files_ignored, ls.open_streams,
		     ls.chunks, ls.bytes_scanned, ls.matches, ls.truncated, ls.gaps,
		     a->delivery ? "true" : "false", ex.batches, ex.events, ex.retries, ex.last_status,
		     h.spool.bytes, h.spool.records, h.spool.dropped_corrupt,
		     a->malformed + ls.malformed, a->output_errors + a->encode_errors);
	for (size_t i = 0; i < h.n_drops && n > 0 && (size_t)n < sizeof(fields); i++)
		n += snprintf(fields + n, sizeof(fields) - (size_t)n, "%s\"%s\":%" PRIu64, i ? "," : "",
			      h.drop_names[i], h.drop_counts[i]);
	if (n > 0 && (size_t)n < sizeof(fields) - 1)
		snprintf(fields + n, sizeof(fields) - (size_t)n, "}");
	log__fields(LW_LOG_INFO, msg, fields);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: leakwatch run [--config FILE] [--log-format json|text] [--host-root DIR]\n");
}

/* The scanner and the fingerprint key: what leak detection needs before load. */
static int prepare_leaks(struct agent *a)
{
	char err[512], keybuf[512];
	const char *keyfile = config__key_file(&a->cfg, keybuf, sizeof(keybuf));

	if (secret__load_key(keyfile, true, &a->key, err, sizeof(err))) {
		log_error("fingerprint key: %s", err);
		return -EINVAL;
	}
	if (err[0])
		log_warn("fingerprint key: %s", err);
	if (scanner__new(a->cfg.user_rules, a->cfg.n_user_rules, &a->scanner, err, sizeof(err))) {
		log_error("scanner: %s", err);
		return -EINVAL;
	}
	log_info("scanner ready: %zu rules", scanner__rule_count(a->scanner));
	return 0;
}

static int start_leaks(struct agent *a)
{
	struct leaks_opts o = {
		.cfg = &a->cfg,
		.scanner = a->scanner,
		.key = &a->key,
		.set_verdict = set_verdict,
		.emit = emit_leak,
		.ctx = a,
	};

	return leaks__new(&o, &a->leaks);
}

static int setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	/* no SA_RESTART: the ring buffer poll must return to see the flag */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "log-format", required_argument, NULL, 'L' },
		{ "host-root", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *config_file = LW_DEFAULT_CONFIG, *log_format = NULL;
	bool config_given = false;
	struct loader_opts lopts;
	struct inventory_stats inv;
	struct agent a = { 0 };
	enum lw_log_format fmt;
	char err[512];
	uint64_t next_health;
	int c, rc = LW_EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_file = optarg; config_given = true; break;
		case 'L': log_format = optarg; break;
		case 'R': hostfs__set_root(optarg); break;
		case 'h': usage(stdout); return LW_EXIT_OK;
		default: usage(stderr); return LW_EXIT_ERROR;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return LW_EXIT_ERROR;
	}

	config__defaults(&a.cfg);
	if (config__load(&a.cfg, config_file, config_given, err, sizeof(err))) {
		log__setup(LW_LOG_INFO, LW_LOG_TEXT);
		log_error("config %s: %s", config_file, err);
		return LW_EXIT_ERROR;
	}
	fmt = a.cfg.log_format;
	if (log_format && log__parse_format(log_format, &fmt)) {
		fprintf(stderr, "leakwatch: --log-format: expected json or text\n");
		goto out;
	}
	log__setup(a.cfg.log_level, fmt);

	if (setup_signals())
		goto out;
	a.started_ms = clock__monotonic_ms();
	/* the key and the spool live here; private to the agent */
	if (mkdir(config__state_dir(&a.cfg), 0700) && errno != EEXIST) {
		log_error("cannot create state_dir %s: %s", config__state_dir(&a.cfg), strerror(errno));
		goto out;
	}
	host__read(&a.host);
	if (delivery__open(&a.cfg, &a.host, &a.delivery))
		goto out;
	a.ifc = ifcache__new(a.cfg.address_refresh_ms);
	a.socks = socktab__new();
	if (!a.ifc || !a.socks) {
		log_error("out of memory");
		goto out;
	}
	if (a.cfg.capture_enabled && prepare_leaks(&a))
		goto out;
	lopts = (struct loader_opts){
		.ringbuf_bytes = a.cfg.ringbuf_bytes,
		.capture = a.cfg.capture_enabled,
		.capture_ringbuf_bytes = a.cfg.capture_ringbuf_bytes,
		.capture_max_bytes = (uint32_t)a.cfg.capture_max_bytes,
		.on_event = on_event,
		.ctx = &a,
	};
	if (loader__start(&lopts, &a.loader))
		goto out;
	if (loader__capturing(a.loader) && start_leaks(&a)) {
		log_error("out of memory");
		goto out;
	}
	log_info("leakwatch %s attached; watching listeners%s", LW_VERSION,
		 a.leaks ? " and log writes" : "");

	/* Attached first, then the inventory: a listener opening in between is
	 * seen by both, and the socket table reports it once. */
	if (inventory__collect(&a.cfg, a.ifc, on_inventory, &a, &inv))
		log_warn("start-up inventory incomplete");
	log_info("start-up inventory: %zu listeners in %zu network namespaces (%zu unreadable)",
		 socktab__count(a.socks), inv.namespaces, inv.namespaces_failed);

	next_health = clock__monotonic_ms() + a.cfg.health_interval_ms;
	while (!stop_requested) {
		int n = loader__poll(a.loader, 200);

		if (n < 0) {
			log_error("ring buffer poll failed: %s", strerror(-n));
			goto out;
		}
		if (a.leaks)
			leaks__tick(a.leaks, clock__monotonic_ms());
		delivery__tick(a.delivery, clock__monotonic_ms());
		if (clock__monotonic_ms() >= next_health) {
			report_health(&a, "health");
			next_health = clock__monotonic_ms() + a.cfg.health_interval_ms;
		}
	}
	loader__drain(a.loader);
	if (a.leaks)
		leaks__flush(a.leaks);
	report_health(&a, "stopping");
	rc = LW_EXIT_OK;
out:
	delivery__close(a.delivery);
	loader__stop(a.loader);
	leaks__free(a.leaks);
	scanner__free(a.scanner);
	socktab__free(a.socks);
	ifcache__free(a.ifc);
	config__free(&a.cfg);
	fflush(stdout);
	return rc;
}
