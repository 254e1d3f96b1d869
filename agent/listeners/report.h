/* SPDX-License-Identifier: Apache-2.0 */
/* Listener findings as a table, for the one-shot audit. JSON comes from
 * encode.h and render.h, the same for stdout and the collector. */
#ifndef LW_REPORT_H
#define LW_REPORT_H

#include <stdio.h>

#include "listeners/listener.h"

void report__listener_table_header(FILE *f);
void report__listener_table_row(FILE *f, const struct lw_listener *l);

#endif
