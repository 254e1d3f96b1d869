// SPDX-License-Identifier: Apache-2.0
#include "probes/http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BODY_MAX (64 * 1024)

/* a reply is parsed on the runner's thread, and read before the next parse */
static __thread uint8_t body_buf[BODY_MAX];

static enum probe_next request(struct probe_io *io, const char *method, const char *path,
			       const char *json)
{
	size_t body = json ? strlen(json) : 0;
	int n;

	n = snprintf((char *)io->out, sizeof(io->out),
		     "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: leakwatch-probe/" LW_VERSION
		     "\r\nAccept: application/json\r\nConnection: close\r\n",
		     method, path, io->host ? io->host : "localhost");
	if (n > 0 && json)
		n += snprintf((char *)io->out + n, sizeof(io->out) - (size_t)n,
			      "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s", body, json);
	else if (n > 0)
		n += snprintf((char *)io->out + n, sizeof(io->out) - (size_t)n, "\r\n");
	if (n <= 0 || (size_t)n >= sizeof(io->out))
		return probe__verdict(io, LW_AUTH_UNKNOWN, NULL, "request too long");
	io->out_len = (size_t)n;
	return PROBE_SEND;
}

enum probe_next http__get(struct probe_io *io, const char *path)
{
	return request(io, "GET", path, NULL);
}

enum probe_next http__post_json(struct probe_io *io, const char *path, const char *json)
{
	return request(io, "POST", path, json);
}

enum probe_next http__again(struct probe_io *io, int step)
{
	io->step = step;
	return PROBE_AGAIN;
}

static const uint8_t *find(const uint8_t *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; k && i + k <= n; i++)
		if (!memcmp(s + i, needle, k))
			return s + i;
	return NULL;
}

bool http__header(const struct http_reply *r, const char *name, char *out, size_t len)
{
	const char *p = r->head, *end = r->head + r->head_len;
	size_t k = strlen(name);

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		if ((size_t)(eol - p) > k && p[k] == ':' && !strncasecmp(p, name, k)) {
			const char *v = p + k + 1;
			size_t n;

			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			n = (size_t)(eol - v);
			while (n && (v[n - 1] == '\r' || v[n - 1] == ' '))
				n--;
			if (len) {
				if (n >= len)
					n = len - 1;
				memcpy(out, v, n);
				out[n] = '\0';
			}
			return true;
		}
		p = eol + 1;
	}
	return false;
}

/* Decodes chunked framing into body_buf; true once the last chunk came. */
static bool dechunk(const uint8_t *s, size_t n, size_t *out_len)
{
	size_t i = 0, o = 0;

	*out_len = 0;
	while (i < n) {
		char *endp;
		const uint8_t *eol = find(s + i, n - i, "\r\n");
		unsigned long size;

		if (!eol)
			return false;
		size = strtoul((const char *)s + i, &endp, 16);
		if ((const uint8_t *)endp == s + i)
			return true; /* not chunk framing: what came is the body */
		if (size == 0)
			return true;
		i = (size_t)(eol - s) + 2;
		if (size > n - i)
			size = n - i; /* cut by the bound or the close */
		if (size > BODY_MAX - o)
			size = BODY_MAX - o;
		memcpy(body_buf + o, s + i, size);
		o += size;
		*out_len = o;
		i += size + 2;
	}
	return false;
}

enum parse { PARSE_MORE, PARSE_DONE, PARSE_NOT_HTTP };

static enum parse parse(const uint8_t *in, size_t n, bool eof, struct http_reply *r)
{
	const uint8_t *hdr_end;
	char v[32];
	size_t body_off, avail;

	memset(r, 0, sizeof(*r));
	if (n >= 5 && memcmp(in, "HTTP/", 5))
		return PARSE_NOT_HTTP;
	if (n < 12 || !(hdr_end = find(in, n, "\r\n\r\n")))
		return eof ? (n >= 12 && in[8] == ' ' ? PARSE_DONE : PARSE_NOT_HTTP) : PARSE_MORE;
	if (in[8] != ' ' || !isdigit(in[9]) || !isdigit(in[10]) || !isdigit(in[11]))
		return PARSE_NOT_HTTP;
	r->status = (in[9] - '0') * 100 + (in[10] - '0') * 10 + (in[11] - '0');
	r->head = (const char *)in;
	r->head_len = (size_t)(hdr_end - in) + 2;
	body_off = r->head_len + 2;
	avail = n - body_off;
	r->body = in + body_off;
	if (http__header(r, "Transfer-Encoding", v, sizeof(v)) && strcasestr(v, "chunked")) {
		bool last = dechunk(in + body_off, avail, &r->body_len);

		r->body = body_buf;
		return last || eof ? PARSE_DONE : PARSE_MORE;
	}
	if (http__header(r, "Content-Length", v, sizeof(v))) {
		unsigned long long want = strtoull(v, NULL, 10);

		r->body_len = avail < want ? avail : (size_t)want;
		return avail >= want || eof ? PARSE_DONE : PARSE_MORE;
	}
	r->body_len = avail;
	/* 1xx, 204 and 304 have no body */
	if (r->status < 200 || r->status == 204 || r->status == 304)
		return PARSE_DONE;
	return eof ? PARSE_DONE : PARSE_MORE;
}

bool http__await(struct probe_io *io, struct http_reply *r, enum probe_next *next)
{
	char ex[64];

	switch (parse(io->in, io->in_len, io->eof, r)) {
	case PARSE_MORE:
		*next = PROBE_MORE;
		return true;
	case PARSE_NOT_HTTP:
		if (!io->tls && (probe__looks_tls(io->in, io->in_len) || (io->eof && !io->in_len))) {
			/* a TLS listener: an alert, or a close without a word */
			*next = PROBE_TLS;
			return true;
		}
		*next = probe__verdict(io, LW_AUTH_UNKNOWN, NULL, io->in_len ? "reply is not HTTP: %s"
							  : io->reset     ? "connection reset"
									  : "closed without a reply",
				       probe__excerpt(io->in, io->in_len, ex, sizeof(ex)));
		return true;
	case PARSE_DONE:
		break;
	}
	if (!io->tls && r->status == 400 &&
	    (http__body_has(r, "HTTP request to an HTTPS server") ||
	     http__body_has(r, "plain HTTP request was sent to HTTPS port"))) {
		*next = PROBE_TLS;
		return true;
	}
	return false;
}

bool http__refused(struct probe_io *io, const struct http_reply *r, const char *protocol,
		   const char *request, enum probe_next *next)
{
	char scheme[24] = "";

	if (r->status != 401 && r->status != 403 && r->status != 407)
		return false;
	if (http__header(r, "WWW-Authenticate", scheme, sizeof(scheme)))
		scheme[strcspn(scheme, " ,")] = '\0';
	*next = probe__verdict(io, LW_AUTH_REQUIRED, protocol ? protocol : "http", "%s -> %d%s%s", request,
			       r->status, scheme[0] ? " " : "", scheme);
	return true;
}

bool http__get_reply(struct probe_io *io, const char *path, struct http_reply *r, enum probe_next *next)
{
	if (io->step == 0) {
		io->step = 1;
		*next = http__get(io, path);
		return false;
	}
	return !http__await(io, r, next);
}

enum probe_next http__list_verdict(struct probe_io *io, const struct http_reply *r, long n,
				   const char *protocol, bool recognised, const char *request,
				   const char *noun, const char *server)
{
	const char *sep = server && server[0] ? ", " : "";

	if (!server)
		server = "";
	if (r->status == 200 && n >= 0)
		return probe__verdict(io, LW_AUTH_NONE, protocol, "%s -> 200 (%ld %s)%s%s", request, n,
				      noun, sep, server);
	return probe__verdict(io, LW_AUTH_UNKNOWN,
			      recognised ? protocol : r->status == 200 ? NULL : "http", "%s -> %d",
			      request, r->status);
}

bool http__body_has(const struct http_reply *r, const char *s)
{
	return find(r->body, r->body_len, s) != NULL;
}
