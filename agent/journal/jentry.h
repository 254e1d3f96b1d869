/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One systemd journal entry, read for credentials: every field a program
 * sets (MESSAGE, and any name without a leading '_') goes through the
 * scanner, and the trusted fields journald adds (_PID, _COMM, _EXE,
 * _CMDLINE, _SYSTEMD_UNIT, _SYSTEMD_CGROUP, _UID, _HOSTNAME) say who wrote
 * it. Shared by the agent's follower and `leakwatch scan --journal`, so the
 * two find the same things with the same fingerprints. No secret is kept:
 * only each finding's rule, redacted form and fingerprint.
 *
 * The user fields are joined, one per line, and scanned in one call: an
 * entry has a dozen of them, and one scan costs less than twelve. Of the
 * trusted fields, only those that decide whether an entry is scanned are
 * read with it; the rest are read again from the entry when it has a
 * finding (jentry__attribute).
 */
#ifndef LW_JENTRY_H
#define LW_JENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-journal.h>

#include "attrib/procinfo.h"
#include "detect/scanner.h"
#include "leaks/secret.h"

#define JENTRY_MAX_FINDINGS 16
#define JENTRY_FIELD_LEN 64
/* Bytes of user fields scanned per entry: a thousand fields of 64 KiB must not
 * make the agent hold 64 MiB. Fields past it are skipped and counted. */
#define JENTRY_BYTES_MAX (1 << 20)

struct jentry_finding {
	const struct lw_rule_info *rule;
	char redacted[LW_REDACTED_MAX];
	char fingerprint[LW_FINGERPRINT_LEN + 1];
	uint32_t length;             /* bytes of the secret */
	char field[JENTRY_FIELD_LEN];  /* the field that held it */
};

struct jentry_field {
	size_t off, len;             /* in buf */
	char name[JENTRY_FIELD_LEN];
};

struct jentry {
	/* what decides whether the entry is scanned, read with it */
	bool has_pid;
	uint32_t pid;                /* _PID */
	char unit[256];              /* _SYSTEMD_UNIT, else _SYSTEMD_USER_UNIT */
	char identifier[128];        /* SYSLOG_IDENTIFIER */
	uint64_t bytes;              /* bytes of user fields read */
	size_t n_findings;           /* distinct secrets, at most JENTRY_MAX_FINDINGS */
	size_t dropped;              /* distinct secrets past that */
	size_t skipped;              /* fields past JENTRY_BYTES_MAX */
	struct jentry_finding findings[JENTRY_MAX_FINDINGS];

	/* who wrote it: read by jentry__attribute, scrubbed by jentry__finish */
	bool has_uid;
	uint32_t uid;                /* _UID */
	char comm[16];               /* _COMM */
	char exe[256];               /* _EXE */
	char cmdline[1024];          /* _CMDLINE; credentials blanked once finished */
	char cgroup[256];            /* _SYSTEMD_CGROUP */
	char hostname[128];          /* _HOSTNAME */
	char boot_id[40];            /* _BOOT_ID */

	/* the user fields, joined by newlines (private) */
	char *buf;
	size_t len, cap;
	struct jentry_field *fields;
	size_t n_fields, cap_fields;
};

void jentry__init(struct jentry *e);
void jentry__release(struct jentry *e);
/*
 * Reads the entry the journal is positioned on: the first max_bytes bytes
 * of each user field, and of the trusted fields only _PID and the unit,
 * which decide whether it is scanned. 0 or -errno.
 */
int jentry__read(sd_journal *j, size_t max_bytes, struct jentry *e);
/* Scans what was read: one finding per distinct secret, in the first field it appears in. */
void jentry__scan(struct jentry *e, struct scanner *sc, const struct lw_fpkey *key);
/*
 * The trusted fields of the same entry (the journal still positioned on it):
 * read only for an entry with findings, which is rare, so that the others
 * cost no copies of fields nobody reads. 0 or -errno.
 */
int jentry__attribute(sd_journal *j, struct jentry *e);
/* Before a report: blanks credentials in the command line and scrubs host-taken text. */
void jentry__finish(struct jentry *e, struct procinfo *pi);

#endif
