/* SPDX-License-Identifier: Apache-2.0 */
/* Small readers for /proc (under hostfs's root). */
#ifndef LW_PROCFS_H
#define LW_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

bool procfs__is_pid(const char *name);
/* Calls fn for each process; a non-zero return stops the walk and is returned. */
int procfs__for_each_pid(int (*fn)(uint32_t pid, void *ctx), void *ctx);
/* Reads up to len-1 bytes of a file and NUL-terminates; returns bytes read or -errno. */
ssize_t procfs__read(const char *path, char *buf, size_t len);

#endif
