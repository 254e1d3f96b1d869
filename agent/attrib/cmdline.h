/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command lines for display, with credentials blanked: operators pass
 * passwords as flags (--requirepass x, -a x, -pSECRET, PGPASSWORD=x) and in
 * URIs (postgres://u:pw@h), and a leak detector must not repeat them.
 */
#ifndef LW_CMDLINE_H
#define LW_CMDLINE_H

#include <stddef.h>

#define LW_REDACTED "****"

/*
 * args: argv as read from /proc/PID/cmdline (NUL-separated, len bytes).
 * Writes the space-joined, redacted command line to out (always terminated).
 */
void cmdline__redact(const char *args, size_t len, char *out, size_t outlen);

#endif
