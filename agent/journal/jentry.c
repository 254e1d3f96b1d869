// SPDX-License-Identifier: Apache-2.0
#include "journal/jentry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/cmdline.h"
#include "journal/sdapi.h"

struct scan_ctx {
	struct jentry *e;
	const struct lw_fpkey *key;
};

void jentry__init(struct jentry *e)
{
	memset(e, 0, sizeof(*e));
}

void jentry__release(struct jentry *e)
{
	free(e->buf);
	free(e->fields);
	jentry__init(e);
}

static bool is(const char *name, size_t n, const char *want)
{
	return strlen(want) == n && !memcmp(name, want, n);
}

/* A text field into a fixed buffer; NULs would hide the rest from the encoder. */
static void keep(char *out, size_t cap, const char *v, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(out, v, n);
	out[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!out[i])
			out[i] = ' ';
}

static uint32_t number(const char *v, size_t n)
{
	char buf[16];

	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return (uint32_t)strtoul(buf, NULL, 10);
}

/* The length of "NAME=" when the item d is that field, else 0. */
static size_t named(const char *d, size_t dl, const char *prefix)
{
	size_t n = strlen(prefix);

	return dl >= n && !memcmp(d, prefix, n) ? n : 0;
}

/* The trusted fields that decide whether an entry is scanned at all. Called
 * for every field journald adds, a dozen per entry: one look at the second
 * letter passes over the others. */
static void decisive(struct jentry *e, const char *d, size_t dl)
{
	size_t n;

	if (dl < 2 || (d[1] != 'P' && d[1] != 'S'))
		return;
	if ((n = named(d, dl, "_PID="))) {
		e->pid = number(d + n, dl - n);
		e->has_pid = e->pid != 0;
	} else if ((n = named(d, dl, "_SYSTEMD_UNIT="))) {
		keep(e->unit, sizeof(e->unit), d + n, dl - n);
	} else if ((n = named(d, dl, "_SYSTEMD_USER_UNIT="))) {
		if (!e->unit[0])
			keep(e->unit, sizeof(e->unit), d + n, dl - n);
	}
}

/* The trusted fields that say who wrote an entry with findings. */
static void trusted(struct jentry *e, const char *name, size_t nl, const char *v, size_t vl)
{
	if (is(name, nl, "_UID")) {
		e->uid = number(v, vl);
		e->has_uid = true;
	} else if (is(name, nl, "_COMM")) {
		keep(e->comm, sizeof(e->comm), v, vl);
	} else if (is(name, nl, "_EXE")) {
		keep(e->exe, sizeof(e->exe), v, vl);
	} else if (is(name, nl, "_CMDLINE")) {
		keep(e->cmdline, sizeof(e->cmdline), v, vl);
	} else if (is(name, nl, "_SYSTEMD_CGROUP")) {
		keep(e->cgroup, sizeof(e->cgroup), v, vl);
	} else if (is(name, nl, "_HOSTNAME")) {
		keep(e->hostname, sizeof(e->hostname), v, vl);
	} else if (is(name, nl, "_BOOT_ID")) {
		keep(e->boot_id, sizeof(e->boot_id), v, vl);
	}
}

/* Appends one user field and its line break. */
static int add_field(struct jentry *e, const char *name, size_t nl, const char *v, size_t vl)
{
	struct jentry_field *f;

	if (e->len + vl + 1 > JENTRY_BYTES_MAX) {
		e->skipped++;
		return 0;
	}
	if (e->n_fields == e->cap_fields) {
		size_t cap = e->cap_fields ? e->cap_fields * 2 : 32;

		f = realloc(e->fields, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		e->fields = f;
		e->cap_fields = cap;
	}
	if (e->len + vl + 1 > e->cap) {
		size_t cap = e->cap ? e->cap : 4096;
		char *b;

		while (cap < e->len + vl + 1)
			cap *= 2;
		b = realloc(e->buf, cap);
		if (!b)
			return -ENOMEM;
		e->buf = b;
		e->cap = cap;
	}
	f = &e->fields[e->n_fields++];
	f->off = e->len;
	f->len = vl;
	keep(f->name, sizeof(f->name), name, nl);
	memcpy(e->buf + e->len, v, vl);
	e->len += vl;
	e->buf[e->len++] = '\n';
	e->bytes += vl;
	return 0;
}

int jentry__read(sd_journal *j, size_t max_bytes, struct jentry *e)
{
	const void *d;
	size_t dl;
	int r;

	/* not the findings, whose count says how many are set, nor the
	 * attribution, which jentry__attribute sets whole */
	e->has_pid = false;
	e->pid = 0;
	e->unit[0] = e->identifier[0] = '\0';
	e->bytes = 0;
	e->n_findings = e->dropped = e->skipped = 0;
	e->len = 0;
	e->n_fields = 0;
	libsystemd.journal_restart_data(j);
	while ((r = libsystemd.journal_enumerate_available_data(j, &d, &dl)) > 0) {
		const char *name = d, *eq;
		size_t nl, vl;

		/* most of an entry's fields are journald's: no search for '=' */
		if (dl && name[0] == '_') {
			decisive(e, name, dl);
			continue;
		}
		eq = memchr(name, '=', dl);
		if (!eq || eq == name)
			continue;
		nl = (size_t)(eq - name);
		vl = dl - nl - 1;
		if (is(name, nl, "SYSLOG_IDENTIFIER"))
			keep(e->identifier, sizeof(e->identifier), eq + 1, vl);
		r = add_field(e, name, nl, eq + 1, vl < max_bytes ? vl : max_bytes);
		if (r)
			return r;
	}
	return r < 0 ? r : 0;
}

int jentry__attribute(sd_journal *j, struct jentry *e)
{
	const void *d;
	size_t dl;
	int r;

	e->has_uid = false;
	e->uid = 0;
	e->comm[0] = e->exe[0] = e->cmdline[0] = '\0';
	e->cgroup[0] = e->hostname[0] = e->boot_id[0] = '\0';
	libsystemd.journal_restart_data(j);
	while ((r = libsystemd.journal_enumerate_available_data(j, &d, &dl)) > 0) {
		const char *name = d, *eq;

		if (!dl || name[0] != '_' || !(eq = memchr(name, '=', dl)))
			continue;
		trusted(e, name, (size_t)(eq - name), eq + 1, dl - (size_t)(eq - name) - 1);
	}
	return r < 0 ? r : 0;
}

static const char *field_at(const struct jentry *e, uint64_t off)
{
	for (size_t i = 0; i < e->n_fields; i++)
		if (off < e->fields[i].off + e->fields[i].len + 1)
			return e->fields[i].name;
	return "";
}

static int on_match(void *ctx, const struct lw_scan_match *m)
{
	struct scan_ctx *c = ctx;
	struct jentry *e = c->e;
	struct jentry_finding *f;
	char fp[LW_FINGERPRINT_LEN + 1];

	secret__fingerprint(c->key, m->secret, m->secret_len, fp);
	/* a secret in MESSAGE and again in SYSLOG_RAW is one finding */
	for (size_t i = 0; i < e->n_findings; i++)
		if (!strcmp(e->findings[i].fingerprint, fp))
			return 0;
	if (e->n_findings >= JENTRY_MAX_FINDINGS) {
		e->dropped++;
		return 0;
	}
	f = &e->findings[e->n_findings++];
	memcpy(f->fingerprint, fp, sizeof(fp));
	secret__redact(m->secret, m->secret_len, f->redacted);
	f->rule = m->rule;
	f->length = (uint32_t)m->secret_len;
	snprintf(f->field, sizeof(f->field), "%s", field_at(e, m->start));
	return 0;
}

void jentry__scan(struct jentry *e, struct scanner *sc, const struct lw_fpkey *key)
{
	struct scan_ctx c = { .e = e, .key = key };

	if (e->len)
		scanner__scan(sc, e->buf, e->len, on_match, &c);
}

void jentry__finish(struct jentry *e, struct procinfo *pi)
{
	char args[sizeof(e->cmdline)];
	size_t n = strlen(e->cmdline);

	/* journald joins the argv with spaces: split it back for the redaction */
	for (size_t i = 0; i <= n; i++)
		args[i] = e->cmdline[i] == ' ' ? '\0' : e->cmdline[i];
	cmdline__redact(args, n, e->cmdline, sizeof(e->cmdline));
	procinfo__scrub(pi, e->cmdline);
	procinfo__scrub(pi, e->comm);
	procinfo__scrub(pi, e->exe);
	procinfo__scrub(pi, e->unit);
	procinfo__scrub(pi, e->cgroup);
	procinfo__scrub(pi, e->hostname);
	procinfo__scrub(pi, e->identifier);
	for (size_t i = 0; i < e->n_findings; i++)
		procinfo__scrub(pi, e->findings[i].field);
}
