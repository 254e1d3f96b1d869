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

#include "addr.h"
#include "log.h"
#include "leaks/watch.h"
#include "listeners/listener.h"

struct lw_user_rule; /* detect/rules.h */

#define LW_DEFAULT_CONFIG "/etc/leakwatch/leakwatch.yaml"
#define LW_DEFAULT_STATE_DIR "/var/lib/leakwatch"
#define LW_DEFAULT_METRICS_LISTEN "127.0.0.1:9464"

struct lw_config {
	struct lw_log_settings log;   /* log.level, log.format */

	uint64_t health_interval_ms;  /* agent.health_interval */
	uint64_t ringbuf_bytes;       /* agent.ringbuf_size */

	/* exposure.internal_cidrs and exposure.public_cidrs, as one rule list */
	struct lw_class_rule *class_rules;
	size_t n_class_rules;
	uint64_t address_refresh_ms;  /* exposure.address_refresh */
	struct lw_expected *expected; /* exposure.expected */
	size_t n_expected;

	/* rules: the operator's own secret patterns, added to the built-in ones */
	struct lw_user_rule *user_rules;
	size_t n_user_rules;

	char *state_dir;              /* state_dir: key, spool */

	bool capture_enabled;         /* capture.enabled: scan log writes */
	uint64_t capture_max_bytes;   /* capture.max_bytes per syscall */
	uint64_t capture_ringbuf_bytes; /* capture.ringbuf_size */
	struct watch_set watch;       /* watch.defaults, watch.paths, watch.exclude */

	uint64_t coalesce_delay_ms;   /* leaks.coalesce_delay */
	uint64_t coalesce_window_ms;  /* leaks.coalesce_window */
	char *fingerprint_key_file;   /* leaks.fingerprint_key; NULL: <state_dir>/fingerprint.key */
	uint64_t max_streams;         /* leaks.max_open_files */

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

	bool metrics_enabled;         /* metrics.enabled */
	char *metrics_listen;         /* metrics.listen; NULL: 127.0.0.1:9464 */
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

/* What the exposure: section says about listeners, as listener__judge takes it. */
static inline struct listener_policy config__listener_policy(const struct lw_config *cfg)
{
	return (struct listener_policy){ cfg->class_rules, cfg->n_class_rules, cfg->expected, cfg->n_expected };
}

#endif
