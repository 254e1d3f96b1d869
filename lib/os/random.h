/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key material from the kernel's random pool: fingerprint keys, the pages'
 * session keys, the key collectors share.
 */
#ifndef LW_RANDOM_H
#define LW_RANDOM_H

#include <stddef.h>

/* n random bytes into buf, across short reads and signals. 0, or -errno. */
int random__fill(void *buf, size_t n);

#endif
