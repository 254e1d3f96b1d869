/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The running agent (`leakwatch run`): its parts, what it does with each
 * kernel record, how it reports its own health and metrics, and how it
 * takes a new configuration on SIGHUP. cmd_run.c sets it up, turns the
 * loop and tears it down.
 */
#ifndef LW_RUNTIME_H
#define LW_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "settings/config.h"
#include "delivery/delivery.h"
#include "attrib/host.h"
#include "network/ifcache.h"
#include "listeners/inventory.h"
#include "journal/follow.h"
#include "leaks/leaks.h"
#include "listeners/listener.h"
#include "kernel/loader.h"
#include "core/metrics.h"
#include "detect/scanner.h"
#include "leaks/secret.h"
#include "listeners/socktab.h"
#include "listeners/verify.h"
#include "core/statusd.h"
#include "leaks/catchup.h"

struct agent {
	struct lw_config cfg;
	const char *config_file;
	bool config_given;         /* --config: the file must exist */
	enum lw_log_format log_format_override;
	bool log_format_forced;    /* --log-format */
	bool text_output;          /* --format text: events as lines a person reads */

	struct ifcache *ifc;
	struct addrwatch *addrs;   /* address changes of the namespaces with listeners */
	uint64_t address_rejudged; /* verdicts an address change altered */
	uint64_t udp_untracked;    /* inventoried UDP sockets whose release cannot be seen */
	struct natmap *nat;        /* the host's DNAT rules; NULL when exposure.nat_refresh is 0 */
	uint64_t next_nat_ms;      /* when they are read again */
	struct socktab *socks;
	struct loader *loader;
	struct scanner *scanner;
	struct lw_fpkey key;
	struct procinfo *procs;
	struct leaks *leaks;
	struct journal *journal;   /* NULL when the journal is not followed */
	struct lw_host host;
	struct delivery *delivery;
	struct statusd *status;
	struct verify *verify;     /* NULL when probing is off */
	size_t n_held;             /* open events waiting for their probe */
	uint64_t next_due_ms;      /* the next look for listeners due a probe */
	uint64_t probes_done, verified;

	uint64_t started_ms;
	uint64_t started_s;        /* wall clock, for metrics */
	bool ready;                /* attached, inventoried, consuming */
	uint64_t opened, closed, malformed, output_errors, encode_errors;
	uint64_t events[LW_MK_COUNT][LW_SEVERITY_COUNT];
	uint64_t reloads, reload_failures;
	struct reload *reload;     /* a SIGHUP's job; NULL before the first */
	struct catchup_stats catchup; /* what the start-up catch-up read */
	bool offsets_save_failed;  /* logged once until a save works again */
	bool listeners_dirty;       /* the open set changed since it was saved */
	bool listeners_save_failed; /* logged once until a save works again */
	bool listeners_save_disabled; /* the saved file could not be read: left alone */
	/* saved as open in namespaces the inventory could not read: saved
	 * again with the open set, for a later start to judge */
	struct lw_listener *carried;
	size_t n_carried;
};

/* Prints, spools and counts one listener event (open, close or verified). */
void runtime__emit_listener(struct agent *a, const struct lw_listener *l);
/* Loader callback: one ring buffer record. */
int runtime__on_record(void *ctx, void *data, size_t size);
/*
 * Reads the address changes of the watched namespaces and judges their
 * listeners again (source "address"); every second, stops watching
 * namespaces with no listener left. Call on every turn of the loop.
 */
void runtime__watch_addresses(struct agent *a, bool prune);
/*
 * Every exposure.nat_refresh, reads the host's DNAT rules again; when what
 * they publish changed, judges every listener again (source "nat").
 */
void runtime__watch_nat(struct agent *a, uint64_t now_ms);
/* Reads the DNAT rules now (a reload changed how their addresses classify). */
void runtime__refresh_nat(struct agent *a);
/* A listener's verdict now; reported as from source if it changed. True then. (core/rejudge.c) */
bool runtime__rejudge(struct agent *a, struct lw_listener *opened, const char *source);
void runtime__rejudge_all(struct agent *a, const char *source);
/* The listener policy of the configuration, with the DNAT rules read. */
struct listener_policy runtime__listener_policy(const struct agent *a);
/* Inventory callback: one listener found at start-up. */
int runtime__on_inventory(struct lw_listener *l, void *ctx);
/* What the leak pipeline works with, from the configuration and the agent's parts. */
void runtime__leaks_opts(struct agent *a, struct leaks_opts *o);
/* What the journal follower reads of the configuration (journal.*, and more). */
void runtime__journal_opts(struct agent *a, struct journal_opts *o);
/* Where events go, from the configuration; the spool's path may be put in dir. */
void runtime__delivery_opts(const struct agent *a, char *dir, size_t dirlen, struct delivery_opts *o);

/* The health line on stderr, and a health event for the collector. */
/* An encoded event to stdout as JSON and to the collector's spool. finding:
 * a first sighting or a listener's change, which the exporter sends without
 * waiting out its flush interval. rc: the encoder's; an error is counted. */
void runtime__publish(struct agent *a, int rc, struct lw_encoded *enc, bool finding);

/* selfreport.c */
void runtime__report_health(struct agent *a, const char *msg);
/*
 * After the start-up inventory: listeners saved as open by the previous run
 * and not found now are reported closed (source "restart", as of
 * inventory_start_ns), where the inventory read their namespace or the host
 * has rebooted since; then the open set is saved.
 */
void runtime__reconcile_listeners(struct agent *a, const struct inventory_stats *inv,
				  uint64_t inventory_start_ns);
/* Saves the open listeners if they changed (state_dir/listeners.tsv). */
void runtime__save_listeners(struct agent *a);
/* Hands the status endpoint the current counters. */
void runtime__publish_status(struct agent *a);
/*
 * Re-reads the configuration: rules, the expected list, internal and public
 * ranges, watched paths, coalescing, logging. A bad file is rejected and the
 * current configuration stays. Listeners whose verdict changes are reported
 * again with source "reload".
 */
/* At start: loads how far each watched file was scanned, and scans what
 * was written since (leaks/catchup.h). */
void runtime__catch_up(struct agent *a);
/* Saves that table to state_dir/offsets.tsv when it changed. */
void runtime__save_offsets(struct agent *a);
/* SIGHUP: prepares the configuration and rules on a thread (core/reload.h). */
void runtime__request_reload(struct agent *a);
/* Each turn of the loop: applies a prepared reload; true if one finished. */
bool runtime__reload_ready(struct agent *a);

#endif
