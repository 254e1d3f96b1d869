/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The collector's configuration: every key, its default, and its checks.
 * The documented file is deploy/collector.yaml; keep the two in step.
 */
#ifndef COLLECTOR_CONFIG_H
#define COLLECTOR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"
#include "routing/alertcfg.h"
#include "access/auth.h"
#include "ingest/ingest.h"
#include "os/log.h"
#include "storage/store.h"

#define COLLECTOR_DEFAULT_CONFIG "/etc/leakwatch/collector.yaml"
#define COLLECTOR_DEFAULT_STATE_DIR "/var/lib/leakwatch-collector"
#define COLLECTOR_DEFAULT_LISTEN "127.0.0.1:4520"

struct listen_addr {
	struct lw_addr addr;
	uint16_t port; /* 0: the kernel picks one (tests) */
};

struct collector_config {
	struct lw_log_settings log;   /* log.level, log.format */

	char *state_dir;              /* NULL: COLLECTOR_DEFAULT_STATE_DIR */

	struct listen_addr listen;     /* server.listen */
	char *token_file;             /* NULL: <state_dir>/token, made on loopback */
	struct auth_cred_cfg *auth;   /* server.auth.ingest and .operator: named credentials */
	size_t n_auth;
	char *tls_cert_file;          /* server.tls.*: both or neither */
	char *tls_key_file;
	char *tls_client_ca_file;     /* mTLS: agents may present a certificate it signed */
	bool tls_client_required;     /* client_auth: required (events need a certificate) */
	uint64_t max_connections;
	uint64_t max_connections_per_ip;
	uint64_t reserve_connections; /* past max_connections: /healthz, /metrics, operators */
	uint64_t connection_timeout_ms;
	uint64_t header_timeout_ms;   /* a request's headers in by then, or closed */
	uint64_t min_body_rate;       /* bytes a second, once a body has had header_timeout */
	uint64_t threads;             /* 0: one per CPU, at most 16 */
	uint64_t session_ttl_ms;      /* server.session_ttl: a sign-in to the pages lasts this long */
	char *session_key_file;       /* server.session_key_file; NULL: the database's shared key */

	struct ingest_limits limits;  /* limits.* */
	uint64_t max_inflight;        /* limits.max_inflight: bodies held at once */

	enum db_driver db_driver;     /* storage.driver: sqlite (the default) or postgres */
	char *db_path;                /* NULL: <state_dir>/collector.db */
	char *db_dsn;                 /* postgres: storage.dsn, or storage.dsn_file's line; a secret */
	uint64_t busy_timeout_ms;
	bool sync_full;               /* storage.synchronous: full */

	uint64_t retention_ms[STORE_KIND_COUNT]; /* 0: keep forever */
	uint64_t retention_interval_ms;
	uint64_t retention_batch_rows;

	struct alertcfg alerting;     /* alerting.*: routes, sinks, timings */
};

void collector_config__defaults(struct collector_config *cfg);
void collector_config__free(struct collector_config *cfg);
/* An absent file is the defaults unless must_exist. On error cfg is unchanged
 * and err holds "key.path: reason". */
int collector_config__load(struct collector_config *cfg, const char *file, bool must_exist,
			   char *err, size_t errlen);
int collector_config__load_string(struct collector_config *cfg, const char *text, char *err,
				  size_t errlen);

/*
 * The keys the running collector took at start and a reload cannot change
 * (addresses, TLS, token, storage, limits, log format) whose value differs
 * between old and fresh: up to max names ("server.listen") into keys.
 * Returns how many differ.
 */
size_t collector_config__restart_keys(const struct collector_config *old,
				      const struct collector_config *fresh, const char **keys, size_t max);

const char *collector_config__state_dir(const struct collector_config *cfg);
const char *collector_config__db_path(const struct collector_config *cfg, char *buf, size_t len);
/* Where the database is, for store__open: the driver, SQLite's path (in
 * buf) or PostgreSQL's DSN (owned by cfg). */
void collector_config__store_where(const struct collector_config *cfg, struct store_opts *so, char *buf,
				   size_t len);
const char *collector_config__token_path(const struct collector_config *cfg, char *buf, size_t len);

/* "127.0.0.1:4520", "[::1]:4520"; -EINVAL if not an address and port. */
int listen_addr__parse(const char *s, struct listen_addr *out);
const char *listen_addr__format(const struct listen_addr *l, char *buf, size_t len);
bool listen_addr__is_loopback(const struct listen_addr *l);

#endif
