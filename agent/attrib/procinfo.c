// SPDX-License-Identifier: Apache-2.0
#include "attrib/procinfo.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib/cmdline.h"
#include "attrib/hostfs.h"
#include "attrib/pods.h"
#include "attrib/procfs.h"
#include "detect/scrub.h"

/* The name the process itself would see: its own root's /etc/passwd first. */
static void user_name(uint32_t tgid, uint32_t uid, char *out, size_t len)
{
	char path[256], line[512];
	struct passwd pw, *res = NULL;
	char buf[1024];
	FILE *f;

	out[0] = '\0';
	if (hostfs__path(path, sizeof(path), "/proc/%u/root/etc/passwd", tgid) && (f = fopen(path, "re"))) {
		while (fgets(line, sizeof(line), f)) {
			char *name = line, *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

			if (!c2)
				continue;
			*c1 = '\0';
			if (strtoul(c2 + 1, NULL, 10) == uid && c2[1] != ':') {
				snprintf(out, len, "%s", name);
				break;
			}
		}
		fclose(f);
		if (out[0])
			return;
	}
	if (!getpwuid_r(uid, &pw, buf, sizeof(buf), &res) && res)
		snprintf(out, len, "%s", res->pw_name);
}

void procinfo__enrich(struct lw_proc *p)
{
	char path[256], args[4096];
	ssize_t n;

	if (hostfs__path(path, sizeof(path), "/proc/%u/exe", p->tgid)) {
		n = readlink(path, p->exe, sizeof(p->exe) - 1);
		p->exe[n > 0 ? n : 0] = '\0';
	}
	if (hostfs__path(path, sizeof(path), "/proc/%u/cmdline", p->tgid)) {
		n = procfs__read(path, args, sizeof(args));
		if (n > 0) {
			cmdline__redact(args, (size_t)n, p->cmdline, sizeof(p->cmdline));
			scrub__text(p->cmdline);
		}
	}
	user_name(p->tgid, p->uid, p->user, sizeof(p->user));
	container__of_pid(p->tgid, &p->container);
	pods__enrich(&p->container);
}

int procinfo__read(uint32_t tgid, struct lw_proc *p)
{
	char path[256], status[4096];
	const char *uid_line;
	ssize_t n;

	memset(p, 0, sizeof(*p));
	p->tgid = p->pid = tgid;
	if (!hostfs__path(path, sizeof(path), "/proc/%u/status", tgid))
		return -ENAMETOOLONG;
	n = procfs__read(path, status, sizeof(status));
	if (n < 0)
		return (int)n;
	uid_line = strstr(status, "\nUid:");
	if (uid_line)
		p->uid = (uint32_t)strtoul(uid_line + 5, NULL, 10);
	if (hostfs__path(path, sizeof(path), "/proc/%u/comm", tgid) &&
	    procfs__read(path, p->comm, sizeof(p->comm)) > 0)
		p->comm[strcspn(p->comm, "\n")] = '\0';
	procinfo__enrich(p);
	return 0;
}
