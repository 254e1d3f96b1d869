// SPDX-License-Identifier: Apache-2.0
#include "server/metrics.h"

#include <string.h>

static const char *const reject_names[REJECT__COUNT] = {
	[REJECT_AUTH] = "auth",
	[REJECT_FORBIDDEN] = "forbidden",
	[REJECT_HOST_MISMATCH] = "host_mismatch",
	[REJECT_TOO_LARGE] = "too_large",
	[REJECT_BOMB] = "bomb",
	[REJECT_BAD_ENCODING] = "bad_encoding",
	[REJECT_BAD_GZIP] = "bad_gzip",
	[REJECT_BAD_PROTOBUF] = "bad_protobuf",
	[REJECT_BAD_BATCH] = "bad_batch",
	[REJECT_TOO_MANY_EVENTS] = "too_many_events",
	[REJECT_INVALID_EVENT] = "invalid_event",
	[REJECT_BAD_REQUEST] = "bad_request",
	[REJECT_OVERLOADED] = "overloaded",
	[REJECT_STORAGE] = "storage",
	[REJECT_UNREDACTED] = "unredacted",
	[REJECT_SLOW] = "slow",
};

#define LOAD(f) (out->f = __atomic_load_n(&m->f, __ATOMIC_RELAXED))

void metrics__snapshot(const struct metrics *m, struct metrics *out)
{
	memset(out, 0, sizeof(*out));
	LOAD(requests);
	LOAD(batches_accepted);
	LOAD(events_stored);
	LOAD(duplicates);
	LOAD(bytes_received);
	LOAD(queries);
	LOAD(retention_deleted);
	for (int i = 0; i < REJECT__COUNT; i++)
		LOAD(rejected[i]);
	LOAD(alerts_fired);
	LOAD(alerts_resolved);
	LOAD(alerts_deduplicated);
	LOAD(notifications_sent);
	LOAD(notifications_dropped);
	LOAD(sink_failures);
	LOAD(outbox_depth);
	LOAD(config_reloads);
	LOAD(config_reload_failures);
	LOAD(config_last_reload_ok);
	LOAD(start_time_s);
}

const char *metrics__reject_name(enum metrics_reject r)
{
	return r >= 0 && r < REJECT__COUNT ? reject_names[r] : "unknown";
}
