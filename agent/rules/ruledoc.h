/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The table of built-in rules that people read: id, family, severity, what
 * the rule finds, what a candidate must pass, and an example with the
 * secret masked. `leakwatch rules` prints it and the README holds the same
 * Markdown (make readme-rules writes it there; a unit test compares them),
 * so the two cannot drift from the rules themselves.
 */
#ifndef LW_RULEDOC_H
#define LW_RULEDOC_H

#include <stddef.h>
#include <stdio.h>

#include "rules/rules.h"

/* "40 chars [A-Za-z0-9]; CRC32 ...; entropy >= 3.0": what r checks, in words. */
void ruledoc__validated(const struct lw_rule *r, char *out, size_t outlen);

/* The Markdown table, header included. 0 or -EIO. */
int ruledoc__markdown(FILE *f);
/* One JSON object per rule and line. 0 or -EIO. */
int ruledoc__json(FILE *f);

#endif
