/* SPDX-License-Identifier: Apache-2.0 */
/* Listener findings as a table, for the one-shot audit. JSON comes from
 * encode.h and render.h, the same for stdout and the collector. */
#ifndef LW_REPORT_H
#define LW_REPORT_H

#include <stdio.h>

#include "listeners/listener.h"

/* A table that fits 100 columns; wide adds the namespace and the container. */
void report__listener_table_header(FILE *f, bool wide);
/* One row; true when its service was named by its port alone ("redis?"). */
bool report__listener_table_row(FILE *f, const struct lw_listener *l, bool wide);
/* What "redis?" means, when a row showed one. */
void report__listener_table_legend(FILE *f, bool port_only_shown);

#endif
