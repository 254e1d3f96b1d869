// SPDX-License-Identifier: Apache-2.0
#include "core/runtime.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "os/clock.h"
#include "config/ignore.h"
#include "wire/jsonw.h"
#include "delivery/encode.h"
#include "listeners/lastopen.h"
#include "exposure/natmap.h"
#include "network/addrwatch.h"
#include "network/netns.h"
#include "core/probing.h"
#include "core/reload.h"
#include "logfiles/offsets.h"
#include "leakwatch/events.h"
#include "os/log.h"

static void set_verdict(void *ctx, const struct lw_file_key *key, uint32_t generation, int state)
{
	struct agent *a = ctx;

	loader__set_verdict(a->loader, key, generation, state);
}

void runtime__publish(struct agent *a, int rc, struct lw_encoded *enc, bool finding)
{
	if (rc) {
		a->encode_errors++;
		return;
	}
	/* spooled before printed: whatever was seen is also on disk */
	if (enc->bytes)
		delivery__append(a->delivery, enc->bytes, enc->len, finding);
	if (enc->json && (printf("%s\n", enc->json) < 0 || fflush(stdout)))
		a->output_errors++;
	encode__release(enc);
}

static int outputs(const struct agent *a)
{
	return (a->text_output ? LW_ENCODE_TEXT : LW_ENCODE_JSON) | (a->delivery ? LW_ENCODE_BYTES : 0);
}

static void emit_leak(void *ctx, const struct lw_leak *leak)
{
	struct agent *a = ctx;
	struct lw_encoded enc;

	/* rules.disable: the operator turned the rule off; the ignore file accepted it */
	if (leak->rule && config__rule_disabled(&a->cfg, leak->rule->id))
		return;
	if (ignore__leak(a->cfg.ignore, leak->fingerprint, leak->rule ? leak->rule->id : NULL, leak->path,
			 clock__realtime_ns() / 1000000000ULL))
		return;
	if (leak->rule && (unsigned)leak->rule->severity < LW_SEVERITY_COUNT)
		a->events[LW_MK_LEAK][leak->rule->severity]++;
	runtime__publish(a, encode__leak(&a->host, leak, outputs(a), &enc), &enc, !leak->repeat);
}

void runtime__journal_opts(struct agent *a, struct journal_opts *o)
{
	*o = (struct journal_opts){
		.directory = a->cfg.journal_directory,
		.units = a->cfg.journal_units,
		.n_units = a->cfg.journal_n_units,
		.exclude_units = a->cfg.journal_exclude_units,
		.n_exclude_units = a->cfg.journal_n_exclude_units,
		.max_catchup_ms = a->cfg.journal_max_catchup_ms,
		.max_catchup_bytes = a->cfg.journal_max_catchup_bytes,
		.max_bytes = a->cfg.capture_max_bytes,
		.coalesce_delay_ms = a->cfg.coalesce_delay_ms,
		.state_dir = config__state_dir(&a->cfg),
		.scanner = a->scanner,
		.key = &a->key,
		.leaks = a->leaks,
		.procs = a->procs,
	};
}

void runtime__leaks_opts(struct agent *a, struct leaks_opts *o)
{
	*o = (struct leaks_opts){
		.watch = &a->cfg.watch,
		.max_streams = a->cfg.max_streams,
		.coalesce_delay_ms = a->cfg.coalesce_delay_ms,
		.coalesce_window_ms = a->cfg.coalesce_window_ms,
		.capture_max_bytes = a->cfg.capture_max_bytes,
		.scanner = a->scanner,
		.key = &a->key,
		.procs = a->procs,
		.set_verdict = set_verdict,
		.emit = emit_leak,
		.ctx = a,
	};
}

void runtime__delivery_opts(const struct agent *a, char *dir, size_t dirlen, struct delivery_opts *o)
{
	const struct lw_config *cfg = &a->cfg;

	*o = (struct delivery_opts){
		.spool = {
			.dir = config__spool_dir(cfg, dir, dirlen),
			.max_bytes = cfg->spool_max_bytes,
			.segment_bytes = cfg->spool_segment_bytes,
		},
		.exporter = {
			.url = cfg->collector_url,
			.token_file = cfg->collector_token_file,
			.ca_file = cfg->collector_ca_file,
			.client_cert = cfg->collector_client_cert,
			.client_key = cfg->collector_client_key,
			.agent_id = a->host.agent_id,
			.batch_max = cfg->collector_batch_max,
			.flush_ms = cfg->collector_flush_ms,
			.timeout_ms = cfg->collector_timeout_ms,
			.max_backoff_ms = cfg->collector_max_backoff_ms,
		},
		.sync_ms = cfg->spool_sync_ms,
	};
}

void runtime__emit_listener(struct agent *a, const struct lw_listener *l)
{
	struct lw_encoded enc;

	runtime__publish(a, encode__listener(&a->host, l, outputs(a), &enc), &enc, true);
	a->listeners_dirty = true;
	if ((unsigned)l->severity < LW_SEVERITY_COUNT)
		a->events[LW_MK_LISTENER][l->severity]++;
	if (l->verified)
		a->verified++;
	else if (l->open)
		a->opened++;
	else
		a->closed++;
}

static void emit(struct agent *a, const struct lw_listener *l)
{
	runtime__emit_listener(a, l);
}

struct listener_policy runtime__listener_policy(const struct agent *a)
{
	struct listener_policy p = config__listener_policy(&a->cfg);

	p.nat = a->nat;
	p.ignore = a->cfg.ignore;
	return p;
}

/* Its namespace's address changes re-judge it; failures fall back to address_refresh. */
static void watch_namespace(struct agent *a, const struct lw_listener *l)
{
	if (a->addrs)
		(void)addrwatch__watch(a->addrs, l->netns_ino, l->proc.tgid);
}

static void on_listener(struct agent *a, const struct lw_listener_event *e)
{
	struct listener_policy policy = runtime__listener_policy(a);
	struct lw_listener l = { 0 }, opened;

	l.ts_ns = clock__boot_to_realtime_ns(e->task.ts_ns);
	l.open = e->op == LW_LISTENER_OPEN;
	l.source = "kernel";
	l.netns_ino = e->netns_ino;
	l.netns_cookie = e->netns_cookie;
	l.protocol = e->protocol;
	l.v6only = e->v6only;
	addr__from_bytes(&l.addr, e->family == LW_AF_INET6 ? AF_INET6 : AF_INET, e->addr);
	l.port = e->port;
	l.sock_ino = e->sock_ino;
	procinfo__from_task(&l.proc, &e->task);

	if (l.open) {
		procinfo__enrich(a->procs, &l.proc);
		netns__name(l.netns_ino, l.netns_name, sizeof(l.netns_name));
		listener__judge(&l, &policy, a->ifc, NULL);
		if (socktab__add(a->socks, &l) == 1) {
			watch_namespace(a, &l);
			probing__opened(a, socktab__find(a->socks, &l));
		}
		return;
	}
	if (socktab__remove(a->socks, &l, &opened) == 1) {
		probing__closed(a, &opened);
		/* report the close with what was known at open: the holder may be gone */
		opened.open = false;
		opened.source = "kernel";
		opened.ts_ns = l.ts_ns;
		emit(a, &opened);
	}
}

int runtime__on_record(void *ctx, void *data, size_t size)
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
	else if (kind == LW_EVENT_SPAN && a->leaks && size >= sizeof(struct lw_span_event))
		leaks__on_span(a->leaks, data);
	else
		a->malformed++;
	return 0;
}

static const char *listeners_path(const struct agent *a, char *buf, size_t len)
{
	snprintf(buf, len, "%s/listeners.tsv", config__state_dir(&a->cfg));
	return buf;
}

/*
 * Whether l's network namespace still exists: a process is in it or it is
 * pinned under /run/netns. Only a search that ran and found nothing says no.
 */
static bool namespace_exists(const struct lw_listener *l)
{
	char path[LW_NETNS_PATH_LEN];

	return netns__find(l->netns_ino, l->proc.tgid, path) != -ENOENT;
}

void runtime__reconcile_listeners(struct agent *a, const struct inventory_stats *inv,
				  uint64_t inventory_start_ns)
{
	struct lastopen lo;
	char path[4096];
	size_t closed = 0;
	bool same_boot;
	uint64_t ts;
	int err;

	listeners_path(a, path, sizeof(path));
	err = lastopen__load(path, &lo);
	if (err == -EINVAL) {
		log_warn("%s is not a list of open listeners; it is replaced", path);
	} else if (err) {
		/* not overwritten either: a later start may read it */
		log_warn("cannot read %s: %s; listeners that closed while the agent was not running "
			 "are not reported, and the file is left as it is", path, strerror(-err));
		a->listeners_save_disabled = true;
		return;
	}
	if (lo.skipped)
		log_warn("%s: %zu damaged line(s) skipped", path, lo.skipped);
	same_boot = !strcmp(lo.boot_id, a->host.boot_id);
	a->carried = lo.n ? calloc(lo.n, sizeof(*a->carried)) : NULL;
	/* as of the inventory's start, which came after every one of them, and
	 * after the saved open even when the clock went back across a reboot */
	ts = inventory_start_ns > lo.saved_ns ? inventory_start_ns : lo.saved_ns + 1;
	for (size_t i = 0; i < lo.n; i++) {
		struct lw_listener *l = &lo.l[i];

		if (socktab__has(a->socks, l))
			continue;
		/* a namespace the inventory could not read would look closed: kept
		 * for the next start, unless the host rebooted or the namespace is
		 * gone, and took the socket with it */
		if (same_boot && !inventory_stats__read(inv, l->netns_ino) && namespace_exists(l)) {
			if (a->carried)
				a->carried[a->n_carried++] = *l;
			continue;
		}
		l->ts_ns = ts;
		emit(a, l);
		closed++;
	}
	if (closed)
		log_info("%zu listener(s) closed while the agent was not running", closed);
	if (a->n_carried)
		log_warn("%zu listener(s) saved as open are in network namespaces the inventory could not "
			 "read: kept, and judged at the next start", a->n_carried);
	lastopen__free(&lo);
	a->listeners_dirty = true;
	runtime__save_listeners(a);
}

static const char *offsets_path(const struct agent *a, char *buf, size_t len)
{
	snprintf(buf, len, "%s/offsets.tsv", config__state_dir(&a->cfg));
	return buf;
}

void runtime__catch_up(struct agent *a)
{
	char path[4096];
	size_t skipped = 0;
	int err;

	err = offsets__load(leaks__offsets(a->leaks), offsets_path(a, path, sizeof(path)), &skipped);
	if (err)
		log_warn("%s: %s; nothing written while not running is caught up", path, strerror(-err));
	if (skipped)
		log_warn("%s: %zu damaged line(s) skipped", path, skipped);
	catchup__run(a->leaks, a->cfg.catchup_max_bytes, &a->catchup);
}

void runtime__save_offsets(struct agent *a)
{
	char path[4096];
	int err;

	if (!a->leaks)
		return;
	err = offsets__save(leaks__offsets(a->leaks), offsets_path(a, path, sizeof(path)));
	if (err && !a->offsets_save_failed)
		log_warn("cannot save %s: %s; a restart will not catch up on what it missed", path,
			 strerror(-err));
	a->offsets_save_failed = err != 0;
}

void runtime__save_listeners(struct agent *a)
{
	char path[4096];
	int err;

	if (!a->listeners_dirty || a->listeners_save_disabled)
		return;
	err = lastopen__save(listeners_path(a, path, sizeof(path)), a->host.boot_id, clock__realtime_ns(),
			     a->socks, a->carried, a->n_carried);
	if (err) {
		if (!a->listeners_save_failed)
			log_warn("cannot save the open listeners to %s: %s; a listener that closes while "
				 "the agent is stopped may stay open at the collector", path, strerror(-err));
		a->listeners_save_failed = true;
		return;
	}
	if (a->listeners_save_failed)
		log_info("open listeners saved to %s again", path);
	a->listeners_save_failed = false;
	a->listeners_dirty = false;
}

int runtime__on_inventory(struct lw_listener *l, void *ctx)
{
	struct agent *a = ctx;

	/* its release closes it, as for a bind the kernel reported */
	if (l->protocol == IPPROTO_UDP && l->sock_ino && loader__track_udp(a->loader, l->sock_ino))
		a->udp_untracked++;
	if (socktab__add(a->socks, l) == 1) {
		watch_namespace(a, l);
		probing__opened(a, socktab__find(a->socks, l));
	}
	return 0;
}

/* Counters for the health line on stderr and the health event shipped. */
static void warn_restart_only(const struct lw_config *old, const struct lw_config *fresh)
{
#define CHANGED_STR(a, b) ((a) != (b) && (!(a) || !(b) || strcmp((a), (b))))
	const char *which = NULL;

	if (old->capture_enabled != fresh->capture_enabled || old->capture_max_bytes != fresh->capture_max_bytes ||
	    old->capture_ringbuf_bytes != fresh->capture_ringbuf_bytes || old->ringbuf_bytes != fresh->ringbuf_bytes)
		which = "capture and ring buffer settings";
	else if (CHANGED_STR(old->state_dir, fresh->state_dir) ||
		 CHANGED_STR(old->fingerprint_key_file, fresh->fingerprint_key_file) ||
		 old->max_streams != fresh->max_streams)
		which = "state_dir, leaks.fingerprint_key and leaks.max_open_files";
	else if (CHANGED_STR(old->collector_url, fresh->collector_url) ||
		 CHANGED_STR(old->collector_token_file, fresh->collector_token_file) ||
		 CHANGED_STR(old->spool_dir, fresh->spool_dir) || old->spool_max_bytes != fresh->spool_max_bytes)
		which = "collector and spool settings";
	else if (old->metrics_enabled != fresh->metrics_enabled ||
		 CHANGED_STR(old->metrics_listen, fresh->metrics_listen))
		which = "metrics settings";
	else if (old->probe_concurrency != fresh->probe_concurrency)
		which = "probe.concurrency";
	else if (old->journal_enabled != fresh->journal_enabled ||
		 CHANGED_STR(old->journal_directory, fresh->journal_directory))
		which = "journal.enabled and journal.directory";
	if (which)
		log_warn("config reload: %s take effect at the next restart", which);
#undef CHANGED_STR
}

static void apply_reload(struct agent *a, struct lw_config fresh, struct scanner *scanner);

void runtime__request_reload(struct agent *a)
{
	if (!a->reload)
		a->reload = reload__new(a->config_file, a->config_given, a->leaks != NULL);
	if (!a->reload) {
		log_error("config reload: out of memory; the current configuration stays");
		a->reload_failures++;
		return;
	}
	reload__request(a->reload);
}

bool runtime__reload_ready(struct agent *a)
{
	struct reload_result res;

	if (!a->reload || !reload__poll(a->reload, &res))
		return false;
	if (!res.ok) {
		log_error("config reload rejected, the current configuration stays: %s: %s", a->config_file, res.err);
		a->reload_failures++;
		return true;
	}
	apply_reload(a, res.cfg, res.scanner);
	return true;
}

/* Swaps a prepared configuration and rule set in; runs on the main loop. */
static void apply_reload(struct agent *a, struct lw_config fresh, struct scanner *scanner)
{
	warn_restart_only(&a->cfg, &fresh);
	config__free(&a->cfg);
	a->cfg = fresh;

	log__setup(a->cfg.log.level, a->log_format_forced ? a->log_format_override : a->cfg.log.format);
	ifcache__set_ttl(a->ifc, a->cfg.address_refresh_ms);
	if (a->leaks) {
		struct scanner *old = a->scanner;
		struct leaks_opts o;

		/* streams report what they hold with the old rules, then every file
		 * is judged again against the new watch set */
		a->scanner = scanner;
		runtime__leaks_opts(a, &o);
		leaks__reconfigure(a->leaks, &o);
		procinfo__set_scrubber(a->procs, scanner);
		if (a->journal) {
			struct journal_opts jo;

			runtime__journal_opts(a, &jo);
			journal__reconfigure(a->journal, &jo);
		}
		scanner__free(old);
		loader__clear_verdicts(a->loader);
	}
	if (a->verify) {
		struct verify_policy vp = config__verify_policy(&a->cfg);

		verify__configure(a->verify, &vp);
	}
	/* the ranges that classify what rules publish may have changed */
	runtime__refresh_nat(a);
	runtime__rejudge_all(a, "reload");
	a->reloads++;
	log_info("config reloaded from %s", a->config_file);
}
