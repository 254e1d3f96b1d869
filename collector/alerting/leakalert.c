// SPDX-License-Identifier: Apache-2.0
/*
 * A leak's alert: the rule, the redacted form and the fingerprint, and
 * where it was written: a file and offset, or a journal entry and the unit
 * that wrote it ("written by postgres.service").
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "alerting/alerttext.h"
#include "alerting/compose.h"
#include "wire/names.h"

#define SET(s) alerttext__set(s)

static bool is_journal(const Leakwatch__V1__LeakEvent *l)
{
	return l->source == LEAKWATCH__V1__LEAK_EVENT__SOURCE__SOURCE_JOURNAL;
}

static void what_line(FILE *f, const Leakwatch__V1__LeakEvent *l, const char *redacted, const char *where)
{
	fprintf(f, "What: a credential matching rule %s%s%s%s was written to %s; redacted %s, fingerprint %s.\n",
		l->rule, SET(l->family) ? " (" : "", SET(l->family) ? l->family : "", SET(l->family) ? ")" : "",
		where, redacted, l->fingerprint);
}

/* "postgres.service", or the identifier it logged under, or "?" */
static const char *journal_writer(const Leakwatch__V1__JournalEntry *j)
{
	if (j && SET(j->unit))
		return j->unit;
	if (j && SET(j->syslog_identifier))
		return j->syslog_identifier;
	return "?";
}

static void journal_text(const Leakwatch__V1__LeakEvent *l, const char *redacted, const char *host,
			 struct alert_text *dt, struct alert_text *sm, struct alert_text *ds)
{
	const Leakwatch__V1__JournalEntry *j = l->journal;

	alerttext__kv(dt->f, "source", "journal");
	if (j) {
		alerttext__kv(dt->f, "unit", j->unit);
		alerttext__kv(dt->f, "syslog_identifier", j->syslog_identifier);
		alerttext__kv(dt->f, "field", j->field);
		alerttext__kv(dt->f, "cursor", j->cursor);
	}
	fprintf(sm->f, "Credential written to the journal on %s: %s %s, written by %s", host, l->rule,
		redacted, journal_writer(j));
	what_line(ds->f, l, redacted, "the systemd journal");
	fprintf(ds->f, "Where: host %s, journal entry written by %s", host, journal_writer(j));
	if (j && SET(j->unit) && SET(j->syslog_identifier))
		fprintf(ds->f, " (identifier %s)", j->syslog_identifier);
	if (j && SET(j->field))
		fprintf(ds->f, ", field %s", j->field);
	if (j && SET(j->cursor))
		fprintf(ds->f, ", cursor %s", j->cursor);
}

static void file_text(const Leakwatch__V1__LeakEvent *l, const char *redacted, const char *host,
		      struct alert_text *dt, struct alert_text *sm, struct alert_text *ds)
{
	alerttext__kv(dt->f, "path", l->path);
	alerttext__kv(dt->f, "previous_path", l->previous_path);
	alerttext__kv_u64(dt->f, "offset", l->offset);
	alerttext__kv_u64(dt->f, "last_offset", l->last_offset ? l->last_offset : l->offset);
	alerttext__kv(dt->f, "device", l->device);
	if (l->inode)
		alerttext__kv_u64(dt->f, "inode", l->inode);
	alerttext__kv(dt->f, "syscall", l->syscall);
	if (l->origin && SET(l->origin->comm)) {
		alerttext__kv(dt->f, "origin_comm", l->origin->comm);
		alerttext__kv_u64(dt->f, "origin_pid", l->origin->pid);
	}
	/* "offset 5120", not ":5120", which reads as a line number */
	fprintf(sm->f, "Credential written to a log on %s: %s %s in %s, offset %" PRIu64, host, l->rule,
		redacted, SET(l->path) ? l->path : "?", l->offset);
	what_line(ds->f, l, redacted, "a log file");
	fprintf(ds->f, "Where: host %s, file %s, offset %" PRIu64 " (the byte offset of its first occurrence",
		host, SET(l->path) ? l->path : "?", l->offset);
	if (l->last_offset && l->last_offset != l->offset)
		fprintf(ds->f, "; latest at %" PRIu64, l->last_offset);
	fputc(')', ds->f);
	if (SET(l->previous_path))
		fprintf(ds->f, "; the file was %s before it was renamed (log rotation)", l->previous_path);
}

int alert__leak(const Leakwatch__V1__Event *ev, bool per_host, struct alert *a)
{
	const Leakwatch__V1__LeakEvent *l = ev->leak;
	const char *redacted = SET(l->redacted) ? l->redacted : "(not shown)";
	struct alert_text lb, dt, sm, ds;

	if (alert__begin(a, STORE_LEAK, (int)l->severity, ev) || !(a->rule = strdup(l->rule)) ||
	    !(a->fingerprint = strdup(l->fingerprint))) {
		alert__free(a);
		return -ENOMEM;
	}
	a->count = l->count ? l->count : 1;
	if (l->first_seen_unix_nano > 0)
		a->at_ns = l->first_seen_unix_nano;
	alertkey__leak(a->key, a->fingerprint, per_host ? a->host : NULL);
	if (alert__text_begin(a, "leak", &lb, &dt, &sm, &ds))
		return -ENOMEM;
	alerttext__kv(lb.f, "rule", a->rule);
	alerttext__kv(lb.f, "fingerprint", a->fingerprint);
	alerttext__labels_pod(lb.f, ev->container);

	alerttext__kv(dt.f, "host", a->host);
	alerttext__kv(dt.f, "rule", a->rule);
	alerttext__kv(dt.f, "family", l->family);
	alerttext__kv(dt.f, "redacted", l->redacted);
	alerttext__kv(dt.f, "fingerprint", a->fingerprint);
	if (is_journal(l))
		journal_text(l, redacted, a->host, &dt, &sm, &ds);
	else
		file_text(l, redacted, a->host, &dt, &sm, &ds);
	alerttext__details_process(dt.f, ev->process, ev->container);
	if (l->origin && SET(l->origin->comm))
		fprintf(ds.f, "; relayed by %s for %s[%u]",
			l->writer && SET(l->writer->comm) ? l->writer->comm : "a syslog daemon", l->origin->comm,
			l->origin->pid);
	alerttext__where_process(ds.f, ev->process);
	alerttext__where_container(ds.f, ev->container);
	fputs(".\n", ds.f);
	fprintf(ds.f, "Why: anyone who can read this log, or wherever it is shipped, can use the "
		      "credential; severity %s.\n",
		severity__wire_name(a->severity));
	fprintf(ds.f, "What to do: revoke and rotate the credential, remove it from the log and its "
		      "copies, and stop the code from logging it; then acknowledge the finding "
		      "(POST /v1/findings/%s/ack, or leakwatch-collector ack %s) to resolve this alert.",
		a->fingerprint, a->fingerprint);
	return alert__end(a, &lb, &dt, &sm, &ds);
}

