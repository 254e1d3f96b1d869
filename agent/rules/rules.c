// SPDX-License-Identifier: Apache-2.0
#include "rules/rules.h"

#include <errno.h>
#include <hs/hs.h>
#include <stdio.h>
#include <string.h>

#include "rules/rules_table.h"


/* The order of the parts is the order of the table. */
static const struct lw_rule_table *const parts[] = { &rules_dev, &rules_ai, &rules_cloud, &rules_shape };
#define N_PARTS (sizeof(parts) / sizeof(parts[0]))

size_t rules__count(void)
{
	size_t n = 0;

	for (size_t p = 0; p < N_PARTS; p++)
		n += parts[p]->n;
	return n;
}

const struct lw_rule *rules__get(size_t i)
{
	for (size_t p = 0; p < N_PARTS; i -= parts[p]->n, p++)
		if (i < parts[p]->n)
			return &parts[p]->rules[i];
	return NULL;
}

unsigned rules__hs_flags(const struct lw_rule *r)
{
	return (r->no_som ? 0 : HS_FLAG_SOM_LEFTMOST) | (r->caseless ? HS_FLAG_CASELESS : 0);
}

unsigned rules__user_hs_flags(void)
{
	/* ^ and $ at line ends: a stream has no end to anchor to */
	return HS_FLAG_SOM_LEFTMOST | HS_FLAG_MULTILINE;
}

int rules__check_regex(const char *regex, char *err, size_t errlen)
{
	hs_compile_error_t *cerr = NULL;
	hs_database_t *db = NULL;

	if (hs_compile(regex, rules__user_hs_flags(), HS_MODE_STREAM | HS_MODE_SOM_HORIZON_LARGE, NULL, &db,
		       &cerr) != HS_SUCCESS) {
		snprintf(err, errlen, "%s", cerr && cerr->message ? cerr->message : "does not compile");
		hs_free_compile_error(cerr);
		return -EINVAL;
	}
	hs_free_database(db);
	return 0;
}
