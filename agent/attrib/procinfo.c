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

struct procinfo {
	struct pods *pods;
	struct scanner *scrubber;
};

struct procinfo *procinfo__new(void)
{
	struct procinfo *pi = calloc(1, sizeof(*pi));
	struct pods *pods = pods__new();

	if (!pi || !pods) {
		pods__free(pods);
		free(pi);
		return NULL;
	}
	pi->pods = pods;
	return pi;
}

void procinfo__free(struct procinfo *pi)
{
	if (pi)
		pods__free(pi->pods);
	free(pi);
}

void procinfo__set_scrubber(struct procinfo *pi, struct scanner *s)
{
	pi->scrubber = s;
}

static int blank(void *ctx, const struct lw_scan_match *m)
{
	char *text = ctx;
	size_t len = strlen(text);

	for (uint64_t i = m->start; i < m->end && i < len; i++)
		text[i] = '*';
	return 0;
}

void procinfo__from_task(struct lw_proc *p, const struct lw_task *t)
{
	memset(p, 0, sizeof(*p));
	p->tgid = t->tgid;
	p->pid = t->pid;
	p->uid = t->uid;
	p->cgroup_id = t->cgroup_id;
	memcpy(p->comm, t->comm, sizeof(t->comm));
	p->comm[sizeof(p->comm) - 1] = '\0';
}

void procinfo__scrub(struct procinfo *pi, char *text)
{
	if (pi && pi->scrubber && text[0])
		scanner__scan(pi->scrubber, text, strlen(text), blank, text);
}

/* Names a workload chose (pod, namespace, container) are host-taken text too. */
static void scrub_container(struct procinfo *pi, struct lw_container *c)
{
	procinfo__scrub(pi, c->cgroup);
	procinfo__scrub(pi, c->pod_name);
	procinfo__scrub(pi, c->pod_namespace);
	procinfo__scrub(pi, c->container_name);
	procinfo__scrub(pi, c->image);
}

/*
 * Every string taken from the host leaves the agent scrubbed: a token in a
 * binary's path, a user name or a pod name is as raw as one in a log.
 */
static void scrub_proc(struct procinfo *pi, struct lw_proc *p)
{
	procinfo__scrub(pi, p->comm);
	procinfo__scrub(pi, p->exe);
	procinfo__scrub(pi, p->cmdline);
	procinfo__scrub(pi, p->user);
	scrub_container(pi, &p->container);
}

bool procinfo__container(struct procinfo *pi, const char *cgroup, struct lw_container *c)
{
	if (!container__parse_path(cgroup, c))
		return false;
	pods__enrich(pi->pods, c);
	scrub_container(pi, c);
	return true;
}

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

void procinfo__enrich(struct procinfo *pi, struct lw_proc *p)
{
	char path[256], args[4096];
	ssize_t n;

	if (hostfs__path(path, sizeof(path), "/proc/%u/exe", p->tgid)) {
		n = readlink(path, p->exe, sizeof(p->exe) - 1);
		p->exe[n > 0 ? n : 0] = '\0';
	}
	if (hostfs__path(path, sizeof(path), "/proc/%u/cmdline", p->tgid)) {
		n = procfs__read(path, args, sizeof(args));
		if (n > 0)
			cmdline__redact(args, (size_t)n, p->cmdline, sizeof(p->cmdline));
	}
	user_name(p->tgid, p->uid, p->user, sizeof(p->user));
	container__of_pid(p->tgid, &p->container);
	pods__enrich(pi->pods, &p->container);
	scrub_proc(pi, p);
}

int procinfo__read(struct procinfo *pi, uint32_t tgid, struct lw_proc *p)
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
	procinfo__enrich(pi, p);
	return 0;
}

/* Fills what the process's own cgroup did not say from what the log's path does. */
static void fill_gaps(struct lw_container *c, const struct lw_container *from_path)
{
	if (!c->pod_name[0])
		memcpy(c->pod_name, from_path->pod_name, sizeof(c->pod_name));
	if (!c->pod_namespace[0])
		memcpy(c->pod_namespace, from_path->pod_namespace, sizeof(c->pod_namespace));
	if (!c->container_name[0])
		memcpy(c->container_name, from_path->container_name, sizeof(c->container_name));
	if (!c->pod_uid[0])
		memcpy(c->pod_uid, from_path->pod_uid, sizeof(c->pod_uid));
	if (!c->image[0])
		memcpy(c->image, from_path->image, sizeof(c->image));
}

bool procinfo__log_writer(struct procinfo *pi, const char *path, struct lw_proc *proc, struct lw_proc *writer)
{
	struct lw_container owner;
	uint32_t pid;

	if (!path || !pods__log_owner(path, &owner))
		return false;
	if (owner.id[0] && !strcmp(owner.id, proc->container.id))
		return false; /* the container writing its own file */
	*writer = *proc;
	memset(proc, 0, sizeof(*proc));
	pid = owner.id[0] ? pods__container_pid(owner.id) : 0;
	if (pid && !procinfo__read(pi, pid, proc)) {
		/* the process's own cgroup is authoritative; the path fills the gaps */
		fill_gaps(&proc->container, &owner);
		scrub_container(pi, &proc->container);
		return true;
	}
	proc->container = owner;
	pods__enrich(pi->pods, &proc->container);
	scrub_container(pi, &proc->container);
	return true;
}
