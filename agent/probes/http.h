/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP/1.1 for the probes of HTTP APIs: one request with `Connection:
 * close`, and its reply parsed from the bytes the runner hands over
 * (Content-Length, chunked, or up to the close). Bodies are read, never
 * shown: a probe reports a status and at most a count or a version.
 */
#ifndef LW_PROBE_HTTP_H
#define LW_PROBE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/probe.h"

struct http_reply {
	int status;
	const char *head;      /* status line and headers, not NUL-terminated */
	size_t head_len;
	const uint8_t *body;   /* de-chunked; valid until the thread's next parse */
	size_t body_len;
};

/* The request, into io->out; PROBE_SEND, or a verdict when it does not fit. */
enum probe_next http__get(struct probe_io *io, const char *path);
enum probe_next http__post_json(struct probe_io *io, const char *path, const char *json);

/*
 * Waits for a whole reply. Returns true when the step must return *next
 * now: the reply is incomplete (PROBE_MORE), the server wants TLS
 * (PROBE_TLS), or it is no HTTP at all (an unknown verdict with no protocol).
 * false: *r holds the reply, for the probe to judge.
 */
bool http__await(struct probe_io *io, struct http_reply *r, enum probe_next *next);

/* The next request needs a connection of its own (each asks `Connection:
 * close`): step is where the probe goes on, on the new connection. */
enum probe_next http__again(struct probe_io *io, int step);

/*
 * The usual single request: GET path at step 0, then its reply. true once
 * the reply is in r; false with *next to return until then (or the end).
 */
bool http__get_reply(struct probe_io *io, const char *path, struct http_reply *r, enum probe_next *next);

/* A header's value (first occurrence, case-insensitive name), cut to len; false if absent. */
bool http__header(const struct http_reply *r, const char *name, char *out, size_t len);

/*
 * The common refusals: 401, 403 and 407 give "required". protocol names
 * what answered when the probe recognised its shape, else "http". false
 * for any other status.
 */
bool http__refused(struct probe_io *io, const struct http_reply *r, const char *protocol,
		   const char *request, enum probe_next *next);

/*
 * The verdict of a request that lists what the service holds (models,
 * collections, databases): a 200 with the list, n >= 0 items, is open
 * access, named protocol; anything else is unknown, named protocol when
 * the service was recognised anyway, else "http" (or nothing on a 200 of
 * another shape). server, when set, is the Server header to add.
 */
enum probe_next http__list_verdict(struct probe_io *io, const struct http_reply *r, long n,
				   const char *protocol, bool recognised, const char *request,
				   const char *noun, const char *server);

/* Does the body contain s (a plain substring test, for a JSON key or a banner)? */
bool http__body_has(const struct http_reply *r, const char *s);

#endif
