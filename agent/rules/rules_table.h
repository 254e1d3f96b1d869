/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in rule table is written in parts, one file per group of
 * vendors (rules_dev.c, rules_cloud.c, rules_ai.c, rules_shape.c); rules.c
 * joins them in a fixed order. This header holds what the parts share: the
 * expression fragments and the alphabets. Only rules*.c include it.
 *
 * One entry per kind of credential. Entries are alike by design: the
 * table is data, read by the scanner.
 *
 * Expressions are written for vectorscan: no captures, no lookaround,
 * bounded gaps ([ \t]{0,4}, not \s*) so that a match's start is never far
 * behind its first report, which bounds what a stream must keep. Each
 * expression needs only enough of the token to be unambiguous; the
 * alphabet, min_len and max_len decide the secret's real extent.
 */
#ifndef LW_RULES_TABLE_H
#define LW_RULES_TABLE_H

#include <stddef.h>

#include "rules/rules.h"

/*
 * Between a key and its value: "key" = value, key: value, "key":"value",
 * key => 'value', key := value, and as languages print pairs: ('key',
 * 'value') tuples, map[key:value], {key=value}; the value may be wrapped
 * in a bracket: KEY=(value), ['value'].
 */
#define KEY_END "(?:\\\\?[\"']?[ \\t]{0,4}(?::=|=>|[:=])|\\\\?[\"'][ \\t]{0,4},)"
#define SEP KEY_END "[ \\t]{0,4}[(\\[{]?[ \\t]{0,2}\\\\?[\"'`]?"
/* the same, or just blanks: "twilio auth token 8b0e..." */
#define SEP_OR_BLANK "(?:" SEP "|[ \\t]{1,4})"
/* Authorization: Bearer, "authorization": "Bearer, ('Authorization', 'Bearer, Authorization:\\ Bearer */
#define AUTHZ "(?:proxy-)?authori[sz]ation" KEY_END "(?:[ \\t]|\\\\ ){0,4}(?:\\\\?[\"'(\\[{]){0,2}"
/* a key's words: azure_storage_key, azure.storage.key, AzureStorageKey */
#define W "[_ .-]?"
#define B62 "A-Za-z0-9"
#define B64URL "A-Za-z0-9_-"
#define B64 "A-Za-z0-9+/"
#define HEX "0-9a-f"
/* the value of key=value: up to a blank, a quote or a list separator */
#define VALUE_CHARS "^ \t\r\n\"'`\\,;&)]}"

struct lw_rule_table {
	const struct lw_rule *rules;
	size_t n;
};

#define RULE_TABLE(name, arr) const struct lw_rule_table name = { arr, sizeof(arr) / sizeof(arr[0]) }

extern const struct lw_rule_table rules_dev, rules_ai, rules_cloud, rules_shape;

#endif
