/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Probing in the running agent: when a listener's open event waits for its
 * probe, what a verdict turns into (an open event with auth, or a verified
 * event), and the periodic look for listeners due again. Main thread only.
 */
#ifndef LW_PROBING_H
#define LW_PROBING_H

#include <stdint.h>

#include "core/runtime.h"

/* l (the socket table's entry) just opened or was found: reports it now, or
 * holds the report for its probe's verdict (at most probe.timeout). */
void probing__opened(struct agent *a, struct lw_listener *l);
/* opened is closing: a held open is reported first. */
void probing__closed(struct agent *a, struct lw_listener *opened);
/* Verdicts in, held opens out once their wait is over, due probes queued. */
void probing__tick(struct agent *a, uint64_t now_ms);
/* Its verdict changed on reload: probe it again, as soon as the minute allows. */
void probing__rejudged(struct agent *a, struct lw_listener *opened);
/* Stopping: every held open is reported. */
void probing__flush(struct agent *a);

#endif
