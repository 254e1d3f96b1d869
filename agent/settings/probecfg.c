// SPDX-License-Identifier: Apache-2.0
/*
 * The probe: section of the agent's configuration (deploy/leakwatch.yaml
 * documents it): whether exposed data services are probed for open access,
 * which protocols, how often, how fast, and which listeners never.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings/probecfg.h"
#include "probes/probe.h"
#include "config/yamlcfg.h"

#define CFG(c) ((struct lw_config *)(c)->target)

void probecfg__defaults(struct lw_config *cfg)
{
	cfg->probe_enabled = true;
	cfg->probe_interval_ms = 6ULL * 3600 * 1000;
	cfg->probe_timeout_ms = 1000;
	cfg->probe_concurrency = 4;
	cfg->probe_login = true;
}

void probecfg__free(struct lw_config *cfg)
{
	for (size_t i = 0; i < cfg->n_probe_protocols; i++)
		free(cfg->probe_protocols[i]);
	free(cfg->probe_protocols);
	for (size_t i = 0; i < cfg->n_probe_exclude; i++)
		config__free_expected(&cfg->probe_exclude[i]);
	free(cfg->probe_exclude);
	cfg->probe_protocols = NULL;
	cfg->probe_exclude = NULL;
	cfg->n_probe_protocols = cfg->n_probe_exclude = 0;
}

static int probe_protocol(struct yamlcfg *c, yaml_node_t *n)
{
	struct lw_config *cfg = CFG(c);
	const char *s;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (!probe__by_name(s)) {
		char names[512];
		size_t len = 0;

		names[0] = '\0';
		for (size_t i = 0; lw_probes[i] && len < sizeof(names); i++)
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "",
						lw_probes[i]->name);
		return yamlcfg__fail(c, "unknown protocol \"%s\" (expected one of %s)", s, names);
	}
	return yamlcfg__append_str(c, &cfg->probe_protocols, &cfg->n_probe_protocols, s);
}

static int probe_protocols(struct yamlcfg *c, yaml_node_t *n)
{
	/* an explicit list, even an empty one, replaces "all" */
	if (!CFG(c)->probe_protocols && !(CFG(c)->probe_protocols = calloc(1, sizeof(char *))))
		return yamlcfg__fail(c, "out of memory");
	return yamlcfg__walk_seq(c, n, probe_protocol);
}

static int probe_exclude_entry(struct yamlcfg *c, yaml_node_t *n)
{
	return config__listener_entry(c, n, &CFG(c)->probe_exclude, &CFG(c)->n_probe_exclude);
}

static int probe_exclude(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, probe_exclude_entry);
}

#define YAMLCFG_TARGET struct lw_config

const struct yamlcfg_key probecfg_keys[] = {
	YAMLCFG_BOOL("enabled", probe_enabled),
	{ "protocols", probe_protocols },
	/* a listener is probed at most once a minute, whatever happens */
	YAMLCFG_DURATION("interval", probe_interval_ms, 60 * 1000, 30ULL * 24 * 3600 * 1000),
	YAMLCFG_DURATION("timeout", probe_timeout_ms, 10, 30 * 1000),
	YAMLCFG_UINT("concurrency", probe_concurrency, 1, 64),
	{ "exclude", probe_exclude },
	YAMLCFG_BOOL("login_probes", probe_login),
	{ 0 },
};
