// SPDX-License-Identifier: Apache-2.0
#include "storage/retention.h"

#include "os/log.h"

/* a pass stops here and resumes at the next tick rather than run on */
#define MAX_ROUNDS 1000

int64_t retention__run(struct store *s, const struct retention_opts *o, uint64_t now_ns)
{
	int64_t total = 0;

	for (int k = 0; k < STORE_KIND_COUNT; k++) {
		uint64_t keep_ns = o->keep_ms[k] * 1000000ULL, cutoff;
		unsigned deleted, kind_total = 0;

		if (!o->keep_ms[k] || keep_ns >= now_ns)
			continue;
		cutoff = now_ns - keep_ns;
		for (int round = 0; round < MAX_ROUNDS; round++) {
			int err = store__expire(s, (enum store_kind)k, cutoff, o->batch_rows, &deleted);

			if (err)
				return err;
			kind_total += deleted;
			if (!deleted)
				break;
		}
		if (kind_total)
			log_info("retention: removed %u %s row(s) older than %llu s", kind_total,
				 store_kind__name((enum store_kind)k),
				 (unsigned long long)(o->keep_ms[k] / 1000));
		total += kind_total;
	}
	return total;
}
