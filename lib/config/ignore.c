// SPDX-License-Identifier: Apache-2.0
#include "config/ignore.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/glob.h"
#include "os/log.h"
#include "config/place.h"
#include "config/yamlcfg.h"

#define MAX_ENTRIES 10000

enum entry_kind { ENTRY_LEAK, ENTRY_LISTENER };

struct ignore_entry {
	enum entry_kind kind;
	char *fingerprint, *rule, *path;  /* leaks: any one or more */
	char *process;                    /* listeners: exe path or name */
	struct lw_place_want place;       /* listeners: pod, container, unit */
	uint8_t protocol;                 /* 0: any */
	bool has_address;
	struct lw_cidr address;           /* an address or a range */
	uint16_t port;                    /* 0: any */
	char *reason;
	uint64_t expires_s;               /* 0: never */
	bool expiry_said;                 /* logged once */
};

struct lw_ignore {
	struct ignore_entry *v;
	size_t n;
};

static void lw_ignore__defaults(struct lw_ignore *ig)
{
	memset(ig, 0, sizeof(*ig));
}

static void lw_ignore__free(struct lw_ignore *ig)
{
	for (size_t i = 0; i < ig->n; i++) {
		struct ignore_entry *e = &ig->v[i];

		free(e->fingerprint);
		free(e->rule);
		free(e->path);
		free(e->process);
		place__free(&e->place);
		free(e->reason);
	}
	free(ig->v);
	memset(ig, 0, sizeof(*ig));
}

#define ENTRY(c) ((struct ignore_entry *)(c)->target)

static int word(struct yamlcfg *c, yaml_node_t *n, char **out, const char *chars, size_t min, size_t max,
		const char *what)
{
	const char *s;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (strlen(s) < min || strlen(s) > max || strspn(s, chars) != strlen(s))
		return yamlcfg__fail(c, "expected %s, got \"%s\"", what, s);
	free(*out);
	return (*out = strdup(s)) ? 0 : yamlcfg__fail(c, "out of memory");
}

static int entry_fingerprint(struct yamlcfg *c, yaml_node_t *n)
{
	return word(c, n, &ENTRY(c)->fingerprint, "0123456789abcdef", 16, 64, "a fingerprint (16 to 64 hex digits)");
}

static int entry_rule(struct yamlcfg *c, yaml_node_t *n)
{
	return word(c, n, &ENTRY(c)->rule, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", 1, 64,
		    "a rule id");
}

static int entry_path(struct yamlcfg *c, yaml_node_t *n)
{
	const char *bad;

	if (yamlcfg__abspath(c, n, &ENTRY(c)->path))
		return -EINVAL;
	if ((bad = glob__check(ENTRY(c)->path)))
		return yamlcfg__fail(c, "%s", bad);
	return 0;
}

/* a copy of a string of 1 to max characters; else fails saying expected */
static int bounded_strdup(struct yamlcfg *c, yaml_node_t *n, char **out, size_t max, const char *expected)
{
	if (yamlcfg__strdup(c, n, out))
		return -EINVAL;
	if (!**out || strlen(*out) > max)
		return yamlcfg__fail(c, "%s", expected);
	return 0;
}

static int entry_reason(struct yamlcfg *c, yaml_node_t *n)
{
	return bounded_strdup(c, n, &ENTRY(c)->reason, 512, "expected 1 to 512 characters");
}

/* "2027-01-31" (the end of that day, UTC) or "2027-01-31T12:00:00Z" */
static int entry_expires(struct yamlcfg *c, yaml_node_t *n)
{
	struct tm tm = { 0 };
	const char *s, *end;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end && *end == 'T')
		end = strptime(end, "T%H:%M:%SZ", &tm);
	else if (end && !*end)
		tm.tm_hour = 23, tm.tm_min = 59, tm.tm_sec = 59;
	if (!end || *end)
		return yamlcfg__fail(c, "expected a date, 2027-01-31 or 2027-01-31T12:00:00Z, got \"%s\"", s);
	ENTRY(c)->expires_s = (uint64_t)timegm(&tm);
	return 0;
}

static int entry_process(struct yamlcfg *c, yaml_node_t *n)
{
	return bounded_strdup(c, n, &ENTRY(c)->process, 4096, "expected an executable's name or path");
}

static int entry_port(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__port(c, n, &ENTRY(c)->port);
}

static int entry_protocol(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__protocol(c, n, &ENTRY(c)->protocol);
}

static int entry_address(struct yamlcfg *c, yaml_node_t *n)
{
	const char *s;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (cidr__parse(s, &ENTRY(c)->address))
		return yamlcfg__fail(c, "expected an IP address or CIDR, got \"%s\"", s);
	ENTRY(c)->has_address = true;
	return 0;
}

static const struct yamlcfg_key leak_keys[] = {
	{ "fingerprint", entry_fingerprint },
	{ "rule", entry_rule },
	{ "path", entry_path },
	{ "reason", entry_reason },
	{ "expires", entry_expires },
	{ 0 },
};

static const struct yamlcfg_key listener_keys[] = {
	{ "process", entry_process },
	{ "port", entry_port },
	{ "protocol", entry_protocol },
	{ "address", entry_address },
#define YAMLCFG_TARGET struct ignore_entry
	PLACE_KEYS(place),
#undef YAMLCFG_TARGET
	{ "reason", entry_reason },
	{ "expires", entry_expires },
	{ 0 },
};

static int entry(struct yamlcfg *c, yaml_node_t *n, enum entry_kind kind)
{
	struct lw_ignore *ig = c->target;
	struct ignore_entry *e = yamlcfg__append(c, (void **)&ig->v, &ig->n, sizeof(*e), MAX_ENTRIES, "entries");

	if (!e)
		return -EINVAL;
	e->kind = kind;
	if (yamlcfg__walk_map_into(c, n, kind == ENTRY_LEAK ? leak_keys : listener_keys, e))
		return -EINVAL;
	if (!e->reason)
		return yamlcfg__fail(c, "reason: required; say why this is accepted");
	if (kind == ENTRY_LEAK && !e->fingerprint && !e->rule && !e->path)
		return yamlcfg__fail(c, "give a fingerprint, a rule or a path");
	if (kind == ENTRY_LISTENER && !e->process && !e->port && !e->has_address && !place__wants_any(&e->place))
		return yamlcfg__fail(c, "give at least one of " PLACE_ENTRY_FIELDS);
	return 0;
}

static int leak_entry(struct yamlcfg *c, yaml_node_t *n)
{
	return entry(c, n, ENTRY_LEAK);
}

static int listener_entry(struct yamlcfg *c, yaml_node_t *n)
{
	return entry(c, n, ENTRY_LISTENER);
}

static int section_leaks(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, leak_entry);
}

static int section_listeners(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, listener_entry);
}

static const struct yamlcfg_key top_keys[] = {
	{ "leaks", section_leaks },
	{ "listeners", section_listeners },
	{ 0 },
};

YAMLCFG_DEFINE_LOAD(lw_ignore, struct lw_ignore, top_keys)

int ignore__load(const char *path, bool must_exist, struct lw_ignore **out, char *err, size_t errlen)
{
	struct lw_ignore *ig = calloc(1, sizeof(*ig));
	int rc;

	*out = NULL;
	if (!ig) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = lw_ignore__load(ig, path, must_exist, err, errlen);
	if (rc) {
		free(ig);
		return rc;
	}
	*out = ig;
	return 0;
}

void ignore__free(struct lw_ignore *ig)
{
	if (!ig)
		return;
	lw_ignore__free(ig);
	free(ig);
}

size_t ignore__count(const struct lw_ignore *ig)
{
	return ig ? ig->n : 0;
}

/* "fingerprint F rule R ...": the fields an entry gives, for the log. */
static void describe(const struct ignore_entry *e, char *out, size_t len)
{
	const struct { const char *name, *value; } f[] = {
		{ "fingerprint", e->fingerprint }, { "rule", e->rule }, { "path", e->path },
		{ "process", e->process }, { "namespace", e->place.namespace }, { "pod", e->place.pod },
		{ "container", e->place.container }, { "unit", e->place.unit },
	};
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		int w;

		if (!f[i].value || used >= len)
			continue;
		w = snprintf(out + used, len - used, "%s%s %s", used ? " " : "", f[i].name, f[i].value);
		used += w > 0 ? (size_t)w : 0;
	}
	if (e->port && used < len)
		snprintf(out + used, len - used, "%sport %u", used ? " " : "", e->port);
}

/* In force now; an entry past its date says so once, and no longer silences. */
static bool in_force(struct ignore_entry *e, uint64_t now_s)
{
	char what[512];

	if (!e->expires_s || now_s <= e->expires_s)
		return true;
	/* scan --jobs asks from several threads: one of them says it */
	if (!__atomic_exchange_n(&e->expiry_said, true, __ATOMIC_RELAXED)) {
		describe(e, what, sizeof(what));
		log_warn("ignore entry expired (%s): %s no longer silenced", e->reason, what);
	}
	return false;
}

bool ignore__leak(struct lw_ignore *ig, const char *fingerprint, const char *rule, const char *path,
		  uint64_t now_s)
{
	for (size_t i = 0; ig && i < ig->n; i++) {
		struct ignore_entry *e = &ig->v[i];

		if (e->kind != ENTRY_LEAK)
			continue;
		if (e->fingerprint && (!fingerprint || strcmp(e->fingerprint, fingerprint)))
			continue;
		if (e->rule && (!rule || strcmp(e->rule, rule)))
			continue;
		if (e->path && (!path || !glob__match(e->path, path)))
			continue;
		if (in_force(e, now_s))
			return true;
	}
	return false;
}

static bool process_matches(const char *want, const char *exe, const char *comm)
{
	const char *base;

	if (exe && *exe) {
		base = strrchr(exe, '/');
		return !strcmp(want, exe) || !strcmp(want, base ? base + 1 : exe);
	}
	return comm && !strcmp(want, comm); /* nothing better is known */
}

bool ignore__listener(struct lw_ignore *ig, const char *exe, const char *comm, uint8_t protocol,
		      const struct lw_addr *address, uint16_t port, const struct lw_place *where, uint64_t now_s)
{
	struct lw_addr bound = *address;

	addr__unmap(&bound);
	for (size_t i = 0; ig && i < ig->n; i++) {
		struct ignore_entry *e = &ig->v[i];

		if (e->kind != ENTRY_LISTENER)
			continue;
		if ((e->process && !process_matches(e->process, exe, comm)) || (e->port && e->port != port) ||
		    (e->protocol && e->protocol != protocol) || !place__matches(&e->place, where))
			continue;
		/* as expected's: the address as bound, or unmapped from ::ffff: */
		if (e->has_address && !cidr__contains(&e->address, &bound) && !cidr__contains(&e->address, address))
			continue;
		if (in_force(e, now_s))
			return true;
	}
	return false;
}
