// SPDX-License-Identifier: Apache-2.0
#include "routing/cfgref.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct cfgref {
	struct alertcfg cfg;
	unsigned refs; /* atomically */
};

int cfgref__new(struct alertcfg *cfg, struct cfgref **out)
{
	struct cfgref *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	r->refs = 1;
	*out = r;
	return 0;
}

struct cfgref *cfgref__get(struct cfgref *r)
{
	if (r)
		__atomic_add_fetch(&r->refs, 1, __ATOMIC_RELAXED);
	return r;
}

void cfgref__put(struct cfgref *r)
{
	/* acq_rel: every reader's last look happens before the free */
	if (!r || __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL))
		return;
	alertcfg__free(&r->cfg);
	free(r);
}

const struct alertcfg *cfgref__cfg(const struct cfgref *r)
{
	return &r->cfg;
}

void cfgref_slot__init(struct cfgref_slot *s, struct cfgref *initial)
{
	pthread_mutex_init(&s->lock, NULL);
	s->cur = cfgref__get(initial);
}

void cfgref_slot__fini(struct cfgref_slot *s)
{
	cfgref__put(s->cur);
	s->cur = NULL;
	pthread_mutex_destroy(&s->lock);
}

struct cfgref *cfgref_slot__acquire(struct cfgref_slot *s)
{
	struct cfgref *r;

	/* under the lock: a swap cannot drop the last reference between the
	 * load of the pointer and the increment */
	pthread_mutex_lock(&s->lock);
	r = cfgref__get(s->cur);
	pthread_mutex_unlock(&s->lock);
	return r;
}

void cfgref_slot__swap(struct cfgref_slot *s, struct cfgref *next)
{
	struct cfgref *old;

	cfgref__get(next);
	pthread_mutex_lock(&s->lock);
	old = s->cur;
	s->cur = next;
	pthread_mutex_unlock(&s->lock);
	cfgref__put(old); /* outside the lock: it may free */
}
