// SPDX-License-Identifier: Apache-2.0
#include "probes/probe.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const struct lw_probe *probe__by_name(const char *name)
{
	for (size_t i = 0; lw_probes[i]; i++)
		if (!strcmp(lw_probes[i]->name, name))
			return lw_probes[i];
	return NULL;
}

bool probe__serves(const struct lw_probe *p, const char *svc)
{
	for (size_t i = 0; svc && i < LW_PROBE_MAX_SERVICES && p->services[i]; i++)
		if (!strcmp(p->services[i], svc))
			return true;
	return false;
}

/* Evidence is shown to people and shipped: one line of printable ASCII. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '.';
}

enum probe_next probe__verdict(struct probe_io *io, enum lw_auth_state state, const char *protocol,
			       const char *fmt, ...)
{
	va_list ap;

	io->auth->state = state;
	snprintf(io->auth->protocol, sizeof(io->auth->protocol), "%s", protocol ? protocol : "");
	va_start(ap, fmt);
	vsnprintf(io->auth->evidence, sizeof(io->auth->evidence), fmt, ap);
	va_end(ap);
	printable(io->auth->evidence);
	return PROBE_DONE;
}

bool probe__out(struct probe_io *io, const void *bytes, size_t n)
{
	if (n > sizeof(io->out))
		return false;
	memcpy(io->out, bytes, n);
	io->out_len = n;
	return true;
}

const char *probe__excerpt(const uint8_t *s, size_t n, char *buf, size_t len)
{
	size_t j = 0;

	for (size_t i = 0; i < n && j + 5 < len; i++) {
		uint8_t c = s[i];

		if (c == '\r' || c == '\n')
			break;
		if (c >= 0x20 && c <= 0x7e) {
			buf[j++] = (char)c;
		} else {
			j += (size_t)snprintf(buf + j, len - j, "\\x%02x", c);
		}
	}
	buf[j < len ? j : len - 1] = '\0';
	return buf;
}

bool probe__looks_tls(const uint8_t *s, size_t n)
{
	/* content type handshake (22) or alert (21), then major version 3 */
	return n >= 3 && (s[0] == 0x16 || s[0] == 0x15) && s[1] == 0x03 && s[2] <= 0x04;
}
