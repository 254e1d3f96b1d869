/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Blanks credentials the scanner recognises in text the agent reports about
 * a process (its command line): flag-based redaction (cmdline.h) cannot see
 * a token passed as a plain argument.
 */
#ifndef LW_SCRUB_H
#define LW_SCRUB_H

#include "detect/scanner.h"

/* The scanner to use from now on (main thread only); NULL turns it off. */
void scrub__set_scanner(struct scanner *s);
/* Overwrites each secret found in the NUL-terminated text with '*'. */
void scrub__text(char *text);

#endif
