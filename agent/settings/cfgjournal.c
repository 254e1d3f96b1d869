// SPDX-License-Identifier: Apache-2.0
/* The journal: section of the agent's configuration. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "settings/cfgparts.h"
#include "settings/config.h"

#define CFG(c) ((struct lw_config *)(c)->target)

static int journal_enabled(struct yamlcfg *c, yaml_node_t *n)
{
	CFG(c)->journal_enabled_set = true;
	return yamlcfg__bool(c, n, &CFG(c)->journal_enabled);
}

static int journal_unit(struct yamlcfg *c, yaml_node_t *n)
{
	return config__push_glob(c, n, false, &CFG(c)->journal_units, &CFG(c)->journal_n_units);
}

static int journal_exclude_unit(struct yamlcfg *c, yaml_node_t *n)
{
	return config__push_glob(c, n, false, &CFG(c)->journal_exclude_units, &CFG(c)->journal_n_exclude_units);
}

static int journal_units(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, journal_unit);
}

static int journal_exclude_units(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, journal_exclude_unit);
}

/* A duration ("1h": entries written that long ago at most) or a size ("256MiB"). */
static int journal_max_catchup(struct yamlcfg *c, yaml_node_t *n)
{
	const char *s;
	uint64_t v;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (!parse_duration_ms(s, &v)) {
		if (v < 1000 || v > 90ULL * 24 * 3600 * 1000)
			return yamlcfg__fail(c, "\"%s\" is outside 1s..90d", s);
		CFG(c)->journal_max_catchup_ms = v;
		CFG(c)->journal_max_catchup_bytes = 0;
		return 0;
	}
	if (!parse_size(s, &v)) {
		if (v < 4096 || v > (1ULL << 40))
			return yamlcfg__fail(c, "\"%s\" is outside 4KiB..1TiB", s);
		CFG(c)->journal_max_catchup_bytes = v;
		CFG(c)->journal_max_catchup_ms = 0;
		return 0;
	}
	return yamlcfg__fail(c, "expected a duration such as 30m or 1h, or a size such as 256MiB, got \"%s\"", s);
}

#define YAMLCFG_TARGET struct lw_config

const struct yamlcfg_key config__journal_keys[] = {
	{ "enabled", journal_enabled },
	YAMLCFG_PATH("directory", journal_directory),
	{ "units", journal_units },
	{ "exclude_units", journal_exclude_units },
	{ "max_catchup", journal_max_catchup },
	{ 0 },
};
