// SPDX-License-Identifier: Apache-2.0
/*
 * Retro-scans systemd journals with the agent's own entry reader, so that
 * "did this key ever reach the journal on this host?" has an answer with
 * the fingerprints the agent gives. Each finding names the unit, the syslog
 * identifier and the entry's cursor (journalctl --cursor shows the entry).
 */
#include "scan/scanjournal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "os/clock.h"
#include "settings/config.h"
#include "config/ignore.h"
#include "journal/jentry.h"
#include "journal/sdapi.h"
#include "wire/jsonw.h"
#include "wire/names.h"
#include "config/yamlcfg.h"

static void print(const struct scanjournal_opts *o, struct jsonw *w, const struct jentry *e,
		  const struct jentry_finding *f, const char *cursor, uint64_t realtime_us)
{
	char ts[LW_RFC3339_LEN];
	char *place = leak__journal_place(e->unit, e->identifier);

	clock__rfc3339(realtime_us * 1000, ts);
	if (!o->json) {
		printf("%s %s [%u] %s: %s %s %s fingerprint=%s cursor=%s\n", ts, place ? place : "journal", e->pid,
		       f->field, severity__name(f->rule->severity), f->rule->id, f->redacted, f->fingerprint,
		       cursor);
		free(place);
		return;
	}
	free(place);
	jsonw__reset(w);
	jsonw__begin_object(w);
	jsonw__kv_str(w, "source", "journal");
	jsonw__kv_str(w, "time", ts);
	jsonw__key(w, "journal");
	jsonw__begin_object(w);
	jsonw__kv_str(w, "unit", e->unit[0] ? e->unit : NULL);
	jsonw__kv_str(w, "identifier", e->identifier[0] ? e->identifier : NULL);
	jsonw__kv_str(w, "field", f->field);
	jsonw__kv_str(w, "cursor", cursor);
	jsonw__kv_str(w, "hostname", e->hostname[0] ? e->hostname : NULL);
	jsonw__end_object(w);
	jsonw__key(w, "process");
	jsonw__begin_object(w);
	jsonw__kv_u64(w, "pid", e->pid);
	jsonw__kv_str(w, "comm", e->comm);
	jsonw__kv_str(w, "exe", e->exe[0] ? e->exe : NULL);
	jsonw__kv_str(w, "cmdline", e->cmdline[0] ? e->cmdline : NULL);
	jsonw__end_object(w);
	jsonw__kv_str(w, "rule", f->rule->id);
	jsonw__kv_str(w, "family", f->rule->family);
	jsonw__kv_str(w, "severity", severity__name(f->rule->severity));
	jsonw__kv_str(w, "redacted", f->redacted);
	jsonw__kv_str(w, "fingerprint", f->fingerprint);
	jsonw__end_object(w);
	if (jsonw__str(w))
		printf("%s\n", jsonw__str(w));
}

static int walk(const struct scanjournal_opts *o, sd_journal *sd, size_t *found)
{
	struct jentry e;
	struct jsonw w;
	int r;

	jentry__init(&e);
	jsonw__init(&w);
	while ((r = libsystemd.journal_next(sd)) > 0) {
		uint64_t realtime_us = 0;
		char *cursor = NULL;

		if (jentry__read(sd, o->max_bytes, &e) < 0)
			continue;
		jentry__scan(&e, o->scanner, o->key);
		if (!e.n_findings)
			continue;
		jentry__attribute(sd, &e);
		jentry__finish(&e, o->procs);
		libsystemd.journal_get_realtime_usec(sd, &realtime_us);
		libsystemd.journal_get_cursor(sd, &cursor);
		for (size_t i = 0; i < e.n_findings; i++) {
			if (o->cfg && (config__rule_disabled(o->cfg, e.findings[i].rule->id) ||
				       ignore__leak(o->cfg->ignore, e.findings[i].fingerprint, e.findings[i].rule->id,
						    NULL, clock__realtime_ns() / 1000000000ULL)))
				continue; /* rules.disable, --disable-rule, the ignore file */
			print(o, &w, &e, &e.findings[i], cursor ? cursor : "", realtime_us);
			(*found)++;
		}
		free(cursor);
	}
	jsonw__free(&w);
	jentry__release(&e);
	return r;
}

int scanjournal__run(const struct scanjournal_opts *o, size_t *found)
{
	sd_journal *sd = NULL;
	char why[320];
	int err = sdapi__load(why, sizeof(why));

	if (err) {
		fprintf(stderr, "leakwatch: error: cannot read the journal: %s\n", why);
		return err;
	}

	for (size_t i = 0; i < (o->n_dirs ? o->n_dirs : 1); i++) {
		err = o->n_dirs ? libsystemd.journal_open_directory(&sd, o->dirs[i], 0)
				: libsystemd.journal_open(&sd, SD_JOURNAL_LOCAL_ONLY);
		if (err < 0) {
			fprintf(stderr, "leakwatch: error: %s: cannot open the journal: %s\n",
				o->n_dirs ? o->dirs[i] : "the system journal", strerror(-err));
			return err;
		}
		libsystemd.journal_set_data_threshold(sd, o->max_bytes + JENTRY_FIELD_LEN);
		err = o->since_us ? libsystemd.journal_seek_realtime_usec(sd, o->since_us) : libsystemd.journal_seek_head(sd);
		if (!err)
			err = walk(o, sd, found);
		libsystemd.journal_close(sd);
		if (err < 0) {
			fprintf(stderr, "leakwatch: error: %s: reading the journal failed: %s\n",
				o->n_dirs ? o->dirs[i] : "the system journal", strerror(-err));
			return err;
		}
	}
	return 0;
}

int scanjournal__parse_since(const char *s, uint64_t *out_us)
{
	static const char *const formats[] = { "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
					       "%Y-%m-%d", NULL };
	uint64_t ms, now_us = clock__realtime_ns() / 1000;
	struct tm tm;

	if (!parse_duration_ms(s, &ms)) {
		*out_us = ms * 1000 < now_us ? now_us - ms * 1000 : 1;
		return 0;
	}
	for (size_t i = 0; formats[i]; i++) {
		const char *end;
		time_t t;

		memset(&tm, 0, sizeof(tm));
		end = strptime(s, formats[i], &tm);
		/* a trailing Z or fraction is read as UTC, as the agent prints */
		if (!end || (*end && *end != 'Z' && *end != '.'))
			continue;
		t = timegm(&tm);
		if (t < 0)
			return -EINVAL;
		*out_us = (uint64_t)t * 1000000ULL;
		return 0;
	}
	return -EINVAL;
}
