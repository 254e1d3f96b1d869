/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sections of the agent's configuration kept in files of their own, and
 * what config.c shares with them. Private to config/.
 */
#ifndef LW_CFGPARTS_H
#define LW_CFGPARTS_H

#include <stdbool.h>
#include <stddef.h>

#include "config/yamlcfg.h"

struct lw_config;

/* Appends a checked glob to a list: of paths, or of names (units). */
int config__push_glob(struct yamlcfg *c, yaml_node_t *n, bool path, char ***v, size_t *count);
void config__free_strv(char **v, size_t n);
/* rules: (cfgrules.c): the section, and freeing what it read */
int config__section_rules(struct yamlcfg *c, yaml_node_t *n);
void config__free_user_rules(struct lw_config *cfg);
/* journal: (cfgjournal.c) */
extern const struct yamlcfg_key config__journal_keys[];

#endif
