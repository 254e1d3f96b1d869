/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who a process is: exe, redacted cmdline, user, container, pod. The
 * procinfo object holds what the answers draw on: the node's pod names
 * (cached), and the scanner that blanks credentials in command lines.
 */
#ifndef LW_PROCINFO_H
#define LW_PROCINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "attrib/container.h"
#include "leakwatch/events.h"
#include "detect/scanner.h"

struct lw_proc {
	uint32_t tgid; /* process id */
	uint32_t pid;  /* thread id */
	uint32_t uid;
	uint64_t cgroup_id;
	char comm[16];
	char exe[256];
	char cmdline[1024]; /* credentials blanked by cmdline__redact, and the scrubber */
	char user[64];
	struct lw_container container;
};

/* No lock: one per thread. */
struct procinfo;

struct procinfo *procinfo__new(void);
void procinfo__free(struct procinfo *pi);
/*
 * Command lines are also scrubbed of whatever s recognises as a secret:
 * flag-based redaction (cmdline.h) cannot see a token passed as a plain
 * argument. NULL: flags only. s must outlive its use here; scanner__scan
 * may run from a stream's callback, where leaks are attributed.
 */
void procinfo__set_scrubber(struct procinfo *pi, struct scanner *s);

/* What the kernel said of the task: tgid, pid, uid, cgroup and comm; the rest empty. */
void procinfo__from_task(struct lw_proc *p, const struct lw_task *t);
/* Blanks what the scrubber recognises as a secret in host-taken text (a unit
 * name, a path, a header's program name): NUL-terminated, changed in place. */
void procinfo__scrub(struct procinfo *pi, char *text);
/* A container and its pod from a cgroup path another source gave (the
 * journal's _SYSTEMD_CGROUP). false when the path names no container. */
bool procinfo__container(struct procinfo *pi, const char *cgroup, struct lw_container *c);

/*
 * Adds exe, cmdline, user and container to a process whose tgid, pid, uid
 * and comm the kernel gave. Fields stay empty when the process is gone.
 */
void procinfo__enrich(struct procinfo *pi, struct lw_proc *p);
/* Everything from /proc alone, for processes found at start-up. */
int procinfo__read(struct procinfo *pi, uint32_t tgid, struct lw_proc *p);
/*
 * Is path a container's output kept by its runtime (pods__log_owner)? Then
 * the bytes in it are the container's: *writer gets *proc (the runtime that
 * only carried them), *proc the container's process, or what the path says
 * of the container when none runs. false, and nothing changed, otherwise.
 */
bool procinfo__log_writer(struct procinfo *pi, const char *path, struct lw_proc *proc, struct lw_proc *writer);

#endif
