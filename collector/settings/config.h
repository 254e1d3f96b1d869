/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The collector's configuration: every key, its default, and its checks.
 * The documented file is deploy/collector.yaml; keep the two in step.
 */
#ifndef LWC_CONFIG_H
#define LWC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "alerting/alertcfg.h"
#include "server/ingest.h"
#include "log.h"
#include "storage/store.h"

#define LWC_DEFAULT_CONFIG "/etc/leakwatch/collector.yaml"
#define LWC_DEFAULT_STATE_DIR "/var/lib/leakwatch-collector"
#define LWC_DEFAULT_LISTEN "127.0.0.1:4520"

struct lwc_listen {
	struct lw_addr addr;
	uint16_t port; /* 0: the kernel picks one (tests) */
};

struct lwc_config {
	enum lw_log_level log_level;
	enum lw_log_format log_format;
	bool log_format_set;          /* else the command picks */

	char *state_dir;              /* NULL: LWC_DEFAULT_STATE_DIR */

	struct lwc_listen listen;     /* server.listen */
	char *token_file;             /* NULL: <state_dir>/token, made on loopback */
	char *tls_cert_file;          /* server.tls.*: both or neither */
	char *tls_key_file;
	uint64_t max_connections;
	uint64_t max_connections_per_ip;
	uint64_t connection_timeout_ms;
	uint64_t threads;             /* 0: one per CPU, at most 16 */

	struct ingest_limits limits;  /* limits.* */
	uint64_t max_inflight;        /* limits.max_inflight: bodies held at once */

	char *db_path;                /* NULL: <state_dir>/collector.db */
	uint64_t busy_timeout_ms;
	bool sync_full;               /* storage.synchronous: full */

	uint64_t retention_ms[STORE_KIND_COUNT]; /* 0: keep forever */
	uint64_t retention_interval_ms;
	uint64_t retention_batch_rows;

	struct alertcfg alerting;     /* alerting.*: routes, sinks, timings */
};

void lwc_config__defaults(struct lwc_config *cfg);
void lwc_config__free(struct lwc_config *cfg);
/* An absent file is the defaults unless must_exist. On error cfg is unchanged
 * and err holds "key.path: reason". */
int lwc_config__load(struct lwc_config *cfg, const char *file, bool must_exist, char *err,
		     size_t errlen);
int lwc_config__load_string(struct lwc_config *cfg, const char *text, char *err, size_t errlen);

/*
 * The keys the running collector took at start and a reload cannot change
 * (addresses, TLS, token, storage, limits, log format) whose value differs
 * between old and fresh: up to max names ("server.listen") into keys.
 * Returns how many differ.
 */
size_t lwc_config__restart_keys(const struct lwc_config *old, const struct lwc_config *fresh,
				const char **keys, size_t max);

const char *lwc_config__state_dir(const struct lwc_config *cfg);
const char *lwc_config__db_path(const struct lwc_config *cfg, char *buf, size_t len);
const char *lwc_config__token_path(const struct lwc_config *cfg, char *buf, size_t len);

/* "127.0.0.1:4520", "[::1]:4520"; -EINVAL if not an address and port. */
int lwc_listen__parse(const char *s, struct lwc_listen *out);
const char *lwc_listen__format(const struct lwc_listen *l, char *buf, size_t len);
bool lwc_listen__is_loopback(const struct lwc_listen *l);

#endif
