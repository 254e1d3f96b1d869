// SPDX-License-Identifier: Apache-2.0
#include "alerting/alerttext.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int alerttext__open(struct alert_text *t)
{
	t->buf = NULL;
	t->f = open_memstream(&t->buf, &t->len);
	return t->f ? 0 : -ENOMEM;
}

/* The string, or NULL when a write ran out of memory. */
char *alerttext__close(struct alert_text *t)
{
	bool bad = ferror(t->f);

	if (fclose(t->f) || bad) {
		free(t->buf);
		return NULL;
	}
	return t->buf;
}

bool alerttext__set(const char *s)
{
	return s && *s;
}

char *alerttext__dup(const char *s)
{
	return alerttext__set(s) ? strdup(s) : NULL;
}

/* "name=value\n"; a value's line breaks become spaces so lines stay records */
void alerttext__kv(FILE *f, const char *name, const char *value)
{
	if (!alerttext__set(value))
		return;
	fprintf(f, "%s=", name);
	for (const char *p = value; *p; p++)
		fputc(*p == '\n' || *p == '\r' ? ' ' : *p, f);
	fputc('\n', f);
}

void alerttext__kv_u64(FILE *f, const char *name, uint64_t v)
{
	fprintf(f, "%s=%" PRIu64 "\n", name, v);
}

/* "; process redis-server (pid 7012, /usr/bin/redis-server, user root)" */
void alerttext__where_process(FILE *f, const Leakwatch__V1__Process *p)
{
	if (!p || (!p->pid && !alerttext__set(p->comm)))
		return;
	fprintf(f, "; process %s (pid %u", alerttext__set(p->comm) ? p->comm : "?", p->pid);
	if (alerttext__set(p->exe))
		fprintf(f, ", %s", p->exe);
	if (alerttext__set(p->user))
		fprintf(f, ", user %s", p->user);
	fputc(')', f);
}

/* "; pod prod/api-7, container redis" or "; container 3f2a9c1b0d4e (docker)" */
void alerttext__where_container(FILE *f, const Leakwatch__V1__Container *c)
{
	if (!c)
		return;
	if (alerttext__set(c->pod_name))
		fprintf(f, "; pod %s%s%s", alerttext__set(c->pod_namespace) ? c->pod_namespace : "",
			alerttext__set(c->pod_namespace) ? "/" : "", c->pod_name);
	else if (alerttext__set(c->pod_uid))
		fprintf(f, "; pod uid %s", c->pod_uid);
	if (alerttext__set(c->container_name))
		fprintf(f, "%s container %s", alerttext__set(c->pod_name) || alerttext__set(c->pod_uid) ? "," : ";",
			c->container_name);
	else if (alerttext__set(c->id))
		fprintf(f, "%s container %.12s%s%s%s", alerttext__set(c->pod_name) || alerttext__set(c->pod_uid) ? "," : ";",
			c->id, alerttext__set(c->runtime) ? " (" : "", alerttext__set(c->runtime) ? c->runtime : "",
			alerttext__set(c->runtime) ? ")" : "");
}

void alerttext__details_process(FILE *f, const Leakwatch__V1__Process *p, const Leakwatch__V1__Container *c)
{
	if (p && (p->pid || alerttext__set(p->comm))) {
		alerttext__kv(f, "process", p->comm);
		alerttext__kv_u64(f, "pid", p->pid);
		alerttext__kv(f, "exe", p->exe);
		alerttext__kv(f, "user", p->user);
	}
	if (c) {
		alerttext__kv(f, "namespace", c->pod_namespace);
		alerttext__kv(f, "pod", c->pod_name);
		alerttext__kv(f, "pod_uid", c->pod_uid);
		alerttext__kv(f, "container", c->container_name);
		alerttext__kv(f, "image", c->image);
		alerttext__kv(f, "container_id", c->id);
		alerttext__kv(f, "container_runtime", c->runtime);
	}
}

void alerttext__labels_pod(FILE *f, const Leakwatch__V1__Container *c)
{
	if (c) {
		alerttext__kv(f, "namespace", c->pod_namespace);
		alerttext__kv(f, "pod", c->pod_name);
	}
}

int alerttext__open4(struct alert_text *a, struct alert_text *b, struct alert_text *c, struct alert_text *d)
{
	int err = alerttext__open(a);

	err = err ?: alerttext__open(b);
	err = err ?: alerttext__open(c);
	err = err ?: alerttext__open(d);
	if (err) {
		/* close what opened; the buffers are empty */
		struct alert_text *all[] = { a, b, c, d };

		for (int i = 0; i < 4; i++)
			if (all[i]->f)
				free(alerttext__close(all[i]));
	}
	return err;
}

