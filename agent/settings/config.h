/* SPDX-License-Identifier: Apache-2.0 */
/*
 * leakwatch's configuration: every key, its default, and its checks.
 * The documented file is deploy/leakwatch.yaml; keep the two in step.
 */
#ifndef LW_CONFIG_H
#define LW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"
#include "os/log.h"
#include "logfiles/watch.h"
#include "listeners/listener.h"
#include "listeners/verify.h"

struct lw_user_rule; /* rules/rules.h */

#define LW_DEFAULT_CONFIG "/etc/leakwatch/leakwatch.yaml"
#define LW_DEFAULT_STATE_DIR "/var/lib/leakwatch"
#define LW_DEFAULT_METRICS_LISTEN "127.0.0.1:9464"

struct lw_config;
/*
 * Reads the ignore file (ignore_file, or path when not NULL) into
 * cfg->ignore. A missing default file is an empty set. -EINVAL, err set.
 */
int config__load_ignore(struct lw_config *cfg, const char *path, char *err, size_t errlen);
/* What an expected (or probe.exclude) entry owns. */
void config__free_expected(struct lw_expected *e);
/* Is rule id turned off (rules.disable, scan --disable-rule)? */
bool config__rule_disabled(const struct lw_config *cfg, const char *id);
/* Turns rule id off; -ENOENT when no built-in or custom rule has that id. */
int config__disable_rule(struct lw_config *cfg, const char *id);

struct lw_config {
	struct lw_log_settings log;   /* log.level, log.format */

	uint64_t health_interval_ms;  /* agent.health_interval */
	uint64_t ringbuf_bytes;       /* agent.ringbuf_size */

	/* exposure.internal_cidrs and exposure.public_cidrs, as one rule list */
	struct lw_class_rule *class_rules;
	size_t n_class_rules;
	uint64_t address_refresh_ms;  /* exposure.address_refresh */
	uint64_t nat_refresh_ms;      /* exposure.nat_refresh; 0: DNAT rules are not read */
	struct lw_expected *expected; /* exposure.expected */
	size_t n_expected;

	/* rules: the operator's own secret patterns, added to the built-in ones */
	struct lw_user_rule *user_rules;
	size_t n_user_rules;
	/* rules.disable: ids of rules, built-in or custom, whose findings are not reported */
	char **disabled_rules;
	size_t n_disabled_rules;

	char *state_dir;              /* state_dir: key, spool */
	char *ignore_file;            /* ignore_file; NULL: LW_IGNORE_DEFAULT_FILE if it exists */
	struct lw_ignore *ignore;     /* what it says, read by config__load_ignore */

	bool capture_enabled;         /* capture.enabled: scan log writes */
	uint64_t capture_max_bytes;   /* capture.max_bytes per syscall */
	uint64_t capture_ringbuf_bytes; /* capture.ringbuf_size */
	struct watch_set watch;       /* watch.defaults, watch.paths, watch.exclude */

	uint64_t coalesce_delay_ms;   /* leaks.coalesce_delay */
	uint64_t coalesce_window_ms;  /* leaks.coalesce_window */
	char *fingerprint_key_file;   /* leaks.fingerprint_key; NULL: <state_dir>/fingerprint.key */
	uint64_t max_streams;         /* leaks.max_open_files */
	uint64_t catchup_max_bytes;   /* leaks.catchup_max_bytes per file at start; 0: off */

	/* collector: where events go; no url, no export (stdout only) */
	char *collector_url;
	char *collector_token_file;
	char *collector_ca_file;
	char *collector_client_cert;
	char *collector_client_key;
	uint64_t collector_batch_max;
	uint64_t collector_flush_ms;
	uint64_t collector_timeout_ms;
	uint64_t collector_max_backoff_ms;

	/* spool: the durable queue in front of the collector */
	char *spool_dir;              /* NULL: <state_dir>/spool */
	uint64_t spool_max_bytes;
	uint64_t spool_segment_bytes;
	uint64_t spool_sync_ms;

	/* journal: the systemd journal as a leak source */
	bool journal_enabled;         /* journal.enabled */
	bool journal_enabled_set;     /* given: a missing journal is then worth a warning */
	char *journal_directory;      /* journal.directory; NULL: the host's journals */
	char **journal_units;         /* journal.units: globs; none means every unit */
	size_t journal_n_units;
	char **journal_exclude_units; /* journal.exclude_units */
	size_t journal_n_exclude_units;
	uint64_t journal_max_catchup_ms;    /* journal.max_catchup as a duration, or */
	uint64_t journal_max_catchup_bytes; /* as a size */

	bool metrics_enabled;         /* metrics.enabled */
	char *metrics_listen;         /* metrics.listen; NULL: 127.0.0.1:9464 */

	/* probe: does an exposed data service answer without credentials? */
	bool probe_enabled;           /* probe.enabled */
	char **probe_protocols;       /* probe.protocols: probe names; NULL: all */
	size_t n_probe_protocols;
	uint64_t probe_interval_ms;   /* probe.interval: again while it stays open */
	uint64_t probe_timeout_ms;    /* probe.timeout: connect, handshake, each reply */
	uint64_t probe_concurrency;   /* probe.concurrency: probes at once */
	struct lw_expected *probe_exclude; /* probe.exclude: never probed */
	size_t n_probe_exclude;
	bool probe_login;             /* probe.login_probes: PostgreSQL, MySQL, MongoDB */

};

void config__defaults(struct lw_config *cfg);
/*
 * Replaces cfg with the defaults overlaid by `file`; on error cfg is
 * untouched and err holds one line naming the key. With must_exist false a
 * missing file means the defaults.
 */
int config__load(struct lw_config *cfg, const char *file, bool must_exist, char *err, size_t errlen);
int config__load_string(struct lw_config *cfg, const char *text, char *err, size_t errlen);
/* state_dir, or its default */
const char *config__state_dir(const struct lw_config *cfg);
/* leaks.fingerprint_key, or <state_dir>/fingerprint.key */
const char *config__key_file(const struct lw_config *cfg, char *buf, size_t len);
/* metrics.listen, or its default */
const char *config__metrics_listen(const struct lw_config *cfg);
/* spool.dir, or <state_dir>/spool */
const char *config__spool_dir(const struct lw_config *cfg, char *buf, size_t len);
void config__free(struct lw_config *cfg);

/* For the section readers: one item shaped like exposure.expected, appended
 * to *list (process, port, protocol, address; at least one of them). */
struct yamlcfg;
struct yaml_node_s;
int config__listener_entry(struct yamlcfg *c, struct yaml_node_s *n, struct lw_expected **list,
			   size_t *count);

/* What the exposure: section says about listeners, as listener__judge takes it. */
static inline struct listener_policy config__listener_policy(const struct lw_config *cfg)
{
	return (struct listener_policy){ cfg->class_rules, cfg->n_class_rules, cfg->expected, cfg->n_expected };
}

/* What the probe: section says, as verify__new takes it; valid while cfg is. */
static inline struct verify_policy config__verify_policy(const struct lw_config *cfg)
{
	return (struct verify_policy){
		.enabled = cfg->probe_enabled,
		.protocols = (const char *const *)cfg->probe_protocols,
		.n_protocols = cfg->n_probe_protocols,
		.interval_ms = cfg->probe_interval_ms,
		.timeout_ms = cfg->probe_timeout_ms,
		.concurrency = (unsigned)cfg->probe_concurrency,
		.exclude = cfg->probe_exclude,
		.n_exclude = cfg->n_probe_exclude,
		.login = cfg->probe_login,
	};
}

#endif
