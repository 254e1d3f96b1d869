// SPDX-License-Identifier: Apache-2.0
/*
 * `leakwatch run`: the agent. Loads the programs, reports the listeners that
 * already exist, then every listener opened or closed and every credential
 * written to a log, one JSON line each. SIGHUP reloads the configuration;
 * SIGINT and SIGTERM drain, flush and exit 0.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "os/clock.h"
#include "attrib/hostfs.h"
#include "leaks/secret.h"
#include "listeners/inventory.h"
#include "exposure/natmap.h"
#include "network/addrwatch.h"
#include "os/log.h"
#include "os/privdir.h"
#include "core/probing.h"
#include "core/reload.h"
#include "core/runtime.h"
#include "journal/sdapi.h"

#define POLL_MS 100 /* also bounds how long captured bytes wait in the ring (write.bpf.c) */
#define STATUS_EVERY_MS 1000

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

static int setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* no SA_RESTART: the ring buffer poll must return to see the flags */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) || sigaction(SIGHUP, &sa, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: leakwatch run [--config FILE] [--format json|text] [--log-format json|text]\n"
		   "                     [--host-root DIR]\n"
		   "  --format   events on stdout as JSON lines, or as lines a person reads (health only\n"
		   "             when it reports drops); default text on a terminal, json otherwise\n"
		   "  SIGHUP reloads FILE; SIGINT or SIGTERM stops (exit 0)\n");
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
	procinfo__set_scrubber(a->procs, a->scanner);
	return 0;
}

static int start_leaks(struct agent *a)
{
	struct leaks_opts o;

	runtime__leaks_opts(a, &o);
	return leaks__new(&o, &a->leaks);
}

/* The systemd journal, where there is one: a second source of leaks. */
static void start_journal(struct agent *a)
{
	const char *dir = a->cfg.journal_directory;
	struct journal_opts o;
	char why[320];
	int err;

	if (!a->cfg.journal_enabled || !a->leaks)
		return;
	if (sdapi__load(why, sizeof(why))) {
		if (a->cfg.journal_enabled_set)
			log_warn("journal.enabled is set, but %s; not followed", why);
		else
			log_info("no libsystemd on this host (%s): the journal is not followed", why);
		return;
	}
	runtime__journal_opts(a, &o);
	err = journal__open(&o, &a->journal);
	if (err == -ENOENT && !a->cfg.journal_enabled_set) {
		log_info("no systemd journal on this host: not followed");
		return;
	}
	if (err) {
		log_warn("journal.enabled is set, but the journal%s%s cannot be opened: %s; not followed",
			 dir ? " in " : "", dir ? dir : "", err == -ENOENT ? "no such directory" : strerror(-err));
		return;
	}
	log_info("following the systemd journal%s%s", dir ? " in " : "", dir ? dir : "");
}

static int start_status(struct agent *a)
{
	char err[512];

	if (!a->cfg.metrics_enabled)
		return 0;
	if (statusd__start(config__metrics_listen(&a->cfg), &a->status, err, sizeof(err))) {
		log_error("%s", err);
		return -EADDRINUSE;
	}
	snprintf(err, sizeof(err), "\"listen\":\"%s\",\"port\":%u", config__metrics_listen(&a->cfg),
		 statusd__port(a->status));
	log__fields(LW_LOG_INFO, "metrics and health on /metrics, /healthz, /livez", err);
	return 0;
}

/* The listeners that already exist, and those that closed while the agent was not running. */
static void take_inventory(struct agent *a)
{
	struct listener_policy policy;
	struct inventory_stats inv;
	uint64_t start_ns;

	/* Attached first, then the inventory: a listener opening in between is
	 * seen by both, and the socket table reports it once. */
	start_ns = clock__realtime_ns();
	/* the DNAT rules first: an inventoried listener may be published by one */
	runtime__watch_nat(a, clock__monotonic_ms());
	policy = runtime__listener_policy(a);
	if (inventory__collect(&policy, a->ifc, a->procs, runtime__on_inventory, a, &inv))
		log_warn("start-up inventory incomplete");
	log_info("start-up inventory: %zu listeners in %zu network namespaces (%zu unreadable)",
		 socktab__count(a->socks), inv.namespaces, inv.namespaces_failed);
	if (a->udp_untracked)
		log_warn("%" PRIu64 " UDP listener(s) found at start-up cannot be tracked to their close "
			 "(the kernel's table is full)", a->udp_untracked);
	runtime__reconcile_listeners(a, &inv, start_ns);
	inventory_stats__free(&inv);
}

/* Everything up to the first poll. */
static int start(struct agent *a)
{
	struct loader_opts lopts;
	struct delivery_opts dopts;
	struct verify_policy vp;
	char spool_dir[512], msg[600];
	int err;

	a->started_ms = clock__monotonic_ms();
	a->started_s = clock__realtime_ns() / 1000000000ULL;
	/* the key and the spool live here; private to the agent */
	err = privdir__ensure(config__state_dir(&a->cfg), "state_dir", msg, sizeof(msg));
	if (err) {
		log_error("%s", msg);
		return err;
	}
	host__read(&a->host);
	runtime__delivery_opts(a, spool_dir, sizeof(spool_dir), &dopts);
	if (start_status(a) || delivery__open(&dopts, &a->delivery))
		return -EINVAL;
	a->ifc = ifcache__new(a->cfg.address_refresh_ms);
	if (a->cfg.nat_refresh_ms && !(a->nat = natmap__new())) {
		log_error("out of memory");
		return -ENOMEM;
	}
	/* without it (no epoll), addresses are read again every address_refresh */
	if (!(a->addrs = addrwatch__new()))
		log_warn("address changes are not watched: %s; addresses are read again every "
			 "address_refresh", strerror(errno));
	a->socks = socktab__new();
	a->procs = procinfo__new();
	if (!a->ifc || !a->socks || !a->procs) {
		log_error("out of memory");
		return -ENOMEM;
	}
	if ((a->cfg.capture_enabled || a->cfg.journal_enabled) && prepare_leaks(a))
		return -EINVAL;
	lopts = (struct loader_opts){
		.ringbuf_bytes = a->cfg.ringbuf_bytes,
		.capture = a->cfg.capture_enabled,
		.capture_ringbuf_bytes = a->cfg.capture_ringbuf_bytes,
		.capture_max_bytes = (uint32_t)a->cfg.capture_max_bytes,
		.on_event = runtime__on_record,
		.ctx = a,
	};
	if (loader__start(&lopts, &a->loader))
		return -EINVAL;
	if ((loader__capturing(a->loader) || (a->scanner && a->cfg.journal_enabled)) && start_leaks(a)) {
		log_error("out of memory");
		return -ENOMEM;
	}
	/* capture is attached: what was written while we were away is next */
	if (a->leaks && loader__capturing(a->loader))
		runtime__catch_up(a);
	/* before the inventory, whose listeners are the first to probe */
	vp = config__verify_policy(&a->cfg);
	if (!(a->verify = verify__new(&vp))) {
		log_error("cannot start the probe threads");
		return -ENOMEM;
	}
	log_info("leakwatch %s attached; watching listeners%s", LW_VERSION,
		 loader__capturing(a->loader) ? " and log writes" : "");
	start_journal(a);
	take_inventory(a);
	a->ready = true;
	runtime__publish_status(a);
	return 0;
}

static int loop(struct agent *a)
{
	uint64_t next_health = clock__monotonic_ms() + a->cfg.health_interval_ms;
	uint64_t next_status = 0;

	bool backlog = false; /* journal entries wait: poll the rings without sleeping */

	while (!stop_requested) {
		int n = loader__poll(a->loader, backlog ? 0 : POLL_MS);
		uint64_t now = clock__monotonic_ms();

		if (n < 0) {
			log_error("ring buffer poll failed: %s", strerror(-n));
			return n;
		}
		if (reload_requested) {
			reload_requested = 0;
			runtime__request_reload(a);
		}
		if (runtime__reload_ready(a))
			next_health = now + a->cfg.health_interval_ms;
		if (a->journal && journal__poll(a->journal, &backlog))
			backlog = false;
		if (a->leaks)
			leaks__tick(a->leaks, now);
		probing__tick(a, now);
		/* after the coalescer reported what was due: the cursor follows it */
		if (a->journal)
			journal__tick(a->journal, now);
		delivery__tick(a->delivery, now);
		runtime__watch_addresses(a, now >= next_status);
		runtime__watch_nat(a, now);
		if (now >= next_status) {
			runtime__publish_status(a);
			runtime__save_listeners(a);
			runtime__save_offsets(a);
			next_status = now + STATUS_EVERY_MS;
		}
		if (now >= next_health) {
			runtime__report_health(a, "health");
			next_health = now + a->cfg.health_interval_ms;
		}
	}
	/* what is queued in the kernel, what streams and the coalescer hold */
	loader__drain(a->loader);
	if (a->leaks)
		leaks__flush(a->leaks);
	probing__flush(a);
	runtime__save_listeners(a);
	runtime__save_offsets(a);
	runtime__report_health(a, "stopping");
	/* everything scanned is reported now: the cursor may point past it */
	journal__close(a->journal);
	a->journal = NULL;
	return 0;
}

static void stop(struct agent *a)
{
	reload__free(a->reload);
	verify__free(a->verify);
	delivery__close(a->delivery);
	statusd__stop(a->status);
	loader__stop(a->loader);
	journal__close(a->journal);
	leaks__free(a->leaks);
	procinfo__free(a->procs);
	scanner__free(a->scanner);
	socktab__free(a->socks);
	free(a->carried);
	addrwatch__free(a->addrs);
	natmap__free(a->nat);
	ifcache__free(a->ifc);
	config__free(&a->cfg);
	fflush(stdout);
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "log-format", required_argument, NULL, 'L' },
		{ "format", required_argument, NULL, 'f' },
		{ "host-root", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct agent a = { .config_file = LW_DEFAULT_CONFIG };
	const char *format = NULL;
	int c, rc = LW_EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': a.config_file = optarg; a.config_given = true; break;
		case 'L':
			if (log__parse_format(optarg, &a.log_format_override)) {
				fprintf(stderr, "leakwatch: --log-format: expected json or text\n");
				return LW_EXIT_ERROR;
			}
			a.log_format_forced = true;
			break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				fprintf(stderr, "leakwatch: run: --format: expected json or text, not \"%s\"\n", optarg);
				return LW_EXIT_ERROR;
			}
			format = optarg;
			break;
		case 'R': hostfs__set_root(optarg); break;
		case 'h': usage(stdout); return LW_EXIT_OK;
		default: usage(stderr); return LW_EXIT_ERROR;
		}
	a.text_output = format ? !strcmp(format, "text") : isatty(STDOUT_FILENO);
	}
	if (optind != argc) {
		usage(stderr);
		return LW_EXIT_ERROR;
	}

	log__setup(LW_LOG_INFO, LW_LOG_TEXT);
	if (cmd__load_config(&a.cfg, a.config_file, a.config_given))
		return LW_EXIT_ERROR;
	log__setup(a.cfg.log.level, a.log_format_forced ? a.log_format_override : a.cfg.log.format);
	if (!setup_signals() && !start(&a) && !loop(&a))
		rc = LW_EXIT_OK;
	stop(&a);
	secret__thread_release(); /* the main thread's key copy: no destructor runs for it */
	return rc;
}
