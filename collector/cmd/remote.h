/* SPDX-License-Identifier: Apache-2.0 */
/*
 * query and ack against a running collector elsewhere, over its HTTP API,
 * with an operator token. The token comes from --token-file or the
 * environment (LEAKWATCH_COLLECTOR_TOKEN), never from the command line,
 * where every user of the host could read it in ps.
 */
#ifndef COLLECTOR_REMOTE_H
#define COLLECTOR_REMOTE_H

#include <stddef.h>

#define REMOTE_TOKEN_ENV "LEAKWATCH_COLLECTOR_TOKEN"

struct remote {
	const char *url;        /* https://collector:4520 */
	const char *token_file; /* NULL: REMOTE_TOKEN_ENV */
	const char *ca_file;    /* NULL: the system's CAs */
};

struct remote_reply {
	long status;
	char *body; /* NUL-terminated, malloc'd */
	size_t len;
};

/*
 * METHOD url + path; path already escaped. 0 with reply set (any status),
 * or EXIT_ERROR after saying why (no token, no connection).
 */
int remote__call(const struct remote *r, const char *method, const char *path, struct remote_reply *reply);
void remote__free(struct remote_reply *reply);
/* value escaped for a query string, into out; NULL when it does not fit */
char *remote__escape(const char *value, char *out, size_t len);

#endif
