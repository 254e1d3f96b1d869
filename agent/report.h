/* SPDX-License-Identifier: Apache-2.0 */
/* Findings as JSON lines (stdout of `run`) and as a table (CLI audits). */
#ifndef LW_REPORT_H
#define LW_REPORT_H

#include <stdio.h>

#include "jsonw.h"
#include "leak.h"
#include "listener.h"

void report__listener_json(struct jsonw *w, const struct lw_listener *l);
/* Writes one JSON line to f; returns -EIO if f failed. */
int report__listener_line(FILE *f, const struct lw_listener *l);

void report__listener_table_header(FILE *f);
void report__listener_table_row(FILE *f, const struct lw_listener *l);

void report__leak_json(struct jsonw *w, const struct lw_leak *leak);
int report__leak_line(FILE *f, const struct lw_leak *leak);

void report__process_json(struct jsonw *w, const struct lw_proc *p);
void report__container_json(struct jsonw *w, const struct lw_proc *p);

#endif
