/* SPDX-License-Identifier: Apache-2.0 */
/* A leak finding: a credential written to a log, without the credential. */
#ifndef LW_LEAK_H
#define LW_LEAK_H

#include <stdbool.h>
#include <stdint.h>

#include "attrib/procinfo.h"
#include "detect/scanner.h"
#include "leaks/secret.h"

enum lw_leak_source {
	LW_LEAK_FILE = 0,    /* bytes written to a watched file */
	LW_LEAK_JOURNAL = 1, /* a systemd journal entry */
	LW_LEAK_CATCHUP = 2, /* a watched file, read at start: written while the agent was down */
};

/* Which journal entry, by its trusted fields (scrubbed: host-taken text). */
struct lw_journal_ref {
	char unit[256];          /* _SYSTEMD_UNIT, or _SYSTEMD_USER_UNIT */
	char identifier[128];    /* SYSLOG_IDENTIFIER */
	char cursor[256];
	char field[64];          /* the field that held the secret */
	char hostname[128];      /* _HOSTNAME */
	char boot_id[40];        /* _BOOT_ID */
};

/* The program a relayed syslog line names in its header. */
struct lw_origin {
	char comm[64];
	uint32_t pid;
	char hostname[128];
	const char *format;      /* "rfc3164" or "rfc5424" */
	bool verified;           /* proc describes that process, alive on this host */
};

/*
 * The coalescer keys a finding by (fingerprint, dev, ino). A journal
 * finding has no file: dev is LW_JOURNAL_DEV and ino a hash of its unit
 * (or identifier), so one secret is one report per unit.
 */
#define LW_JOURNAL_DEV 0xffffffffu

struct lw_leak {
	enum lw_leak_source source;
	uint64_t first_ns;       /* wall clock of the first occurrence */
	uint64_t last_ns;
	const struct lw_rule_info *rule;
	char redacted[LW_REDACTED_MAX];
	char fingerprint[LW_FINGERPRINT_LEN + 1];

	char *path;              /* owned */
	char *previous_path;     /* owned: its name before a rename (logrotate), or NULL */
	uint32_t dev;            /* kernel dev_t */
	uint64_t ino;
	uint64_t offset;         /* file offset of the first occurrence's first byte */
	uint64_t last_offset;
	uint32_t length;         /* bytes of the secret */

	uint64_t count;          /* occurrences this report covers */
	uint64_t total;          /* occurrences since first seen */
	bool repeat;             /* a later report of a known leak */

	uint8_t syscall;         /* enum lw_write_syscall */
	int32_t fd;
	struct lw_proc proc;     /* who the leak is attributed to */
	/* who made the write call, when a runtime carried a container's output */
	bool has_writer;
	struct lw_proc writer;
	struct lw_journal_ref journal; /* LW_LEAK_JOURNAL only */
	bool has_origin;               /* a syslog daemon relayed the line */
	struct lw_origin origin;
};

#define LW_DEVICE_LEN 24

const char *leak__syscall_name(uint8_t syscall);
/* "major:minor" of a kernel dev_t */
const char *leak__device(uint32_t dev, char buf[LW_DEVICE_LEN]);

#endif
