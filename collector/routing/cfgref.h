/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The alerting configuration as an immutable, reference-counted snapshot,
 * so that a SIGHUP can put a new one in place while delivery threads are
 * still in the middle of a round with the old one: each holds a reference
 * for as long as it reads, and the last to let go frees it. Nothing in a
 * snapshot changes after cfgref__new.
 */
#ifndef COLLECTOR_CFGREF_H
#define COLLECTOR_CFGREF_H

#include <pthread.h>

#include "routing/alertcfg.h"

struct cfgref;

/* Takes over what *cfg owns (it is left empty, as after alertcfg__free).
 * One reference, the caller's. -ENOMEM leaves *cfg as it was. */
int cfgref__new(struct alertcfg *cfg, struct cfgref **out);
/* Another reference to r; returns r. */
struct cfgref *cfgref__get(struct cfgref *r);
/* Drops a reference; the last frees the configuration. NULL-safe. */
void cfgref__put(struct cfgref *r);
const struct alertcfg *cfgref__cfg(const struct cfgref *r);

/*
 * Where readers on other threads find the current snapshot. acquire gives
 * a reference (put it when done); swap installs another and drops the
 * slot's reference to the old one, which lives on until its readers are done.
 */
struct cfgref_slot {
	pthread_mutex_t lock;
	struct cfgref *cur;
};

/* The slot takes a reference to initial (which may be NULL). */
void cfgref_slot__init(struct cfgref_slot *s, struct cfgref *initial);
void cfgref_slot__fini(struct cfgref_slot *s);
struct cfgref *cfgref_slot__acquire(struct cfgref_slot *s);
void cfgref_slot__swap(struct cfgref_slot *s, struct cfgref *next);

#endif
