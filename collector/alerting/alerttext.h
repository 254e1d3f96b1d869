/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The words of an alert, shared by the composers of each kind: a memstream
 * per string, "name=value" detail lines, and the "; process ...", "; pod
 * ..." phrases of a description.
 */
#ifndef LWC_ALERTTEXT_H
#define LWC_ALERTTEXT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "leakwatch/v1/leakwatch.pb-c.h"

struct alert_text {
	FILE *f;
	char *buf;
	size_t len;
};

int alerttext__open(struct alert_text *t);
/* The string, or NULL when a write ran out of memory. */
char *alerttext__close(struct alert_text *t);
/* Opens four at once; on failure none is left open. */
int alerttext__open4(struct alert_text *a, struct alert_text *b, struct alert_text *c, struct alert_text *d);

bool alerttext__set(const char *s);
/* A copy of a set string; NULL for an unset one (or out of memory). */
char *alerttext__dup(const char *s);
/* "name=value\n"; nothing for an unset value; line breaks become spaces. */
void alerttext__kv(FILE *f, const char *name, const char *value);
void alerttext__kv_u64(FILE *f, const char *name, uint64_t v);

/* "; process redis-server (pid 7012, /usr/bin/redis-server, user root)" */
void alerttext__where_process(FILE *f, const Leakwatch__V1__Process *p);
/* "; pod prod/api-7, container redis" or "; container 3f2a9c1b0d4e (docker)" */
void alerttext__where_container(FILE *f, const Leakwatch__V1__Container *c);
void alerttext__details_process(FILE *f, const Leakwatch__V1__Process *p, const Leakwatch__V1__Container *c);
void alerttext__labels_pod(FILE *f, const Leakwatch__V1__Container *c);

#endif
