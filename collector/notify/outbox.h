/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The durable outbox: every notification to a sink is a row in SQLite,
 * written in the same transaction as the events or the acknowledgement that
 * caused it, and deleted only once the sink accepted it. Rows of one sink go
 * out in order; a failed one is retried with exponential backoff and holds
 * back those behind it, so a resolve never overtakes its trigger. A restart
 * resumes where the last process stopped.
 *
 * Every call runs under the store's lock (store__tx or the store hook).
 */
#ifndef COLLECTOR_OUTBOX_H
#define COLLECTOR_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "routing/alertcfg.h"
#include "alerting/alertkey.h"

struct db;
struct outbox;

enum outbox_action {
	OUTBOX_TRIGGER,       /* an alert begins */
	OUTBOX_RESOLVE,       /* it ends */
	OUTBOX_GROUP,         /* new listeners on one host, announced together */
	OUTBOX_GROUP_RESOLVE, /* every listener of that group is gone */
	OUTBOX_RESEND,        /* Alertmanager: the firing alerts again */
	OUTBOX_LATE_RESOLVE,  /* the end of what was announced already closed: incidents only */
	OUTBOX_ACTION_COUNT,
};

struct outbox_row {
	int64_t id;
	enum outbox_action action;
	char ref[ALERTKEY_LEN]; /* the alert's key, or the group's; "" for a resend */
	int64_t at_ns;          /* when the problem began (trigger) or ended (resolve) */
	uint64_t created_ns;
	uint64_t due_ns;
	unsigned attempts;
};

int outbox__open(struct db *db, struct outbox **out);
void outbox__close(struct outbox *o);

/* A pending row, due now; held (a group waiting for its window) until due_ns. */
int outbox__enqueue(struct outbox *o, const char *sink, enum outbox_action action, const char *ref,
		    int64_t at_ns, uint64_t now_ns, bool held, uint64_t due_ns, int64_t *id);

/*
 * The oldest pending rows of a sink that are due, at most max, in order,
 * stopping at the first that is not. *n may be 0: then *next_due_ns is when
 * the oldest falls due (0 if there is none).
 */
int outbox__peek(struct outbox *o, const char *sink, uint64_t now_ns, struct outbox_row *rows,
		 size_t max, size_t *n, uint64_t *next_due_ns);
int outbox__done(struct outbox *o, int64_t id);
int outbox__retry(struct outbox *o, int64_t id, uint64_t due_ns, const char *error);
int outbox__dead(struct outbox *o, int64_t id, const char *error);
/* Rows waiting: pending and held. */
int outbox__depth(struct outbox *o, uint64_t *n);
/* A new resend replaces one not yet sent. */
int outbox__drop_resends(struct outbox *o, const char *sink);
/* Rows of sinks no longer configured can never go: dead, and counted. */
int outbox__orphans(struct outbox *o, const struct alertcfg *cfg, unsigned *n);
/* Dead rows older than cutoff go. */
int outbox__expire(struct outbox *o, uint64_t cutoff_ns);

const char *outbox_action__name(enum outbox_action a);
int outbox_action__parse(const char *s, enum outbox_action *out);

#endif
