/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where the host's /proc, /run and /var/log are. Normally "/", but a prefix
 * lets an agent in a container read host mounts (/host/proc) and lets tests
 * point it at a fabricated tree.
 */
#ifndef LW_HOSTFS_H
#define LW_HOSTFS_H

#include <stddef.h>

/* prefix "" or NULL means the real root; no trailing slash */
void hostfs__set_root(const char *prefix);
const char *hostfs__root(void);

/* Formats root + path; returns buf, or NULL if it did not fit. */
__attribute__((format(printf, 3, 4)))
char *hostfs__path(char *buf, size_t len, const char *fmt, ...);

#endif
