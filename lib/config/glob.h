/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path globs for the watch set: `*` and `?` stay within one path component,
 * `**` spans components (/var/log/ then `**`; `**` then /x.log), `[a-z]` and
 * `[!0-9]` are character classes.
 */
#ifndef LW_GLOB_H
#define LW_GLOB_H

#include <stdbool.h>

bool glob__match(const char *pattern, const char *path);
/* NULL if the pattern is well formed, else what is wrong with it. */
const char *glob__check(const char *pattern);

#endif
