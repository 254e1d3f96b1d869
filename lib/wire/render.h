/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A leakwatch.v1.Event as one JSON object: what the agent prints on stdout
 * and what the collector shows for what it stored. One renderer for both,
 * so the two never disagree. Keys are documented in README.md.
 */
#ifndef LW_RENDER_H
#define LW_RENDER_H

#include "wire/jsonw.h"
#include "leakwatch/v1/leakwatch.pb-c.h"

void render__event(struct jsonw *w, const Leakwatch__V1__Event *ev);
/* The event as a malloc'd JSON string, or NULL. */
char *render__event_string(const Leakwatch__V1__Event *ev);
/*
 * The event as one line a person reads (rendertext.c), malloc'd; NULL for
 * an event not worth a line (health without drops) or out of memory.
 */
char *render__event_text(const Leakwatch__V1__Event *ev);

#endif
