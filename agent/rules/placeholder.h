/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one test of "this value stands for a secret without being one",
 * which every rule applies to what it found: ${VAR}, {password}, <token>,
 * ****, xxxx, YOUR_API_KEY, REPLACE_WITH_..., changeme, password, example
 * values, runs of one character or of the alphabet, and values that end in
 * test, dummy or fake. Pure; nothing here allocates or logs.
 */
#ifndef LW_PLACEHOLDER_H
#define LW_PLACEHOLDER_H

#include <stdbool.h>
#include <stddef.h>

bool placeholder__match(const char *s, size_t n);

#endif
