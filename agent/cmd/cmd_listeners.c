// SPDX-License-Identifier: Apache-2.0
/*
 * `leakwatch listeners`: a one-shot audit of the listeners on this host, for
 * bare-metal hosts and cron. Exposed data services are probed for access
 * without credentials first (unless --no-probe). Exit 1 when a listener is
 * publicly reachable and not on the expected list, or answers without
 * credentials on a private address and is not expected.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "data/grow.h"
#include "os/clock.h"
#include "exposure/natmap.h"
#include "listeners/verify.h"
#include "settings/config.h"
#include "delivery/encode.h"
#include "attrib/host.h"
#include "attrib/hostfs.h"
#include "network/ifcache.h"
#include "listeners/inventory.h"
#include "os/log.h"
#include "listeners/report.h"
#include "attrib/procinfo.h"
#include "detect/scanner.h"
#include "listeners/socktab.h"

struct audit {
	struct socktab *seen;
	struct lw_listener *found;
	size_t n, cap;
	int err;
};

static int collect(struct lw_listener *l, void *ctx)
{
	struct audit *au = ctx;

	/* SO_REUSEPORT workers: one row per endpoint */
	if (socktab__add(au->seen, l) != 1)
		return 0;
	if (grow__reserve((void **)&au->found, &au->cap, au->n + 1, sizeof(*au->found), 64))
		return au->err = -1;
	au->found[au->n++] = *l;
	return 0;
}

static void print_json(const struct lw_host *host, const struct lw_listener *l)
{
	struct lw_encoded enc;

	if (encode__listener(host, l, LW_ENCODE_JSON, &enc)) {
		log_error("out of memory");
		return;
	}
	printf("%s\n", enc.json);
	encode__release(&enc);
}

static bool same_endpoint(const struct lw_listener *a, const struct lw_listener *b)
{
	return a->netns_ino == b->netns_ino && a->protocol == b->protocol && a->port == b->port &&
	       addr__equal(&a->addr, &b->addr);
}

static void on_verdict(void *ctx, const struct lw_listener *endpoint, const struct lw_auth *auth)
{
	struct audit *au = ctx;

	for (size_t i = 0; i < au->n; i++)
		if (same_endpoint(&au->found[i], endpoint))
			listener__take_auth(&au->found[i], auth);
}

/* Every listener that qualifies, probed at probe.concurrency, before the report. */
static int probe_all(const struct lw_config *cfg, struct audit *au)
{
	struct verify_policy policy = config__verify_policy(cfg);
	struct verify *v = verify__new(&policy);

	if (!v)
		return -1;
	for (size_t i = 0; i < au->n; i++) {
		struct lw_listener *l = &au->found[i];

		if (verify__plan(v, l, VERIFY_OPENED, clock__monotonic_ms()) == VERIFY_SET) {
			struct lw_auth now = l->auth;

			listener__take_auth(l, &now);
		}
	}
	verify__wait(v);
	verify__collect(v, on_verdict, au, clock__monotonic_ms());
	verify__free(v);
	return 0;
}

static int by_severity(const void *pa, const void *pb)
{
	const struct lw_listener *a = pa, *b = pb;

	if (a->severity != b->severity)
		return (int)b->severity - (int)a->severity;
	if (a->exposure.level != b->exposure.level)
		return (int)b->exposure.level - (int)a->exposure.level;
	return (int)a->port - (int)b->port;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: leakwatch listeners [--format json|table] [--wide] [--no-probe] [--config FILE]\n"
		   "                           [--host-root DIR]\n"
		   "  --wide       the table with the network namespace and the container (wider than 100)\n"
		   "  --no-probe   do not probe exposed data services for access without credentials\n"
		   "exit status: 0 nothing exposed, 1 a listener is public and unexpected, or answers\n"
		   "without credentials on a private address and is not expected; 2 error\n");
}

/*
 * Every listener on the host, judged, one per endpoint, into au; the
 * command lines scrubbed of anything the scanner knows as a secret.
 */
static int audit(const struct lw_config *cfg, struct audit *au, struct inventory_stats *inv)
{
	struct listener_policy policy = config__listener_policy(cfg);
	struct ifcache *ifc = ifcache__new(cfg->address_refresh_ms);
	struct procinfo *procs = procinfo__new();
	struct natmap *nat = cfg->nat_refresh_ms ? natmap__new() : NULL;
	struct scanner *scanner = NULL;
	char err[512];
	int rc = -1;

	if (scanner__new(cfg->user_rules, cfg->n_user_rules, &scanner, err, sizeof(err)))
		log_warn("scanner: %s; command lines are only flag-redacted", err);
	au->seen = socktab__new();
	if (!ifc || !au->seen || !procs) {
		log_error("out of memory");
		goto out;
	}
	procinfo__set_scrubber(procs, scanner);
	policy.ignore = cfg->ignore;
	/* a listener a DNAT rule publishes takes the rule's exposure */
	if (nat) {
		natmap__refresh(nat, cfg->class_rules, cfg->n_class_rules, ifc);
		policy.nat = nat;
	}
	if (inventory__collect(&policy, ifc, procs, collect, au, inv) || au->err) {
		log_error("cannot list sockets (run as root, or with CAP_SYS_ADMIN and CAP_SYS_PTRACE)");
		goto out;
	}
	rc = 0;
out:
	natmap__free(nat);
	ifcache__free(ifc);
	procinfo__free(procs);
	scanner__free(scanner);
	return rc;
}

/* The findings, most severe first; whether one is alarming (listener__alarming). */
static bool print(struct audit *au, bool table, bool wide)
{
	bool exposed = false, port_only = false;
	struct lw_host host;

	qsort(au->found, au->n, sizeof(*au->found), by_severity);
	host__read(&host);
	if (table)
		report__listener_table_header(stdout, wide);
	for (size_t i = 0; i < au->n; i++) {
		if (table)
			port_only |= report__listener_table_row(stdout, &au->found[i], wide);
		else
			print_json(&host, &au->found[i]);
		exposed |= listener__alarming(&au->found[i]);
	}
	if (table)
		report__listener_table_legend(stdout, port_only);
	return exposed;
}

int cmd_listeners(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "host-root", required_argument, NULL, 'R' },
		{ "no-probe", no_argument, NULL, 'P' },
		{ "wide", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *config_file = LW_DEFAULT_CONFIG, *format = "table";
	bool config_given = false, exposed, probe = true, wide = false;
	struct audit au = { 0 };
	struct inventory_stats inv = { 0 };
	struct lw_config cfg;
	int c, rc = LW_EXIT_ERROR;

	log__setup(LW_LOG_WARN, LW_LOG_TEXT);
	while ((c = getopt_long(argc, argv, "c:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_file = optarg; config_given = true; break;
		case 'f': format = optarg; break;
		case 'R': hostfs__set_root(optarg); break;
		case 'P': probe = false; break;
		case 'w': wide = true; break;
		case 'h': usage(stdout); return LW_EXIT_OK;
		default: usage(stderr); return LW_EXIT_ERROR;
		}
	}
	if (strcmp(format, "json") && strcmp(format, "table")) {
		fprintf(stderr, "leakwatch: listeners: --format: expected table or json, not \"%s\"\n", format);
		return LW_EXIT_ERROR;
	}
	if (optind != argc) {
		usage(stderr);
		return LW_EXIT_ERROR;
	}
	if (cmd__load_config(&cfg, config_file, config_given))
		return LW_EXIT_ERROR;
	if (cfg.log.format_set)
		log__setup(LW_LOG_WARN, cfg.log.format);
	if (!audit(&cfg, &au, &inv)) {
		if (probe && cfg.probe_enabled && probe_all(&cfg, &au))
			log_warn("cannot start the probe threads; listeners are not probed");
		exposed = print(&au, !strcmp(format, "table"), wide);
		if (inv.namespaces_failed)
			log_warn("%zu network namespaces could not be read", inv.namespaces_failed);
		rc = fflush(stdout) ? LW_EXIT_ERROR : exposed ? LW_EXIT_FOUND : LW_EXIT_OK;
	}
	inventory_stats__free(&inv);
	free(au.found);
	socktab__free(au.seen);
	config__free(&cfg);
	return rc;
}
