// SPDX-License-Identifier: Apache-2.0
#include "settings/config.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/glob.h"
#include "settings/probecfg.h"
#include "core/statusd.h"
#include "settings/cfgparts.h"
#include "leakwatch/events.h"
#include "wire/names.h"
#include "config/ignore.h"
#include "config/yamlcfg.h"

#define CFG(c) ((struct lw_config *)(c)->target)

void config__defaults(struct lw_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->log.level = LW_LOG_INFO;
	cfg->log.format = LW_LOG_JSON;
	cfg->health_interval_ms = 60 * 1000;
	cfg->ringbuf_bytes = 256 * 1024;
	cfg->address_refresh_ms = 5 * 1000;
	cfg->nat_refresh_ms = 10 * 1000;
	cfg->capture_enabled = true;
	cfg->capture_max_bytes = 64 * 1024;
	cfg->capture_ringbuf_bytes = 8 * 1024 * 1024;
	cfg->watch.defaults = true;
	cfg->coalesce_delay_ms = 0; /* the first sighting at once; repeats wait for the window */
	cfg->catchup_max_bytes = 64ULL << 20;
	cfg->coalesce_window_ms = 10 * 60 * 1000;
	cfg->max_streams = 4096;
	cfg->collector_batch_max = 500;
	cfg->collector_flush_ms = 1000;
	cfg->collector_timeout_ms = 10 * 1000;
	cfg->collector_max_backoff_ms = 60 * 1000;
	cfg->spool_max_bytes = 256ULL << 20;
	cfg->spool_segment_bytes = 4ULL << 20;
	cfg->spool_sync_ms = 1000;
	cfg->metrics_enabled = true;
	probecfg__defaults(cfg);
	cfg->journal_enabled = true;
	cfg->journal_max_catchup_ms = 3600 * 1000;
}

void config__free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}


void config__free(struct lw_config *cfg)
{
	config__free_user_rules(cfg);
	for (size_t i = 0; i < cfg->n_expected; i++)
		config__free_expected(&cfg->expected[i]);
	free(cfg->expected);
	free(cfg->class_rules);
	free(cfg->state_dir);
	free(cfg->ignore_file);
	ignore__free(cfg->ignore);
	config__free_strv(cfg->watch.paths, cfg->watch.n_paths);
	config__free_strv(cfg->watch.exclude, cfg->watch.n_exclude);
	free(cfg->fingerprint_key_file);
	free(cfg->collector_url);
	free(cfg->collector_token_file);
	free(cfg->collector_ca_file);
	free(cfg->collector_client_cert);
	free(cfg->collector_client_key);
	free(cfg->spool_dir);
	free(cfg->metrics_listen);
	probecfg__free(cfg);
	free(cfg->journal_directory);
	config__free_strv(cfg->journal_units, cfg->journal_n_units);
	config__free_strv(cfg->journal_exclude_units, cfg->journal_n_exclude_units);
	memset(cfg, 0, sizeof(*cfg));
}

const char *config__state_dir(const struct lw_config *cfg)
{
	return cfg->state_dir ? cfg->state_dir : LW_DEFAULT_STATE_DIR;
}

const char *config__key_file(const struct lw_config *cfg, char *buf, size_t len)
{
	return yamlcfg__path_or(cfg->fingerprint_key_file, config__state_dir(cfg), "fingerprint.key", buf, len);
}

const char *config__metrics_listen(const struct lw_config *cfg)
{
	return cfg->metrics_listen ? cfg->metrics_listen : LW_DEFAULT_METRICS_LISTEN;
}

const char *config__spool_dir(const struct lw_config *cfg, char *buf, size_t len)
{
	return yamlcfg__path_or(cfg->spool_dir, config__state_dir(cfg), "spool", buf, len);
}

#define YAMLCFG_TARGET struct lw_config

static const struct yamlcfg_key agent_keys[] = {
	YAMLCFG_DURATION("health_interval", health_interval_ms, 1000, 24 * 3600 * 1000ULL),
	YAMLCFG_POW2_SIZE("ringbuf_size", ringbuf_bytes, 4096, 1ULL << 30),
	{ 0 },
};

/* exposure: */

static int add_class_rule(struct yamlcfg *c, yaml_node_t *n, enum lw_addr_class cls)
{
	struct lw_config *cfg = CFG(c);
	struct lw_class_rule *rules;
	const char *s;
	struct lw_cidr cidr;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (cidr__parse(s, &cidr))
		return yamlcfg__fail(c, "bad CIDR \"%s\" (expected e.g. 10.0.0.0/8 or fd00::/8)", s);
	rules = realloc(cfg->class_rules, (cfg->n_class_rules + 1) * sizeof(*rules));
	if (!rules)
		return yamlcfg__fail(c, "out of memory");
	rules[cfg->n_class_rules].cidr = cidr;
	rules[cfg->n_class_rules].cls = cls;
	cfg->class_rules = rules;
	cfg->n_class_rules++;
	return 0;
}

static int internal_cidr(struct yamlcfg *c, yaml_node_t *n)
{
	return add_class_rule(c, n, LW_CLASS_PRIVATE);
}

static int public_cidr(struct yamlcfg *c, yaml_node_t *n)
{
	return add_class_rule(c, n, LW_CLASS_PUBLIC);
}

static int exposure_internal(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, internal_cidr);
}

static int exposure_public(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, public_cidr);
}

/* the entry being read: of exposure.expected or of probe.exclude */
static struct lw_expected *current_expected(struct yamlcfg *c)
{
	return c->target;
}

static int expected_process(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__strdup(c, n, &current_expected(c)->process);
}

static int expected_port(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__port(c, n, &current_expected(c)->port);
}

static int expected_protocol(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__protocol(c, n, &current_expected(c)->protocol);
}

static int expected_address(struct yamlcfg *c, yaml_node_t *n)
{
	const char *s;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (cidr__parse(s, &current_expected(c)->address))
		return yamlcfg__fail(c, "bad address or CIDR \"%s\"", s);
	current_expected(c)->has_address = true;
	return 0;
}

/* An entry's keys fill the entry, not the config around it. */
#undef YAMLCFG_TARGET
#define YAMLCFG_TARGET struct lw_expected
static const struct yamlcfg_key expected_keys[] = {
	{ "process", expected_process },
	{ "port", expected_port },
	{ "protocol", expected_protocol },
	{ "address", expected_address },
	PLACE_KEYS(place),
	{ 0 },
};
#undef YAMLCFG_TARGET
#define YAMLCFG_TARGET struct lw_config

int config__listener_entry(struct yamlcfg *c, yaml_node_t *n, struct lw_expected **list, size_t *count)
{
	struct lw_expected *e = yamlcfg__append(c, (void **)list, count, sizeof(*e), SIZE_MAX, "entries");

	if (!e)
		return -EINVAL;
	if (yamlcfg__walk_map_into(c, n, expected_keys, e))
		return -EINVAL;
	if (!e->process && !e->port && !e->has_address && !place__wants_any(&e->place))
		return yamlcfg__fail(c, "give at least one of " PLACE_ENTRY_FIELDS);
	return 0;
}

static int expected_entry(struct yamlcfg *c, yaml_node_t *n)
{
	return config__listener_entry(c, n, &CFG(c)->expected, &CFG(c)->n_expected);
}

static int exposure_expected(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, expected_entry);
}

static const struct yamlcfg_key exposure_keys[] = {
	{ "internal_cidrs", exposure_internal },
	{ "public_cidrs", exposure_public },
	YAMLCFG_DURATION("address_refresh", address_refresh_ms, 0, 3600 * 1000),
	YAMLCFG_DURATION("nat_refresh", nat_refresh_ms, 0, 3600 * 1000),
	{ "expected", exposure_expected },
	{ 0 },
};

static const struct yamlcfg_key capture_keys[] = {
	YAMLCFG_BOOL("enabled", capture_enabled),
	YAMLCFG_SIZE("max_bytes", capture_max_bytes, 1, LW_CAPTURE_MAX),
	YAMLCFG_POW2_SIZE("ringbuf_size", capture_ringbuf_bytes, 64 * 1024, 1ULL << 30),
	{ 0 },
};

/* watch: */

int config__push_glob(struct yamlcfg *c, yaml_node_t *n, bool path, char ***v, size_t *count)
{
	const char *s, *bad;
	char **grown, *copy;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (path && (bad = glob__check(s)))
		return yamlcfg__fail(c, "bad path pattern \"%s\": %s", s, bad);
	if (!path && (!*s || strchr(s, '/') || strlen(s) > 255))
		return yamlcfg__fail(c, "bad name pattern \"%s\": expected a unit name or a glob such as nginx*", s);
	copy = strdup(s);
	grown = copy ? realloc(*v, (*count + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(copy);
		return yamlcfg__fail(c, "out of memory");
	}
	grown[(*count)++] = copy;
	*v = grown;
	return 0;
}

static int watch_path(struct yamlcfg *c, yaml_node_t *n)
{
	return config__push_glob(c, n, true, &CFG(c)->watch.paths, &CFG(c)->watch.n_paths);
}

static int watch_exclude_one(struct yamlcfg *c, yaml_node_t *n)
{
	return config__push_glob(c, n, true, &CFG(c)->watch.exclude, &CFG(c)->watch.n_exclude);
}

static int watch_paths(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, watch_path);
}

static int watch_exclude(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, watch_exclude_one);
}

static const struct yamlcfg_key watch_keys[] = {
	YAMLCFG_BOOL("defaults", watch.defaults),
	{ "paths", watch_paths },
	{ "exclude", watch_exclude },
	{ 0 },
};

static const struct yamlcfg_key leaks_keys[] = {
	YAMLCFG_DURATION("coalesce_delay", coalesce_delay_ms, 0, 60 * 1000),
	YAMLCFG_DURATION("coalesce_window", coalesce_window_ms, 0, 7 * 24 * 3600 * 1000ULL),
	YAMLCFG_PATH("fingerprint_key", fingerprint_key_file),
	YAMLCFG_UINT("max_open_files", max_streams, 16, 1 << 20),
	YAMLCFG_SIZE("catchup_max_bytes", catchup_max_bytes, 0, 1ULL << 40),
	{ 0 },
};

/* collector: */

static int collector_url(struct yamlcfg *c, yaml_node_t *n)
{
	char **url = &CFG(c)->collector_url;

	if (yamlcfg__strdup(c, n, url))
		return -EINVAL;
	if (**url && strncmp(*url, "http://", 7) && strncmp(*url, "https://", 8))
		return yamlcfg__fail(c, "expected an http:// or https:// URL, got \"%s\"", *url);
	return 0;
}

static int collector_check(struct yamlcfg *c, yaml_node_t *n)
{
	(void)n;
	if ((!CFG(c)->collector_client_cert) != (!CFG(c)->collector_client_key))
		return yamlcfg__fail(c, "client_cert and client_key go together");
	return 0;
}

static const struct yamlcfg_key collector_keys[] = {
	{ "url", collector_url },
	YAMLCFG_PATH("token_file", collector_token_file),
	YAMLCFG_PATH("ca_file", collector_ca_file),
	YAMLCFG_PATH("client_cert", collector_client_cert),
	YAMLCFG_PATH("client_key", collector_client_key),
	YAMLCFG_UINT("batch_size", collector_batch_max, 1, 10000),
	YAMLCFG_DURATION("flush_interval", collector_flush_ms, 10, 60 * 1000),
	YAMLCFG_DURATION("timeout", collector_timeout_ms, 100, 10 * 60 * 1000),
	YAMLCFG_DURATION("max_backoff", collector_max_backoff_ms, 100, 3600 * 1000),
	{ 0 },
};

static const struct yamlcfg_key spool_keys[] = {
	YAMLCFG_PATH("dir", spool_dir),
	YAMLCFG_SIZE("max_size", spool_max_bytes, 1 << 20, 1ULL << 40),
	YAMLCFG_SIZE("segment_size", spool_segment_bytes, 64 * 1024, 1ULL << 30),
	YAMLCFG_DURATION("sync_interval", spool_sync_ms, 10, 1000),
	{ 0 },
};

void config__free_expected(struct lw_expected *e)
{
	free(e->process);
	place__free(&e->place);
}

int config__load_ignore(struct lw_config *cfg, const char *path, char *err, size_t errlen)
{
	const char *file = path ? path : cfg->ignore_file ? cfg->ignore_file : LW_IGNORE_DEFAULT_FILE;
	struct lw_ignore *ig;
	char why[512];
	int rc;

	rc = ignore__load(file, path || cfg->ignore_file, &ig, why, sizeof(why));
	if (rc) {
		snprintf(err, errlen, "ignore file %s: %s", file, why);
		return rc;
	}
	ignore__free(cfg->ignore);
	cfg->ignore = ig;
	return 0;
}

/* metrics: */

static int metrics_listen(struct yamlcfg *c, yaml_node_t *n)
{
	struct sockaddr_storage ss;
	const char *s;
	unsigned len;
	char *copy;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (statusd__parse_listen(s, &ss, &len))
		return yamlcfg__fail(c, "expected an address and port such as 127.0.0.1:9464, got \"%s\"", s);
	copy = strdup(s);
	if (!copy)
		return yamlcfg__fail(c, "out of memory");
	free(CFG(c)->metrics_listen);
	CFG(c)->metrics_listen = copy;
	return 0;
}

static const struct yamlcfg_key metrics_keys[] = {
	YAMLCFG_BOOL("enabled", metrics_enabled),
	{ "listen", metrics_listen },
	{ 0 },
};

static const struct yamlcfg_key top_keys[] = {
	YAMLCFG_SECTION_IN("log", log, yamlcfg_log_keys, NULL),
	{ "rules", config__section_rules },
	YAMLCFG_SECTION("agent", agent_keys, NULL),
	YAMLCFG_SECTION("exposure", exposure_keys, NULL),
	YAMLCFG_PATH("state_dir", state_dir),
	YAMLCFG_PATH("ignore_file", ignore_file),
	YAMLCFG_SECTION("capture", capture_keys, NULL),
	YAMLCFG_SECTION("watch", watch_keys, NULL),
	YAMLCFG_SECTION("leaks", leaks_keys, NULL),
	YAMLCFG_SECTION("collector", collector_keys, collector_check),
	YAMLCFG_SECTION("spool", spool_keys, NULL),
	YAMLCFG_SECTION("metrics", metrics_keys, NULL),
	YAMLCFG_SECTION("probe", probecfg_keys, NULL),
	YAMLCFG_SECTION("journal", config__journal_keys, NULL),
	{ 0 },
};

/* the collector's own top-level keys: its file given to the agent by mistake */
static const char *const collector_top_keys[] = { "server", "limits", "storage", "retention", "alerting",
						  NULL };

YAMLCFG_DEFINE_LOAD_HINTED(config, struct lw_config, top_keys, collector_top_keys,
			   "this looks like a leakwatch-collector configuration; the agent's is leakwatch.yaml")
