// SPDX-License-Identifier: Apache-2.0
#include "delivery/delivery.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "os/log.h"

struct delivery {
	struct spool *spool;
	struct exporter *exporter;
	uint64_t sync_ms;
	uint64_t last_sync_ms;
};

int delivery__open(const struct delivery_opts *o, struct delivery **out)
{
	struct exporter_opts eo = o->exporter;
	struct delivery *d;
	struct spool_stats st;
	char err[512];
	int rc;

	*out = NULL;
	if (!eo.url || !eo.url[0])
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->sync_ms = o->sync_ms;
	rc = spool__open(&o->spool, &d->spool);
	if (rc) {
		log_error("spool %s: %s", o->spool.dir, strerror(-rc));
		free(d);
		return rc;
	}
	spool__stats(d->spool, &st);
	if (st.records || st.dropped_corrupt)
		log_info("spool %s: %llu records to send, %llu damaged records dropped on replay", o->spool.dir,
			 (unsigned long long)st.records, (unsigned long long)st.dropped_corrupt);
	eo.spool = d->spool;
	rc = exporter__start(&eo, &d->exporter, err, sizeof(err));
	if (rc) {
		log_error("collector: %s", err);
		spool__close(d->spool);
		free(d);
		return rc;
	}
	log_info("shipping events to %s", eo.url);
	*out = d;
	return 0;
}

void delivery__close(struct delivery *d)
{
	if (!d)
		return;
	spool__sync(d->spool);
	exporter__stop(d->exporter);
	spool__close(d->spool);
	free(d);
}

void delivery__append(struct delivery *d, const uint8_t *event, size_t len, bool finding)
{
	if (d && !spool__append(d->spool, event, len))
		exporter__notify(d->exporter, finding);
}

void delivery__tick(struct delivery *d, uint64_t now_ms)
{
	if (!d || now_ms - d->last_sync_ms < d->sync_ms)
		return;
	spool__sync(d->spool);
	d->last_sync_ms = now_ms;
}

void delivery__stats(struct delivery *d, struct spool_stats *spool, struct exporter_stats *exp)
{
	memset(spool, 0, sizeof(*spool));
	memset(exp, 0, sizeof(*exp));
	if (!d)
		return;
	spool__stats(d->spool, spool);
	exporter__stats(d->exporter, exp);
}
