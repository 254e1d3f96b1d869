// SPDX-License-Identifier: Apache-2.0
#include "leaks/relay.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib/hostfs.h"
#include "attrib/procfs.h"

static const char *const daemons[] = { "rsyslogd", "syslog-ng", "syslogd", "systemd-journald", NULL };

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

bool relay__is_daemon(const struct lw_proc *p)
{
	const char *name = p->exe[0] ? base_name(p->exe) : p->comm;

	for (size_t i = 0; daemons[i]; i++)
		if (!strcmp(name, daemons[i]) ||
		    /* comm is cut at 15 characters: systemd-journal */
		    (!p->exe[0] && !strncmp(name, daemons[i], 15) && strlen(name) == 15))
			return true;
	/* rsyslog names its threads rs:main Q:Reg, in:imuxsock, ... */
	return !p->exe[0] && (!strncmp(p->comm, "rs:", 3) || !strncmp(p->comm, "in:", 3));
}

/* The next space-separated token of [*p, end). */
static bool token(const char **p, const char *end, const char **tok, size_t *n)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	*tok = s;
	while (s < end && *s != ' ' && *s != '\n')
		s++;
	*n = (size_t)(s - *tok);
	*p = s;
	return *n > 0;
}

static void copy(char *out, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static bool digits(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;

	if (!n || n > 9)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = (uint32_t)v;
	return true;
}

/* "<pri>1 time host app procid msgid ..." after the "<pri>" */
static bool rfc5424(const char *p, const char *end, struct lw_origin *o)
{
	const char *tok;
	size_t n;

	if (!token(&p, end, &tok, &n) || n != 1 || tok[0] != '1')
		return false;
	if (!token(&p, end, &tok, &n)) /* time stamp */
		return false;
	if (!token(&p, end, &tok, &n))
		return false;
	if (!(n == 1 && tok[0] == '-'))
		copy(o->hostname, sizeof(o->hostname), tok, n);
	if (!token(&p, end, &tok, &n) || (n == 1 && tok[0] == '-'))
		return false;
	copy(o->comm, sizeof(o->comm), tok, n);
	if (token(&p, end, &tok, &n))
		digits(tok, n, &o->pid);
	o->format = "rfc5424";
	return true;
}

/* "prog[pid]:" or "prog:" */
static bool tag(const char *tok, size_t n, struct lw_origin *o)
{
	const char *br;

	if (n < 2 || tok[n - 1] != ':')
		return false;
	n--;
	br = memchr(tok, '[', n);
	if (br) {
		if (tok[n - 1] != ']' || !digits(br + 1, (size_t)(tok + n - 1 - br - 1), &o->pid))
			return false;
		n = (size_t)(br - tok);
	}
	if (!n || n > 48)
		return false;
	copy(o->comm, sizeof(o->comm), tok, n);
	return true;
}

/* "Mmm dd hh:mm:ss" or an RFC 3339 time, then "host tag:" (or just "tag:") */
static bool rfc3164(const char *p, const char *end, struct lw_origin *o)
{
	const char *tok, *host;
	size_t n, hn;

	if (end - p >= 15 && isalpha((unsigned char)p[0]) && p[3] == ' ' && p[9] == ':' && p[12] == ':')
		p += 15;
	else if (!token(&p, end, &tok, &n) || n < 19 || !isdigit((unsigned char)tok[0]) || tok[10] != 'T')
		return false;
	if (!token(&p, end, &host, &hn))
		return false;
	if (tag(host, hn, o)) {
		o->format = "rfc3164";
		return true;
	}
	if (!token(&p, end, &tok, &n) || !tag(tok, n, o))
		return false;
	copy(o->hostname, sizeof(o->hostname), host, hn);
	o->format = "rfc3164";
	return true;
}

bool relay__parse(const char *line, size_t len, struct lw_origin *out)
{
	const char *p = line, *end = line + len;

	memset(out, 0, sizeof(*out));
	if (p < end && *p == '<') {
		const char *gt = memchr(p, '>', (size_t)(end - p) < 5 ? (size_t)(end - p) : 5);

		if (!gt)
			return false;
		if (rfc5424(gt + 1, end, out))
			return true;
		memset(out, 0, sizeof(*out));
		p = gt + 1;
	}
	if (rfc3164(p, end, out))
		return true;
	memset(out, 0, sizeof(*out));
	return false;
}

/* A process's own name: a daemon's writing thread has another (rs:main Q:Reg). */
static bool process_comm(uint32_t tgid, char *out, size_t len)
{
	char path[64];

	if (!hostfs__path(path, sizeof(path), "/proc/%u/comm", tgid) || procfs__read(path, out, len) <= 0)
		return false;
	out[strcspn(out, "\n")] = '\0';
	return out[0] != '\0';
}

/* The header's host is this one (or names none), and its pid runs here under that name. */
static bool local_process(const struct lw_origin *o)
{
	char host[256] = "", comm[32];
	size_t hn;

	if (!o->pid)
		return false;
	if (o->hostname[0] && !gethostname(host, sizeof(host) - 1)) {
		hn = strcspn(host, ".");
		if (strncmp(o->hostname, host, hn) || (o->hostname[hn] && o->hostname[hn] != '.'))
			return false;
	}
	return process_comm(o->pid, comm, sizeof(comm)) && !strncmp(o->comm, comm, strlen(comm));
}

bool relay__attribute(struct procinfo *pi, struct lw_leak *leak, const char *line, size_t len)
{
	struct lw_origin o;

	if (!relay__parse(line, len, &o))
		return false;
	procinfo__scrub(pi, o.comm);
	procinfo__scrub(pi, o.hostname);
	leak->writer = leak->proc;
	leak->has_writer = true;
	process_comm(leak->writer.tgid, leak->writer.comm, sizeof(leak->writer.comm));
	memset(&leak->proc, 0, sizeof(leak->proc));
	o.verified = local_process(&o) && !procinfo__read(pi, o.pid, &leak->proc);
	if (!o.verified) {
		memset(&leak->proc, 0, sizeof(leak->proc));
		leak->proc.tgid = leak->proc.pid = o.pid;
		snprintf(leak->proc.comm, sizeof(leak->proc.comm), "%s", o.comm);
	}
	leak->origin = o;
	leak->has_origin = true;
	return true;
}
