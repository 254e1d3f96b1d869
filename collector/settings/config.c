// SPDX-License-Identifier: Apache-2.0
#include "settings/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/yamlcfg.h"

#define CFG(c) ((struct collector_config *)(c)->target)
#define DAY_MS (24ULL * 3600 * 1000)

void collector_config__defaults(struct collector_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->log.level = LW_LOG_INFO;
	cfg->log.format = LW_LOG_JSON;
	listen_addr__parse(COLLECTOR_DEFAULT_LISTEN, &cfg->listen);
	/* a fleet keeps one mostly idle connection per node */
	cfg->max_connections = 16384;
	cfg->max_connections_per_ip = 32;
	cfg->reserve_connections = 64;
	cfg->connection_timeout_ms = 30 * 1000;
	cfg->header_timeout_ms = 10 * 1000;
	cfg->min_body_rate = 1024;
	cfg->session_ttl_ms = 12 * 3600 * 1000;
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
	free(cfg->session_key_file);
	auth_cred_cfg__free(cfg->auth, cfg->n_auth);
	free(cfg->tls_cert_file);
	free(cfg->tls_key_file);
	free(cfg->tls_client_ca_file);
	free(cfg->db_path);
	if (cfg->db_dsn) {
		explicit_bzero(cfg->db_dsn, strlen(cfg->db_dsn));
		free(cfg->db_dsn);
	}
	alertcfg__free(&cfg->alerting);
	memset(cfg, 0, sizeof(*cfg));
}

const char *collector_config__state_dir(const struct collector_config *cfg)
{
	return cfg->state_dir ? cfg->state_dir : COLLECTOR_DEFAULT_STATE_DIR;
}

const char *collector_config__db_path(const struct collector_config *cfg, char *buf, size_t len)
{
	return yamlcfg__path_or(cfg->db_path, collector_config__state_dir(cfg), "collector.db", buf, len);
}

void collector_config__store_where(const struct collector_config *cfg, struct store_opts *so, char *buf,
				   size_t len)
{
	const char *path = collector_config__db_path(cfg, buf, len);

	/* a copy in buf: the caller may keep it past cfg */
	if (path != buf)
		snprintf(buf, len, "%s", path);
	so->driver = cfg->db_driver;
	so->path = buf;
	so->dsn = cfg->db_dsn;
}

const char *collector_config__token_path(const struct collector_config *cfg, char *buf, size_t len)
{
	return yamlcfg__path_or(cfg->token_file, collector_config__state_dir(cfg), "token", buf, len);
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
	DIFF(old->log.format != fresh->log.format, "log.format");
	DIFF(str_changed(old->state_dir, fresh->state_dir), "state_dir");
	DIFF(strcmp(listen_addr__format(&old->listen, a, sizeof(a)),
		    listen_addr__format(&fresh->listen, b, sizeof(b))), "server.listen");
	DIFF(str_changed(old->tls_cert_file, fresh->tls_cert_file), "server.tls.cert_file");
	DIFF(str_changed(old->tls_key_file, fresh->tls_key_file), "server.tls.key_file");
	DIFF(str_changed(old->tls_client_ca_file, fresh->tls_client_ca_file), "server.tls.client_ca_file");
	DIFF(old->tls_client_required != fresh->tls_client_required, "server.tls.client_auth");
	DIFF(old->max_connections != fresh->max_connections, "server.max_connections");
	DIFF(old->max_connections_per_ip != fresh->max_connections_per_ip, "server.max_connections_per_ip");
	DIFF(old->connection_timeout_ms != fresh->connection_timeout_ms, "server.connection_timeout");
	DIFF(old->reserve_connections != fresh->reserve_connections, "server.reserve_connections");
	DIFF(old->header_timeout_ms != fresh->header_timeout_ms, "server.header_timeout");
	DIFF(old->min_body_rate != fresh->min_body_rate, "server.min_body_rate");
	DIFF(old->threads != fresh->threads, "server.threads");
	DIFF(old->session_ttl_ms != fresh->session_ttl_ms, "server.session_ttl");
	DIFF(str_changed(old->session_key_file, fresh->session_key_file), "server.session_key_file");
	DIFF(old->limits.max_body != fresh->limits.max_body, "limits.max_body");
	DIFF(old->limits.max_inflated != fresh->limits.max_inflated, "limits.max_inflated");
	DIFF(old->limits.max_ratio != fresh->limits.max_ratio, "limits.max_ratio");
	DIFF(old->limits.max_events != fresh->limits.max_events, "limits.max_events");
	DIFF(old->limits.max_event_bytes != fresh->limits.max_event_bytes, "limits.max_event_size");
	DIFF(old->limits.max_decoded != fresh->limits.max_decoded, "limits.max_decoded");
	DIFF(old->max_inflight != fresh->max_inflight, "limits.max_inflight");
	DIFF(old->db_driver != fresh->db_driver, "storage.driver");
	DIFF(str_changed(old->db_path, fresh->db_path), "storage.path");
	DIFF(str_changed(old->db_dsn, fresh->db_dsn), "storage.dsn");
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

/* --- the keys --- */

#define YAMLCFG_TARGET struct collector_config

static int server_listen(struct yamlcfg *c, yaml_node_t *n)
{
	const char *s;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (listen_addr__parse(s, &CFG(c)->listen))
		return yamlcfg__fail(c, "expected an IP address and port such as 127.0.0.1:4520 or [::1]:4520, got \"%s\"", s);
	return 0;
}

static int tls_check(struct yamlcfg *c, yaml_node_t *n)
{
	(void)n;
	if (!CFG(c)->tls_cert_file != !CFG(c)->tls_key_file)
		return yamlcfg__fail(c, "give both cert_file and key_file, or neither");
	if (CFG(c)->tls_client_ca_file && !CFG(c)->tls_cert_file)
		return yamlcfg__fail(c, "client_ca_file needs cert_file and key_file: client certificates are TLS");
	if (CFG(c)->tls_client_required && !CFG(c)->tls_client_ca_file)
		return yamlcfg__fail(c, "client_auth: required needs client_ca_file");
	return 0;
}

static int tls_client_auth(struct yamlcfg *c, yaml_node_t *n)
{
	static const char *const names[] = { "optional", "required" };
	unsigned i;

	if (yamlcfg__word(c, n, names, 2, &i))
		return -EINVAL;
	CFG(c)->tls_client_required = i == 1;
	return 0;
}

static const struct yamlcfg_key tls_keys[] = {
	YAMLCFG_PATH("cert_file", tls_cert_file),
	YAMLCFG_PATH("key_file", tls_key_file),
	YAMLCFG_PATH("client_ca_file", tls_client_ca_file),
	{ "client_auth", tls_client_auth },
	{ 0 },
};

/* --- server.auth: c->target is the credential, c->outer the configuration --- */

#undef YAMLCFG_TARGET
#define YAMLCFG_TARGET struct auth_cred_cfg

static int cred_name(struct yamlcfg *c, yaml_node_t *n)
{
	struct auth_cred_cfg *cred = c->target;
	const char *s;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (!*s || strlen(s) > AUTH_NAME_MAX || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
						   "0123456789._-") != strlen(s))
		return yamlcfg__fail(c, "expected 1 to %d letters, digits, '.', '_' or '-'", AUTH_NAME_MAX);
	free(cred->name);
	return (cred->name = strdup(s)) ? 0 : yamlcfg__fail(c, "out of memory");
}

static int cred_host(struct yamlcfg *c, yaml_node_t *n)
{
	struct auth_cred_cfg *cred = c->target;
	const char *s;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (!*s || strlen(s) > 255)
		return yamlcfg__fail(c, "expected a hostname or glob of 1 to 255 characters");
	if (cred->n_hosts >= AUTH_MAX_HOSTS)
		return yamlcfg__fail(c, "at most %d hosts", AUTH_MAX_HOSTS);
	return yamlcfg__append_str(c, &cred->hosts, &cred->n_hosts, s);
}

static int cred_hosts(struct yamlcfg *c, yaml_node_t *n)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return cred_host(c, n);
	if (yamlcfg__walk_seq(c, n, cred_host))
		return -EINVAL;
	if (!((struct auth_cred_cfg *)c->target)->n_hosts)
		return yamlcfg__fail(c, "an empty list allows no host; leave the key out for any");
	return 0;
}

static const struct yamlcfg_key cred_keys[] = {
	{ "name", cred_name },
	YAMLCFG_PATH("digest_file", digest_file),
	{ "hosts", cred_hosts },
	{ 0 },
};

static int cred_entry(struct yamlcfg *c, yaml_node_t *n, unsigned role)
{
	struct collector_config *cfg = CFG(c);
	struct auth_cred_cfg *cred = yamlcfg__append(c, (void **)&cfg->auth, &cfg->n_auth, sizeof(*cred),
						     AUTH_MAX_CREDENTIALS, "credentials");

	if (!cred)
		return -EINVAL;
	cred->roles = role;
	if (yamlcfg__walk_map_into(c, n, cred_keys, cred))
		return -EINVAL;
	if (!cred->name || !cred->digest_file)
		return yamlcfg__fail(c, "name and digest_file: both required");
	if (cred->n_hosts && role != AUTH_INGEST)
		return yamlcfg__fail(c, "hosts: only for ingest credentials");
	for (size_t i = 0; i + 1 < cfg->n_auth; i++)
		if (!strcmp(cfg->auth[i].name, cred->name))
			return yamlcfg__fail(c, "name: \"%s\" is given twice", cred->name);
	return 0;
}

static int ingest_entry(struct yamlcfg *c, yaml_node_t *n)
{
	return cred_entry(c, n, AUTH_INGEST);
}

static int operator_entry(struct yamlcfg *c, yaml_node_t *n)
{
	return cred_entry(c, n, AUTH_OPERATOR);
}

static int auth_ingest(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, ingest_entry);
}

static int auth_operator(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, operator_entry);
}

#undef YAMLCFG_TARGET
#define YAMLCFG_TARGET struct collector_config

static const struct yamlcfg_key auth_keys[] = {
	{ "ingest", auth_ingest },
	{ "operator", auth_operator },
	{ 0 },
};

/* http(s)://host[:port][/path]: printable, and nothing a link in Slack's
 * <url|text> or an attribute would take for syntax */
static bool public_url_ok(const char *s, size_t len)
{
	size_t scheme = !strncmp(s, "https://", 8) ? 8 : !strncmp(s, "http://", 7) ? 7 : 0;

	if (!scheme || len > 512 || !s[scheme] || s[scheme] == '/' || s[scheme] == ':')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x21 || ch >= 0x7f || strchr("\"'<>\\?#|@`{}^", ch))
			return false;
	}
	return true;
}

/* server.public_url: where people reach the pages, for the links in alerts */
static int server_public_url(struct yamlcfg *c, yaml_node_t *n)
{
	const char *s;
	size_t len;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	len = strlen(s);
	if (!public_url_ok(s, len))
		return yamlcfg__fail(c, "expected an http(s) URL such as https://leakwatch.example.com, "
					"with a host, without user, query or fragment, of at most 512 characters");
	while (len && s[len - 1] == '/')
		len--;
	free(CFG(c)->alerting.public_url);
	return (CFG(c)->alerting.public_url = strndup(s, len)) ? 0 : yamlcfg__fail(c, "out of memory");
}

static const struct yamlcfg_key server_keys[] = {
	{ "public_url", server_public_url },
	YAMLCFG_DURATION("session_ttl", session_ttl_ms, 5 * 60 * 1000, 30 * DAY_MS),
	YAMLCFG_PATH("session_key_file", session_key_file),
	{ "listen", server_listen },
	YAMLCFG_PATH("token_file", token_file),
	YAMLCFG_SECTION("auth", auth_keys, NULL),
	YAMLCFG_SECTION("tls", tls_keys, tls_check),
	YAMLCFG_UINT("max_connections", max_connections, 1, 65536),
	YAMLCFG_UINT("max_connections_per_ip", max_connections_per_ip, 1, 65536),
	YAMLCFG_UINT("reserve_connections", reserve_connections, 0, 4096),
	YAMLCFG_DURATION("connection_timeout", connection_timeout_ms, 1000, 3600 * 1000),
	YAMLCFG_DURATION("header_timeout", header_timeout_ms, 0, 600 * 1000),
	YAMLCFG_SIZE("min_body_rate", min_body_rate, 0, 1ULL << 30),
	YAMLCFG_UINT("threads", threads, 0, 256),
	{ 0 },
};

static int limits_check(struct yamlcfg *c, yaml_node_t *n)
{
	(void)n;
	if (CFG(c)->max_inflight < CFG(c)->limits.max_body)
		return yamlcfg__fail(c, "max_inflight must be at least max_body");
	return 0;
}

static const struct yamlcfg_key limits_keys[] = {
	YAMLCFG_SIZE("max_body", limits.max_body, 1024, 256ULL << 20),
	YAMLCFG_SIZE("max_inflated", limits.max_inflated, 1024, 1ULL << 30),
	YAMLCFG_UINT("max_ratio", limits.max_ratio, 1, 100000),
	YAMLCFG_UINT("max_events", limits.max_events, 1, 1000000),
	YAMLCFG_SIZE("max_event_size", limits.max_event_bytes, 256, 16ULL << 20),
	YAMLCFG_SIZE("max_decoded", limits.max_decoded, 1 << 20, 4ULL << 30),
	YAMLCFG_SIZE("max_inflight", max_inflight, 1 << 20, 64ULL << 30),
	{ 0 },
};

static int storage_synchronous(struct yamlcfg *c, yaml_node_t *n)
{
	static const char *const names[] = { "full", "normal" };
	unsigned i;

	if (yamlcfg__word(c, n, names, 2, &i))
		return -EINVAL;
	CFG(c)->sync_full = i == 0;
	return 0;
}

static int storage_driver(struct yamlcfg *c, yaml_node_t *n)
{
	static const char *const names[] = { "sqlite", "postgres" };
	unsigned i;

	if (yamlcfg__word(c, n, names, 2, &i))
		return -EINVAL;
	CFG(c)->db_driver = i == 0 ? DB_SQLITE : DB_POSTGRES;
	return 0;
}

#define MAX_DSN 4096

static int set_dsn(struct yamlcfg *c, const char *dsn, size_t len, const char *where)
{
	struct collector_config *cfg = CFG(c);

	if (cfg->db_dsn)
		return yamlcfg__fail(c, "give storage.dsn or storage.dsn_file, not both");
	/* never echoed: a DSN may hold the password */
	if (!len || len > MAX_DSN || memchr(dsn, '\n', len))
		return yamlcfg__fail(c, "%s: expected one line of 1 to %d characters", where, MAX_DSN);
	cfg->db_dsn = strndup(dsn, len);
	return cfg->db_dsn ? 0 : yamlcfg__fail(c, "out of memory");
}

static int storage_dsn(struct yamlcfg *c, yaml_node_t *n)
{
	const char *s;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	return set_dsn(c, s, strlen(s), "the DSN");
}

/* The DSN from a private file (a Kubernetes Secret), its first line. */
static int storage_dsn_file(struct yamlcfg *c, yaml_node_t *n)
{
	char buf[MAX_DSN + 2];
	const char *path;
	size_t len;
	int err;

	if (yamlcfg__first_line(c, n, buf, sizeof(buf), &len, &path))
		return -EINVAL;
	err = set_dsn(c, buf, len, path);
	explicit_bzero(buf, sizeof(buf));
	return err;
}

static int storage_check(struct yamlcfg *c, yaml_node_t *n)
{
	const struct collector_config *cfg = CFG(c);

	(void)n;
	if (cfg->db_driver == DB_POSTGRES && !cfg->db_dsn)
		return yamlcfg__fail(c, "driver postgres needs dsn or dsn_file");
	if (cfg->db_driver == DB_POSTGRES && cfg->db_path)
		return yamlcfg__fail(c, "path is for driver sqlite; postgres takes dsn or dsn_file");
	if (cfg->db_driver == DB_SQLITE && cfg->db_dsn)
		return yamlcfg__fail(c, "dsn and dsn_file are for driver postgres");
	return 0;
}

static const struct yamlcfg_key storage_keys[] = {
	{ "driver", storage_driver },
	YAMLCFG_PATH("path", db_path),
	{ "dsn", storage_dsn },
	{ "dsn_file", storage_dsn_file },
	YAMLCFG_DURATION("busy_timeout", busy_timeout_ms, 0, 600 * 1000),
	{ "synchronous", storage_synchronous },
	{ 0 },
};

static const struct yamlcfg_key retention_keys[] = {
	YAMLCFG_DURATION("listener", retention_ms[STORE_LISTENER], 0, 3650 * DAY_MS),
	YAMLCFG_DURATION("leak", retention_ms[STORE_LEAK], 0, 3650 * DAY_MS),
	YAMLCFG_DURATION("health", retention_ms[STORE_HEALTH], 0, 3650 * DAY_MS),
	YAMLCFG_DURATION("interval", retention_interval_ms, 1000, DAY_MS),
	YAMLCFG_UINT("batch_rows", retention_batch_rows, 1, 100000),
	{ 0 },
};

static const struct yamlcfg_key top_keys[] = {
	YAMLCFG_SECTION_IN("log", log, yamlcfg_log_keys, NULL),
	YAMLCFG_PATH("state_dir", state_dir),
	YAMLCFG_SECTION("server", server_keys, NULL),
	YAMLCFG_SECTION("limits", limits_keys, limits_check),
	YAMLCFG_SECTION("storage", storage_keys, storage_check),
	YAMLCFG_SECTION("retention", retention_keys, NULL),
	YAMLCFG_SECTION_IN("alerting", alerting, alertcfg_keys, alertcfg__check),
	{ 0 },
};

/* the agent's own top-level keys: its file given to the collector by mistake */
static const char *const agent_top_keys[] = { "agent", "exposure", "capture", "leaks", "watch", "collector",
					      "spool", "probe", "journal", "metrics", "rules", NULL };

YAMLCFG_DEFINE_LOAD_HINTED(collector_config, struct collector_config, top_keys, agent_top_keys,
			   "this looks like a leakwatch agent configuration; the collector's is collector.yaml")
