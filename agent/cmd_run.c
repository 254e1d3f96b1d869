// SPDX-License-Identifier: Apache-2.0
/*
 * `leakwatch run`: the agent. Loads the programs, reports the listeners that
 * already exist, then every listener opened or closed, one JSON line each.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agent.h"
#include "clock.h"
#include "config.h"
#include "hostfs.h"
#include "ifcache.h"
#include "inventory.h"
#include "leakwatch/events.h"
#include "listener.h"
#include "loader.h"
#include "log.h"
#include "report.h"
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
	uint64_t opened, closed, malformed, output_errors;
};

static void emit(struct agent *a, const struct lw_listener *l)
{
	if (report__listener_line(stdout, l))
		a->output_errors++;
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

static void log_health(struct agent *a, const char *msg)
{
	uint64_t drops[LW_DROP_MAX];
	char fields[768];
	int n;

	loader__drops(a->loader, drops);
	n = snprintf(fields, sizeof(fields),
		     "\"listeners\":%zu,\"events\":{\"listener_open\":%" PRIu64 ",\"listener_close\":%" PRIu64
		     "},\"malformed_records\":%" PRIu64 ",\"output_errors\":%" PRIu64 ",\"drops\":{",
		     socktab__count(a->socks), a->opened, a->closed, a->malformed, a->output_errors);
	for (int r = 0; r < LW_DROP_MAX && n > 0 && (size_t)n < sizeof(fields); r++)
		n += snprintf(fields + n, sizeof(fields) - (size_t)n, "%s\"%s\":%" PRIu64, r ? "," : "",
			      loader__drop_name((enum lw_drop_reason)r), drops[r]);
	if (n > 0 && (size_t)n < sizeof(fields) - 1)
		snprintf(fields + n, sizeof(fields) - (size_t)n, "}");
	log__fields(LW_LOG_INFO, msg, fields);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: leakwatch run [--config FILE] [--log-format json|text] [--host-root DIR]\n");
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
	a.ifc = ifcache__new(a.cfg.address_refresh_ms);
	a.socks = socktab__new();
	if (!a.ifc || !a.socks) {
		log_error("out of memory");
		goto out;
	}
	lopts = (struct loader_opts){ .ringbuf_bytes = a.cfg.ringbuf_bytes, .on_event = on_event, .ctx = &a };
	if (loader__start(&lopts, &a.loader))
		goto out;
	log_info("leakwatch %s attached; watching listeners", LW_VERSION);

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
		if (clock__monotonic_ms() >= next_health) {
			log_health(&a, "health");
			next_health = clock__monotonic_ms() + a.cfg.health_interval_ms;
		}
	}
	loader__drain(a.loader);
	log_health(&a, "stopping");
	rc = LW_EXIT_OK;
out:
	loader__stop(a.loader);
	socktab__free(a.socks);
	ifcache__free(a.ifc);
	config__free(&a.cfg);
	fflush(stdout);
	return rc;
}
