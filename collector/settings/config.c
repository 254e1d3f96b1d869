// SPDX-License-Identifier: Apache-2.0
#include "settings/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "yamlcfg.h"

#define CFG(c) ((struct collector_config *)(c)->target)
#define DAY_MS (24ULL * 3600 * 1000)

void collector_config__defaults(struct collector_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->log_level = LW_LOG_INFO;
	cfg->log_format = LW_LOG_JSON;
	listen_addr__parse(COLLECTOR_DEFAULT_LISTEN, &cfg->listen);
	cfg->max_connections = 256;
	cfg->max_connections_per_ip = 32;
	cfg->connection_timeout_ms = 30 * 1000;
	ingest__default_limits(&cfg->limits);
	cfg->max_inflight = 256 << 20;
	cfg->busy_timeout_ms = 5000;
	cfg->sync_full = true;
	cfg->retention_ms[STORE_LISTENER] = 30 * DAY_MS;
	cfg->retention_ms[STORE_LEAK] = 90 * DAY_MS;
	cfg->retention_ms[STORE_HEALTH] = 7 * DAY_MS;
	cfg->retention_interval_ms = 60 * 1000;
	cfg->retention_batch_rows = 1000;
	alertcfg__defaults(&cfg->alerting);
}

void collector_config__free(struct collector_config *cfg)
{
	free(cfg->state_dir);
	free(cfg->token_file);
	free(cfg->tls_cert_file);
	free(cfg->tls_key_file);
	free(cfg->db_path);
	alertcfg__free(&cfg->alerting);
	memset(cfg, 0, sizeof(*cfg));
}

const char *collector_config__state_dir(const struct collector_config *cfg)
{
	return cfg->state_dir ? cfg->state_dir : COLLECTOR_DEFAULT_STATE_DIR;
}

const char *collector_config__db_path(const struct collector_config *cfg, char *buf, size_t len)
{
	if (cfg->db_path)
		return cfg->db_path;
	snprintf(buf, len, "%s/collector.db", collector_config__state_dir(cfg));
	return buf;
}

const char *collector_config__token_path(const struct collector_config *cfg, char *buf, size_t len)
{
	if (cfg->token_file)
		return cfg->token_file;
	snprintf(buf, len, "%s/token", collector_config__state_dir(cfg));
	return buf;
}

/* --- what a reload cannot change --- */

static bool str_changed(const char *a, const char *b)
{
	return a != b && (!a || !b || strcmp(a, b));
}

size_t collector_config__restart_keys(const struct collector_config *old,
				      const struct collector_config *fresh, const char **keys, size_t max)
{
	char a[80], b[80];
	size_t n = 0;

#define DIFF(changed, key)                    \
	do {                                  \
		if (changed) {                \
			if (n < max)          \
				keys[n] = key; \
			n++;                  \
		}                             \
	} while (0)
	/* a log shipper parses one format: it does not change mid-stream */
	DIFF(old->log_format != fresh->log_format, "log.format");
	DIFF(str_changed(old->state_dir, fresh->state_dir), "state_dir");
	DIFF(strcmp(listen_addr__format(&old->listen, a, sizeof(a)),
		    listen_addr__format(&fresh->listen, b, sizeof(b))), "server.listen");
	DIFF(str_changed(old->token_file, fresh->token_file), "server.token_file");
	DIFF(str_changed(old->tls_cert_file, fresh->tls_cert_file), "server.tls.cert_file");
	DIFF(str_changed(old->tls_key_file, fresh->tls_key_file), "server.tls.key_file");
	DIFF(old->max_connections != fresh->max_connections, "server.max_connections");
	DIFF(old->max_connections_per_ip != fresh->max_connections_per_ip, "server.max_connections_per_ip");
	DIFF(old->connection_timeout_ms != fresh->connection_timeout_ms, "server.connection_timeout");
	DIFF(old->threads != fresh->threads, "server.threads");
	DIFF(old->limits.max_body != fresh->limits.max_body, "limits.max_body");
	DIFF(old->limits.max_inflated != fresh->limits.max_inflated, "limits.max_inflated");
	DIFF(old->limits.max_ratio != fresh->limits.max_ratio, "limits.max_ratio");
	DIFF(old->limits.max_events != fresh->limits.max_events, "limits.max_events");
	DIFF(old->limits.max_event_bytes != fresh->limits.max_event_bytes, "limits.max_event_size");
	DIFF(old->limits.max_decoded != fresh->limits.max_decoded, "limits.max_decoded");
	DIFF(old->max_inflight != fresh->max_inflight, "limits.max_inflight");
	DIFF(str_changed(old->db_path, fresh->db_path), "storage.path");
	DIFF(old->busy_timeout_ms != fresh->busy_timeout_ms, "storage.busy_timeout");
	DIFF(old->sync_full != fresh->sync_full, "storage.synchronous");
#undef DIFF
	return n;
}

/* --- listen addresses --- */

int listen_addr__parse(const char *s, struct listen_addr *out)
{
	char host[64];
	const char *colon, *port;
	char *end;
	unsigned long p;
	size_t n;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		n = (size_t)(close - s - 1);
		port = close + 2;
		if (n >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, n);
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return -EINVAL; /* IPv6 needs brackets, to find the port */
		n = (size_t)(colon - s);
		port = colon + 1;
		if (n >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, n);
	}
	host[n] = '\0';
	if (*port < '0' || *port > '9')
		return -EINVAL;
	errno = 0;
	p = strtoul(port, &end, 10);
	if (errno || *end || p > 65535)
		return -EINVAL;
	if (addr__parse(host, &out->addr))
		return -EINVAL;
	if (s[0] == '[' && out->addr.family != AF_INET6)
		return -EINVAL;
	out->port = (uint16_t)p;
	return 0;
}

const char *listen_addr__format(const struct listen_addr *l, char *buf, size_t len)
{
	char a[LW_ADDR_STRLEN];

	addr__format(&l->addr, a);
	snprintf(buf, len, l->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, l->port);
	return buf;
}

bool listen_addr__is_loopback(const struct listen_addr *l)
{
	struct lw_addr a = l->addr;

	addr__unmap(&a);
	/* a wildcard is every address, the public ones too */
	return !addr__is_wildcard(&a) && addr__classify(&a, NULL, 0) == LW_CLASS_LOOPBACK;
}

/* --- log: --- */

static int log_level(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__log_level(c, n, &CFG(c)->log_level);
}

static int log_format(struct yamlcfg *c, yaml_node_t *n)
{
	CFG(c)->log_format_set = true;
	return yamlcfg__log_format(c, n, &CFG(c)->log_format);
}

static int section_log(struct yamlcfg *c, yaml_node_t *n)
{
	static const struct yamlcfg_key keys[] = {
		{ "level", log_level },
		{ "format", log_format },
		{ 0 },
	};
	return yamlcfg__walk_map(c, n, keys);
}

/* --- paths --- */


static int top_state_dir(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__abspath(c, n, &CFG(c)->state_dir);
}

/* --- server: --- */

static int server_listen(struct yamlcfg *c, yaml_node_t *n)
{
	const char *s;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (listen_addr__parse(s, &CFG(c)->listen))
		return yamlcfg__fail(c, "expected an IP address and port such as 127.0.0.1:4520 or [::1]:4520, got \"%s\"", s);
	return 0;
}

static int server_token_file(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__abspath(c, n, &CFG(c)->token_file);
}

static int tls_cert_file(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__abspath(c, n, &CFG(c)->tls_cert_file);
}

static int tls_key_file(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__abspath(c, n, &CFG(c)->tls_key_file);
}

static int server_tls(struct yamlcfg *c, yaml_node_t *n)
{
	static const struct yamlcfg_key keys[] = {
		{ "cert_file", tls_cert_file },
		{ "key_file", tls_key_file },
		{ 0 },
	};
	if (yamlcfg__walk_map(c, n, keys))
		return -EINVAL;
	if (!CFG(c)->tls_cert_file != !CFG(c)->tls_key_file)
		return yamlcfg__fail(c, "give both cert_file and key_file, or neither");
	return 0;
}

static int server_max_connections(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__uint(c, n, 1, 65536, &CFG(c)->max_connections);
}

static int server_max_per_ip(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__uint(c, n, 1, 65536, &CFG(c)->max_connections_per_ip);
}

static int server_timeout(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__duration_ms(c, n, 1000, 3600 * 1000, &CFG(c)->connection_timeout_ms);
}

static int server_threads(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__uint(c, n, 0, 256, &CFG(c)->threads);
}

static int section_server(struct yamlcfg *c, yaml_node_t *n)
{
	static const struct yamlcfg_key keys[] = {
		{ "listen", server_listen },
		{ "token_file", server_token_file },
		{ "tls", server_tls },
		{ "max_connections", server_max_connections },
		{ "max_connections_per_ip", server_max_per_ip },
		{ "connection_timeout", server_timeout },
		{ "threads", server_threads },
		{ 0 },
	};
	return yamlcfg__walk_map(c, n, keys);
}

/* --- limits: --- */

static int size_into(struct yamlcfg *c, yaml_node_t *n, uint64_t min, uint64_t max, size_t *out)
{
	uint64_t v;

	if (yamlcfg__size(c, n, min, max, &v))
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

static int uint_into(struct yamlcfg *c, yaml_node_t *n, uint64_t min, uint64_t max, size_t *out)
{
	uint64_t v;

	if (yamlcfg__uint(c, n, min, max, &v))
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

static int limits_max_body(struct yamlcfg *c, yaml_node_t *n)
{
	return size_into(c, n, 1024, 256ULL << 20, &CFG(c)->limits.max_body);
}

static int limits_max_inflated(struct yamlcfg *c, yaml_node_t *n)
{
	return size_into(c, n, 1024, 1ULL << 30, &CFG(c)->limits.max_inflated);
}

static int limits_max_ratio(struct yamlcfg *c, yaml_node_t *n)
{
	return uint_into(c, n, 1, 100000, &CFG(c)->limits.max_ratio);
}

static int limits_max_events(struct yamlcfg *c, yaml_node_t *n)
{
	return uint_into(c, n, 1, 1000000, &CFG(c)->limits.max_events);
}

static int limits_max_event_size(struct yamlcfg *c, yaml_node_t *n)
{
	return size_into(c, n, 256, 16ULL << 20, &CFG(c)->limits.max_event_bytes);
}

static int limits_max_decoded(struct yamlcfg *c, yaml_node_t *n)
{
	return size_into(c, n, 1 << 20, 4ULL << 30, &CFG(c)->limits.max_decoded);
}

static int limits_max_inflight(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__size(c, n, 1 << 20, 64ULL << 30, &CFG(c)->max_inflight);
}

static int section_limits(struct yamlcfg *c, yaml_node_t *n)
{
	static const struct yamlcfg_key keys[] = {
		{ "max_body", limits_max_body },
		{ "max_inflated", limits_max_inflated },
		{ "max_ratio", limits_max_ratio },
		{ "max_events", limits_max_events },
		{ "max_event_size", limits_max_event_size },
		{ "max_decoded", limits_max_decoded },
		{ "max_inflight", limits_max_inflight },
		{ 0 },
	};
	if (yamlcfg__walk_map(c, n, keys))
		return -EINVAL;
	if (CFG(c)->max_inflight < CFG(c)->limits.max_body)
		return yamlcfg__fail(c, "max_inflight must be at least max_body");
	return 0;
}

/* --- storage: --- */

static int storage_path(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__abspath(c, n, &CFG(c)->db_path);
}

static int storage_busy_timeout(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__duration_ms(c, n, 0, 600 * 1000, &CFG(c)->busy_timeout_ms);
}

static int storage_synchronous(struct yamlcfg *c, yaml_node_t *n)
{
	const char *s;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (!strcmp(s, "full"))
		CFG(c)->sync_full = true;
	else if (!strcmp(s, "normal"))
		CFG(c)->sync_full = false;
	else
		return yamlcfg__fail(c, "expected full or normal, got \"%s\"", s);
	return 0;
}

static int section_storage(struct yamlcfg *c, yaml_node_t *n)
{
	static const struct yamlcfg_key keys[] = {
		{ "path", storage_path },
		{ "busy_timeout", storage_busy_timeout },
		{ "synchronous", storage_synchronous },
		{ 0 },
	};
	return yamlcfg__walk_map(c, n, keys);
}

/* --- retention: --- */

static int keep_for(struct yamlcfg *c, yaml_node_t *n, enum store_kind k)
{
	return yamlcfg__duration_ms(c, n, 0, 3650 * DAY_MS, &CFG(c)->retention_ms[k]);
}

static int retention_listener(struct yamlcfg *c, yaml_node_t *n)
{
	return keep_for(c, n, STORE_LISTENER);
}

static int retention_leak(struct yamlcfg *c, yaml_node_t *n)
{
	return keep_for(c, n, STORE_LEAK);
}

static int retention_health(struct yamlcfg *c, yaml_node_t *n)
{
	return keep_for(c, n, STORE_HEALTH);
}

static int retention_interval(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__duration_ms(c, n, 1000, DAY_MS, &CFG(c)->retention_interval_ms);
}

static int retention_batch_rows(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__uint(c, n, 1, 100000, &CFG(c)->retention_batch_rows);
}

static int section_retention(struct yamlcfg *c, yaml_node_t *n)
{
	static const struct yamlcfg_key keys[] = {
		{ "listener", retention_listener },
		{ "leak", retention_leak },
		{ "health", retention_health },
		{ "interval", retention_interval },
		{ "batch_rows", retention_batch_rows },
		{ 0 },
	};
	return yamlcfg__walk_map(c, n, keys);
}

/* --- alerting: (alertcfg.c) --- */

static int section_alerting(struct yamlcfg *c, yaml_node_t *n)
{
	void *saved = c->target;
	int err;

	c->target = &CFG(c)->alerting;
	err = alertcfg__section(c, n);
	c->target = saved;
	return err;
}

static const struct yamlcfg_key top_keys[] = {
	{ "log", section_log },
	{ "state_dir", top_state_dir },
	{ "server", section_server },
	{ "limits", section_limits },
	{ "storage", section_storage },
	{ "retention", section_retention },
	{ "alerting", section_alerting },
	{ 0 },
};

static void defaults_of(void *cfg)
{
	collector_config__defaults(cfg);
}

static void free_of(void *cfg)
{
	collector_config__free(cfg);
}

static const struct yamlcfg_schema schema = { top_keys, sizeof(struct collector_config), defaults_of, free_of };

int collector_config__load(struct collector_config *cfg, const char *file, bool must_exist,
			   char *err, size_t errlen)
{
	return yamlcfg__load(&schema, cfg, file, NULL, must_exist, err, errlen);
}

int collector_config__load_string(struct collector_config *cfg, const char *text, char *err,
				  size_t errlen)
{
	return yamlcfg__load(&schema, cfg, NULL, text, true, err, errlen);
}
