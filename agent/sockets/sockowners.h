/* SPDX-License-Identifier: Apache-2.0 */
/* Which process holds a socket: socket inode -> pid, from /proc/PID/fd. */
#ifndef LW_SOCKOWNERS_H
#define LW_SOCKOWNERS_H

#include <stdint.h>

struct sockowners;

int sockowners__build(struct sockowners **out);
/* The lowest pid holding the socket (usually the parent of forked workers), or 0. */
uint32_t sockowners__pid(const struct sockowners *so, uint64_t ino);
void sockowners__free(struct sockowners *so);

#endif
