// SPDX-License-Identifier: Apache-2.0
/* The rules: section of the agent's configuration: custom rules, and the
 * built-in or custom ones disabled. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings/cfgparts.h"
#include "settings/config.h"
#include "detect/scanner.h"
#include "rules/rules.h"

#define CFG(c) ((struct lw_config *)(c)->target)

void config__free_user_rules(struct lw_config *cfg)
{
	for (size_t i = 0; i < cfg->n_user_rules; i++) {
		struct lw_user_rule *r = &cfg->user_rules[i];

		free(r->id);
		free(r->regex);
		config__free_strv(r->keywords, r->n_keywords);
	}
	free(cfg->user_rules);
	cfg->user_rules = NULL;
	cfg->n_user_rules = 0;
	config__free_strv(cfg->disabled_rules, cfg->n_disabled_rules);
	cfg->disabled_rules = NULL;
	cfg->n_disabled_rules = 0;
}

static bool rule_exists(const struct lw_config *cfg, const char *id)
{
	for (size_t i = 0; i < rules__count(); i++)
		if (!strcmp(rules__get(i)->info.id, id))
			return true;
	for (size_t i = 0; i < cfg->n_user_rules; i++)
		if (cfg->user_rules[i].id && !strcmp(cfg->user_rules[i].id, id))
			return true;
	return false;
}

bool config__rule_disabled(const struct lw_config *cfg, const char *id)
{
	for (size_t i = 0; id && i < cfg->n_disabled_rules; i++)
		if (!strcmp(cfg->disabled_rules[i], id))
			return true;
	return false;
}

int config__disable_rule(struct lw_config *cfg, const char *id)
{
	char **v;

	if (!rule_exists(cfg, id))
		return -ENOENT;
	if (config__rule_disabled(cfg, id))
		return 0;
	v = realloc(cfg->disabled_rules, (cfg->n_disabled_rules + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	cfg->disabled_rules = v;
	if (!(v[cfg->n_disabled_rules] = strdup(id)))
		return -ENOMEM;
	cfg->n_disabled_rules++;
	return 0;
}

static struct lw_user_rule *current_rule(struct yamlcfg *c)
{
	return &CFG(c)->user_rules[CFG(c)->n_user_rules - 1];
}

static int rule_id(struct yamlcfg *c, yaml_node_t *n)
{
	struct lw_user_rule *r = current_rule(c);

	if (yamlcfg__strdup(c, n, &r->id))
		return -EINVAL;
	if (!r->id[0] || strlen(r->id) > 64 || strspn(r->id, "abcdefghijklmnopqrstuvwxyz"
							      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(r->id))
		return yamlcfg__fail(c, "expected 1 to 64 of letters, digits, '.', '_' or '-', got \"%s\"", r->id);
	for (size_t i = 0; i < rules__count(); i++)
		if (!strcmp(rules__get(i)->info.id, r->id))
			return yamlcfg__fail(c, "\"%s\" is a built-in rule", r->id);
	for (size_t i = 0; i + 1 < CFG(c)->n_user_rules; i++)
		if (CFG(c)->user_rules[i].id && !strcmp(CFG(c)->user_rules[i].id, r->id))
			return yamlcfg__fail(c, "rule \"%s\" is defined twice", r->id);
	return 0;
}

static int rule_regex(struct yamlcfg *c, yaml_node_t *n)
{
	struct lw_user_rule *r = current_rule(c);
	char why[256];

	if (yamlcfg__strdup(c, n, &r->regex))
		return -EINVAL;
	/* the scanner compiles the same way: a rule that loads here runs there */
	if (rules__check_regex(r->regex, why, sizeof(why)))
		return yamlcfg__fail(c, "vectorscan rejects it: %s", why);
	return 0;
}

static int rule_severity(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__severity(c, n, &current_rule(c)->severity);
}

static int rule_keyword(struct yamlcfg *c, yaml_node_t *n)
{
	struct lw_user_rule *r = current_rule(c);
	char **v = realloc(r->keywords, (r->n_keywords + 1) * sizeof(*v));

	if (!v)
		return yamlcfg__fail(c, "out of memory");
	r->keywords = v;
	v[r->n_keywords] = NULL;
	if (yamlcfg__strdup(c, n, &v[r->n_keywords]))
		return -EINVAL;
	r->n_keywords++;
	if (!v[r->n_keywords - 1][0])
		return yamlcfg__fail(c, "empty keyword");
	return 0;
}

static int rule_keywords(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, rule_keyword);
}

static int rule_min_entropy(struct yamlcfg *c, yaml_node_t *n)
{
	const char *s;
	char *end;
	double v;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	v = strtod(s, &end);
	if (end == s || *end || v < 0 || v > 8)
		return yamlcfg__fail(c, "expected bits per character between 0 and 8, got \"%s\"", s);
	current_rule(c)->min_entropy = v;
	return 0;
}

static int rule_entry(struct yamlcfg *c, yaml_node_t *n)
{
	static const struct yamlcfg_key keys[] = {
		{ "id", rule_id },
		{ "regex", rule_regex },
		{ "severity", rule_severity },
		{ "keywords", rule_keywords },
		{ "min_entropy", rule_min_entropy },
		{ 0 },
	};
	struct lw_config *cfg = CFG(c);
	struct lw_user_rule *r = yamlcfg__append(c, (void **)&cfg->user_rules, &cfg->n_user_rules,
						 sizeof(*r), 1024, "rules");

	if (!r)
		return -EINVAL;
	r->severity = LW_SEV_MEDIUM;
	if (yamlcfg__walk_map(c, n, keys))
		return -EINVAL;
	if (!r->id || !r->regex)
		return yamlcfg__fail(c, "give both id and regex");
	return 0;
}

static int rules_custom(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, rule_entry);
}

/* Checked once the section is read: a custom rule may come after. */
static int rules_disable_one(struct yamlcfg *c, yaml_node_t *n)
{
	struct lw_config *cfg = CFG(c);
	const char *id;

	if (yamlcfg__str(c, n, &id))
		return -EINVAL;
	return yamlcfg__append_str(c, &cfg->disabled_rules, &cfg->n_disabled_rules, id);
}

static int rules_disable(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, rules_disable_one);
}

static int rules_check(struct yamlcfg *c, yaml_node_t *n)
{
	const struct lw_config *cfg = CFG(c);

	(void)n;
	for (size_t i = 0; i < cfg->n_disabled_rules; i++)
		if (!rule_exists(cfg, cfg->disabled_rules[i]))
			return yamlcfg__fail(c, "disable: no rule \"%s\" (leakwatch rules lists them)",
					     cfg->disabled_rules[i]);
	return 0;
}

/*
 * rules: a list of custom rules (the first form), or
 *   rules: {custom: [...], disable: [id, ...]}
 */
int config__section_rules(struct yamlcfg *c, yaml_node_t *n)
{
	static const struct yamlcfg_key keys[] = {
		{ "custom", rules_custom },
		{ "disable", rules_disable },
		{ 0 },
	};

	if (n->type == YAML_SEQUENCE_NODE)
		return rules_custom(c, n);
	return yamlcfg__walk_map(c, n, keys) ?: rules_check(c, n);
}
