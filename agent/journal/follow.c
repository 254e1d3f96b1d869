// SPDX-License-Identifier: Apache-2.0
#include "journal/follow.h"

#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attrib/hostfs.h"
#include "os/clock.h"
#include "config/glob.h"
#include "journal/jcursor.h"
#include "journal/jentry.h"
#include "journal/sdapi.h"
#include "os/log.h"

#define BUDGET_NS (20 * 1000 * 1000ULL) /* of scanning per poll: the ring buffers wait meanwhile */
#define CHECKPOINT_MS 1000
#define CHECKPOINTS 64                   /* more than coalesce_delay's 60 s maximum */

/* The cursor of the last entry scanned at a moment: saved once the
 * findings of every entry up to it have been reported. */
struct checkpoint {
	char *cursor;
	uint64_t at_ms;
};

struct journal {
	struct journal_opts o;
	sd_journal *sd;
	char state[4096];           /* state_dir/journal.cursor */
	char saved[JCURSOR_MAX];    /* what the file holds */
	bool pending_current;       /* positioned on an entry not scanned yet */
	bool positioned;            /* on an entry scanned: its cursor may be saved */
	bool catching_up;           /* until the end is first reached */
	uint64_t catchup_bytes;
	struct checkpoint cp[CHECKPOINTS];
	size_t n_cp;
	uint64_t next_cp_ms;
	uint32_t self;
	struct jentry e;
	struct journal_stats st;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* journal.directory, or the host's /var/log/journal and /run/log/journal. */
static int open_sd(const char *dir, sd_journal **sd)
{
	const char *root = hostfs__root();
	char path[4096];
	struct stat st;

	if (dir) {
		if (stat(dir, &st) || !S_ISDIR(st.st_mode))
			return -ENOENT;
		return libsystemd.journal_open_directory(sd, dir, 0);
	}
	if (!root || !*root)
		root = "/";
	if ((!hostfs__path(path, sizeof(path), "/var/log/journal") || stat(path, &st)) &&
	    (!hostfs__path(path, sizeof(path), "/run/log/journal") || stat(path, &st)))
		return -ENOENT;
	return libsystemd.journal_open_directory(sd, root, SD_JOURNAL_OS_ROOT);
}

static void gap(struct journal *j, const char *why, int64_t entries)
{
	j->st.gaps++;
	if (entries > 0)
		log_warn("journal: %s: %" PRId64 " entries were not scanned", why, entries);
	else
		log_warn("journal: %s: the entries in between were not scanned", why);
}

/* On the saved entry, or past the end of what is kept of it. */
static void seek_saved(struct journal *j, const struct jcursor_pos *saved)
{
	struct jcursor_pos here;
	char *cur = NULL;
	int64_t n;
	int r = libsystemd.journal_next(j->sd);

	if (r > 0 && libsystemd.journal_test_cursor(j->sd, j->saved) > 0) {
		j->positioned = true;
		return;
	}
	if (r <= 0)
		return; /* nothing after it yet: new entries follow */
	/* the saved entry is gone: scan from the first one still kept */
	j->pending_current = true;
	if (libsystemd.journal_get_cursor(j->sd, &cur) >= 0 && jcursor__parse(cur, &here)) {
		n = jcursor__between(saved, &here);
		if (n != 0)
			gap(j, "rotated or vacuumed past the saved cursor", n);
	} else {
		gap(j, "rotated or vacuumed past the saved cursor", -1);
	}
	free(cur);
}

/*
 * On the last entry, taken as scanned. An empty journal is followed from its
 * head instead: after a seek to the tail with no entry to stand on,
 * libsystemd's next() answers with the last entry of the first file that
 * appears, passing over every entry written into it before that.
 */
static void seek_end(struct journal *j)
{
	libsystemd.journal_seek_tail(j->sd);
	j->positioned = libsystemd.journal_previous(j->sd) > 0;
	if (!j->positioned)
		libsystemd.journal_seek_head(j->sd);
}

/* Where the last run stopped, within max_catchup; else the end. */
static void position(struct journal *j)
{
	const struct journal_opts *o = &j->o;
	uint64_t now_us = clock__realtime_ns() / 1000, limit_us = 0;
	struct jcursor_pos saved;
	int err = jcursor__load(j->state, j->saved);

	if (err == -EINVAL)
		log_warn("journal: %s is not a cursor; following from the end", j->state);
	else if (err && err != -ENOENT)
		log_warn("journal: cannot read %s: %s; following from the end", j->state, strerror(-err));
	if (err || libsystemd.journal_seek_cursor(j->sd, j->saved) < 0) {
		/* on the last entry, taken as scanned: its cursor is saved even
		 * if nothing is written before the next restart */
		j->saved[0] = '\0';
		seek_end(j);
		return;
	}
	j->catching_up = true;
	if (o->max_catchup_ms && now_us > o->max_catchup_ms * 1000)
		limit_us = now_us - o->max_catchup_ms * 1000;
	jcursor__parse(j->saved, &saved);
	if (limit_us && saved.has_realtime && saved.realtime_us < limit_us) {
		gap(j, "stopped for longer than journal.max_catchup", -1);
		libsystemd.journal_seek_realtime_usec(j->sd, limit_us);
		return;
	}
	seek_saved(j, &saved);
}

int journal__open(const struct journal_opts *o, struct journal **out)
{
	char why[320];
	struct journal *j;
	int err;

	if (sdapi__load(why, sizeof(why)))
		return -ELIBACC; /* the caller says why: sdapi__load again */
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->o = *o;
	j->self = (uint32_t)getpid();
	jentry__init(&j->e);
	snprintf(j->state, sizeof(j->state), "%s/journal.cursor", o->state_dir);
	err = open_sd(o->directory, &j->sd);
	if (err) {
		free(j);
		return err;
	}
	/* fields are scanned up to capture.max_bytes, as writes are */
	libsystemd.journal_set_data_threshold(j->sd, o->max_bytes + JENTRY_FIELD_LEN);
	/* inotify from now on, so that rotated and new files are seen */
	libsystemd.journal_get_fd(j->sd);
	position(j);
	*out = j;
	return 0;
}

static bool unit_wanted(const struct journal_opts *o, const char *unit)
{
	bool in = !o->n_units;

	for (size_t i = 0; i < o->n_units && !in; i++)
		in = glob__match(o->units[i], unit);
	for (size_t i = 0; i < o->n_exclude_units && in; i++)
		in = !glob__match(o->exclude_units[i], unit);
	return in;
}

/* A stable key per unit (or identifier): one secret is one report per unit. */
static uint64_t place_key(const struct jentry *e)
{
	const char *s = e->unit[0] ? e->unit : e->identifier;
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return h;
}

static void attribute(struct procinfo *pi, const struct jentry *e, struct lw_proc *p)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	p->tgid = p->pid = e->pid;
	p->uid = e->uid;
	memcpy(p->comm, e->comm, sizeof(p->comm));
	memcpy(p->exe, e->exe, sizeof(p->exe));
	memcpy(p->cmdline, e->cmdline, sizeof(p->cmdline));
	if (e->has_uid && !getpwuid_r(e->uid, &pw, buf, sizeof(buf), &res) && res)
		snprintf(p->user, sizeof(p->user), "%s", res->pw_name);
	if (e->cgroup[0])
		procinfo__container(pi, e->cgroup, &p->container);
}

static void report(struct journal *j, const struct jentry *e)
{
	uint64_t realtime_us = 0, ino = place_key(e), ts;
	struct lw_leak leak;
	char *cursor = NULL;

	libsystemd.journal_get_realtime_usec(j->sd, &realtime_us);
	ts = realtime_us ? realtime_us * 1000 : clock__realtime_ns();
	libsystemd.journal_get_cursor(j->sd, &cursor);
	for (size_t i = 0; i < e->n_findings; i++) {
		const struct jentry_finding *f = &e->findings[i];

		j->st.findings++;
		if (leaks__seen(j->o.leaks, f->fingerprint, LW_JOURNAL_DEV, ino, ts))
			continue;
		memset(&leak, 0, sizeof(leak));
		leak.source = LW_LEAK_JOURNAL;
		leak.rule = f->rule;
		memcpy(leak.redacted, f->redacted, sizeof(leak.redacted));
		memcpy(leak.fingerprint, f->fingerprint, sizeof(leak.fingerprint));
		leak.length = f->length;
		leak.first_ns = leak.last_ns = ts;
		leak.dev = LW_JOURNAL_DEV;
		leak.ino = ino;
		snprintf(leak.journal.unit, sizeof(leak.journal.unit), "%s", e->unit);
		snprintf(leak.journal.identifier, sizeof(leak.journal.identifier), "%s", e->identifier);
		snprintf(leak.journal.cursor, sizeof(leak.journal.cursor), "%s", cursor ? cursor : "");
		snprintf(leak.journal.field, sizeof(leak.journal.field), "%s", f->field);
		snprintf(leak.journal.hostname, sizeof(leak.journal.hostname), "%s", e->hostname);
		snprintf(leak.journal.boot_id, sizeof(leak.journal.boot_id), "%s", e->boot_id);
		attribute(j->o.procs, e, &leak.proc);
		leaks__add(j->o.leaks, &leak);
	}
	free(cursor);
}

static void scan_entry(struct journal *j)
{
	struct jentry *e = &j->e;
	int r = jentry__read(j->sd, j->o.max_bytes, e);

	if (r < 0) {
		/* counted and said, never passed over in silence */
		if (!j->st.unreadable++)
			log_warn("journal: an entry could not be read (%s); such entries are counted in the health line",
				 strerror(-r));
		return;
	}
	if ((e->has_pid && e->pid == j->self) || !unit_wanted(&j->o, e->unit)) {
		j->st.filtered++;
		return;
	}
	jentry__scan(e, j->o.scanner, j->o.key);
	j->st.entries++;
	j->st.bytes += e->bytes;
	j->st.findings_dropped += e->dropped;
	j->st.fields_skipped += e->skipped;
	if (j->catching_up) {
		j->st.catchup++;
		j->catchup_bytes += e->bytes;
	}
	if (!e->n_findings)
		return;
	/* a failure leaves fields blank: the finding is reported all the same */
	jentry__attribute(j->sd, e);
	jentry__finish(e, j->o.procs);
	report(j, e);
}

/* The byte bound of journal.max_catchup: what is left of the backlog is skipped. */
static void catchup_bound(struct journal *j)
{
	uint64_t bound = j->o.max_catchup_bytes;

	if (!bound || j->catchup_bytes < bound)
		return;
	gap(j, "the backlog since the saved cursor exceeds journal.max_catchup", -1);
	j->catching_up = false;
	seek_end(j);
}

int journal__poll(struct journal *j, bool *more)
{
	uint64_t start = now_ns();
	size_t n = 0;
	int r;

	*more = false;
	libsystemd.journal_process(j->sd);
	for (;;) {
		if (!j->pending_current) {
			r = libsystemd.journal_next(j->sd);
			if (r < 0) {
				log_warn("journal: reading the next entry failed: %s", strerror(-r));
				return r;
			}
			if (!r)
				break;
		}
		j->pending_current = false;
		j->positioned = true;
		scan_entry(j);
		if (j->catching_up)
			catchup_bound(j);
		if (!(++n & 63) && now_ns() - start > BUDGET_NS) {
			*more = true;
			return 0;
		}
	}
	if (j->catching_up) {
		j->catching_up = false;
		log_info("journal: caught up after %" PRIu64 " entries written while the agent was stopped",
			 j->st.catchup);
	}
	return 0;
}

static void save(struct journal *j, const char *cursor)
{
	int err;

	if (!strcmp(cursor, j->saved))
		return;
	err = jcursor__save(j->state, cursor);
	if (err) {
		if (!j->st.save_errors++)
			log_warn("journal: cannot save the cursor to %s: %s", j->state, strerror(-err));
		return;
	}
	snprintf(j->saved, sizeof(j->saved), "%s", cursor);
}

void journal__tick(struct journal *j, uint64_t now_ms)
{
	uint64_t delay = j->o.coalesce_delay_ms;
	char *cursor = NULL;
	size_t due = 0;

	if (now_ms < j->next_cp_ms)
		return;
	j->next_cp_ms = now_ms + CHECKPOINT_MS;
	if (j->positioned && !j->pending_current && libsystemd.journal_get_cursor(j->sd, &cursor) >= 0) {
		if (j->n_cp == CHECKPOINTS) {
			free(j->cp[0].cursor);
			memmove(j->cp, j->cp + 1, (CHECKPOINTS - 1) * sizeof(j->cp[0]));
			j->n_cp--;
		}
		j->cp[j->n_cp++] = (struct checkpoint){ cursor, now_ms };
	}
	/* the newest checkpoint whose findings the coalescer has reported */
	while (due < j->n_cp && j->cp[due].at_ms + delay <= now_ms)
		due++;
	if (!due)
		return;
	save(j, j->cp[due - 1].cursor);
	for (size_t i = 0; i < due; i++)
		free(j->cp[i].cursor);
	memmove(j->cp, j->cp + due, (j->n_cp - due) * sizeof(j->cp[0]));
	j->n_cp -= due;
}

void journal__reconfigure(struct journal *j, const struct journal_opts *o)
{
	/* the directory and state_dir were read at open: the journal and its
	 * cursor file stay those (a change takes a restart) */
	j->o = *o;
}

void journal__stats(const struct journal *j, struct journal_stats *out)
{
	*out = j->st;
}

void journal__close(struct journal *j)
{
	char *cursor = NULL;

	if (!j)
		return;
	if (j->positioned && !j->pending_current && libsystemd.journal_get_cursor(j->sd, &cursor) >= 0)
		save(j, cursor);
	free(cursor);
	for (size_t i = 0; i < j->n_cp; i++)
		free(j->cp[i].cursor);
	jentry__release(&j->e);
	libsystemd.journal_close(j->sd);
	free(j);
}
