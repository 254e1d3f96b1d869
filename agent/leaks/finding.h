/* SPDX-License-Identifier: Apache-2.0 */
/* A leak finding: a credential written to a log, without the credential. */
#ifndef LW_LEAK_H
#define LW_LEAK_H

#include <stdbool.h>
#include <stdint.h>

#include "attrib/procinfo.h"
#include "detect/scanner.h"
#include "detect/secret.h"

struct lw_leak {
	uint64_t first_ns;       /* wall clock of the first occurrence */
	uint64_t last_ns;
	const struct lw_rule_info *rule;
	char redacted[LW_REDACTED_MAX];
	char fingerprint[LW_FINGERPRINT_LEN + 1];

	char *path;              /* owned */
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
};

#define LW_DEVICE_LEN 24

const char *leak__syscall_name(uint8_t syscall);
/* "major:minor" of a kernel dev_t */
const char *leak__device(uint32_t dev, char buf[LW_DEVICE_LEN]);

#endif
