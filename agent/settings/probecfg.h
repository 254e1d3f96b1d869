/* SPDX-License-Identifier: Apache-2.0 */
/* The probe: section of the agent's configuration (config.h has the fields). */
#ifndef LW_PROBECFG_H
#define LW_PROBECFG_H

#include "settings/config.h"
#include "config/yamlcfg.h"

extern const struct yamlcfg_key probecfg_keys[];
void probecfg__defaults(struct lw_config *cfg);
void probecfg__free(struct lw_config *cfg);

#endif
