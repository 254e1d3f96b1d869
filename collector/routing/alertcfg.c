// SPDX-License-Identifier: Apache-2.0
#include "routing/alertcfg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/ignore.h"
#include "wire/names.h"

#define ACFG(c) ((struct alertcfg *)(c)->target)
#define MIN_MS 1000ULL
#define HOUR_MS (3600ULL * 1000)
#define DAY_MS (24 * HOUR_MS)
#define MAX_SECRET 512

static const char *const sink_names[SINK__COUNT] = {
	[SINK_ALERTMANAGER] = "alertmanager",
	[SINK_PAGERDUTY] = "pagerduty",
	[SINK_SLACK] = "slack",
	[SINK_WEBHOOK] = "webhook",
};

const char *sink_type__name(enum sink_type t)
{
	return t >= 0 && t < SINK__COUNT ? sink_names[t] : "unknown";
}

void alertcfg__defaults(struct alertcfg *a)
{
	memset(a, 0, sizeof(*a));
	a->resend_ms = 60 * MIN_MS;
	a->group_window_ms = 60 * MIN_MS;
	a->timeout_ms = 10 * MIN_MS;
	a->backoff_ms = 1 * MIN_MS;
	a->max_backoff_ms = 300 * MIN_MS;
	a->give_up_ms = DAY_MS;
	a->stale_ms = 300 * MIN_MS;
	a->drop_reports = 3;
	a->spool_bytes = 128ULL << 20; /* half the agent's default spool.max_size */
	a->spool_age_ms = 900 * MIN_MS;
}

static void free_patterns(struct alert_patterns *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static void wipe(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void alertcfg__free(struct alertcfg *a)
{
	free(a->public_url);
	for (size_t i = 0; i < a->n_sinks; i++) {
		free(a->sinks[i].name);
		free(a->sinks[i].url);
		wipe(a->sinks[i].routing_key);
		wipe(a->sinks[i].bearer);
	}
	free(a->sinks);
	for (size_t i = 0; i < a->n_routes; i++) {
		struct alert_route *r = &a->routes[i];

		free_patterns(&r->hosts);
		free_patterns(&r->namespaces);
		free_patterns(&r->rules);
		free_patterns(&r->services);
		free(r->sink_name);
	}
	free(a->routes);
	free(a->ignore_file);
	ignore__free(a->ignore);
	for (int k = 0; k < STORE_KIND_COUNT; k++)
		free(a->runbook[k]);
	memset(a, 0, sizeof(*a));
}

bool alertcfg__enabled(const struct alertcfg *a)
{
	return a->n_routes > 0;
}

int alertcfg__sink_index(const struct alertcfg *a, const char *name)
{
	for (size_t i = 0; i < a->n_sinks; i++)
		if (!strcmp(a->sinks[i].name, name))
			return (int)i;
	return -ENOENT;
}

/* --- readers shared by keys: each fills the member at c->member --- */

static bool is_http_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

static int url_at(struct yamlcfg *c, yaml_node_t *n)
{
	char **out = c->member;
	const char *s;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	/* the URL may hold a secret (Slack's does): never echo it */
	if (!is_http_url(s) || strlen(s) > ALERT_MAX_URL || strpbrk(s, " \t\r\n"))
		return yamlcfg__fail(c, "expected an http:// or https:// URL of at most %d characters",
				     ALERT_MAX_URL);
	free(*out);
	*out = strdup(s);
	return *out ? 0 : yamlcfg__fail(c, "out of memory");
}

/* The first line of a private file: a token or key, kept out of the YAML. */
static int secret_file_at(struct yamlcfg *c, yaml_node_t *n)
{
	char buf[MAX_SECRET + 2], **out = c->member;
	const char *path;
	size_t len;

	if (yamlcfg__first_line(c, n, buf, sizeof(buf), &len, &path))
		return -EINVAL;
	if (!len || len > MAX_SECRET || strpbrk(buf, " \t")) {
		explicit_bzero(buf, sizeof(buf));
		return yamlcfg__fail(c, "%s: expected one line of 1 to %d characters, without spaces",
				     path, MAX_SECRET);
	}
	wipe(*out);
	*out = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return *out ? 0 : yamlcfg__fail(c, "out of memory");
}

static int pattern_one(struct yamlcfg *c, yaml_node_t *n, struct alert_patterns *p)
{
	const char *s;
	char **v;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (!*s || strlen(s) > 255)
		return yamlcfg__fail(c, "expected a name or pattern of 1 to 255 characters");
	if (p->n >= ALERT_MAX_PATTERNS)
		return yamlcfg__fail(c, "at most %d patterns", ALERT_MAX_PATTERNS);
	v = realloc(p->v, (p->n + 1) * sizeof(*v));
	if (!v)
		return yamlcfg__fail(c, "out of memory");
	p->v = v;
	if (!(p->v[p->n] = strdup(s)))
		return yamlcfg__fail(c, "out of memory");
	p->n++;
	return 0;
}

/* In a list, c->target is the list being filled for the time of the walk. */
static int pattern_item(struct yamlcfg *c, yaml_node_t *n)
{
	return pattern_one(c, n, c->target);
}

/* One pattern, or a list of them. */
static int patterns_at(struct yamlcfg *c, yaml_node_t *n)
{
	struct alert_patterns *p = c->member;

	if (n->type == YAML_SEQUENCE_NODE) {
		void *saved = c->target;
		int err;

		c->target = p;
		err = yamlcfg__walk_seq(c, n, pattern_item);
		c->target = saved;
		if (!err && !p->n)
			return yamlcfg__fail(c, "an empty list matches nothing; leave the key out instead");
		return err;
	}
	return pattern_one(c, n, p);
}

/* --- alerting.sinks[]: c->target is the sink, c->outer the alertcfg --- */

#define YAMLCFG_TARGET struct alert_sink

static int sink_name(struct yamlcfg *c, yaml_node_t *n)
{
	const struct alertcfg *a = c->outer;
	struct alert_sink *sink = c->target;
	const char *s;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (!*s || strlen(s) > ALERT_SINK_NAME_MAX ||
	    s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")])
		return yamlcfg__fail(c, "expected letters, digits, '_', '.' or '-' (at most %d), got \"%s\"",
				     ALERT_SINK_NAME_MAX, s);
	for (size_t i = 0; i + 1 < a->n_sinks; i++)
		if (!strcmp(a->sinks[i].name, s))
			return yamlcfg__fail(c, "a sink named \"%s\" is already defined", s);
	sink->name = strdup(s);
	return sink->name ? 0 : yamlcfg__fail(c, "out of memory");
}

static int sink_type(struct yamlcfg *c, yaml_node_t *n)
{
	struct alert_sink *sink = c->target;
	unsigned t;

	if (yamlcfg__word(c, n, sink_names, SINK__COUNT, &t))
		return -EINVAL;
	sink->type = (enum sink_type)t;
	return 0;
}

static int sink_routing_key(struct yamlcfg *c, yaml_node_t *n)
{
	struct alert_sink *sink = c->target;
	const char *s;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (!*s || strlen(s) > MAX_SECRET || strpbrk(s, " \t\r\n"))
		return yamlcfg__fail(c, "expected the integration key, without spaces");
	wipe(sink->routing_key);
	sink->routing_key = strdup(s);
	return sink->routing_key ? 0 : yamlcfg__fail(c, "out of memory");
}

static int sink_send_resolved(struct yamlcfg *c, yaml_node_t *n)
{
	struct alert_sink *sink = c->target;

	sink->resolved_set = true;
	return yamlcfg__bool(c, n, &sink->send_resolved);
}

static const struct yamlcfg_key sink_keys[] = {
	{ "name", sink_name },
	{ "type", sink_type },
	YAMLCFG_CALL_AT("url", url, url_at),
	{ "routing_key", sink_routing_key },
	YAMLCFG_CALL_AT("routing_key_file", routing_key, secret_file_at),
	YAMLCFG_CALL_AT("token_file", bearer, secret_file_at),
	{ "send_resolved", sink_send_resolved },
	{ 0 },
};

#undef YAMLCFG_TARGET

/* Alertmanager's API path is implied: a base URL is what operators know. */
static int alertmanager_url(struct alert_sink *s)
{
	static const char path[] = "/api/v2/alerts";
	size_t n = strlen(s->url);
	char *full;

	if (n >= sizeof(path) - 1 && !strcmp(s->url + n - (sizeof(path) - 1), path))
		return 0;
	while (n && s->url[n - 1] == '/')
		n--;
	if (asprintf(&full, "%.*s%s", (int)n, s->url, path) < 0)
		return -ENOMEM;
	free(s->url);
	s->url = full;
	return 0;
}

/* What a sink of its type needs, and what only other types take. */
static int check_sink(struct yamlcfg *c, struct alert_sink *s)
{
	if (!s->name)
		return yamlcfg__fail(c, "name: required");
	if (s->type == SINK__COUNT)
		return yamlcfg__fail(c, "type: required (alertmanager, pagerduty, slack or webhook)");
	if (s->type == SINK_PAGERDUTY) {
		if (!s->routing_key)
			return yamlcfg__fail(c, "routing_key: required for pagerduty (or routing_key_file)");
		if (!s->url && !(s->url = strdup(PAGERDUTY_EVENTS_URL)))
			return yamlcfg__fail(c, "out of memory");
	} else if (s->routing_key) {
		return yamlcfg__fail(c, "routing_key: only for pagerduty");
	}
	if (s->bearer && s->type != SINK_WEBHOOK)
		return yamlcfg__fail(c, "token_file: only for webhook");
	/* Alertmanager and PagerDuty must hear of the end, or their alert never ends */
	if (s->resolved_set && s->type != SINK_SLACK && s->type != SINK_WEBHOOK)
		return yamlcfg__fail(c, "send_resolved: only for slack and webhook");
	if (!s->url)
		return yamlcfg__fail(c, "url: required for %s", sink_names[s->type]);
	if (s->type == SINK_ALERTMANAGER && alertmanager_url(s))
		return yamlcfg__fail(c, "out of memory");
	return 0;
}

static int sink_entry(struct yamlcfg *c, yaml_node_t *n)
{
	struct alertcfg *a = ACFG(c);
	struct alert_sink *s = yamlcfg__append(c, (void **)&a->sinks, &a->n_sinks, sizeof(*s),
					       ALERT_MAX_SINKS, "sinks");

	if (!s)
		return -EINVAL;
	s->type = SINK__COUNT; /* unset */
	s->send_resolved = true;
	if (yamlcfg__walk_map_into(c, n, sink_keys, s))
		return -EINVAL;
	return check_sink(c, s);
}

static int alerting_sinks(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, sink_entry);
}

/* --- alerting.routes[]: c->target is the route --- */

#define YAMLCFG_TARGET struct alert_route

/* In a list of kinds, c->target is the route still. */
static int kind_one(struct yamlcfg *c, yaml_node_t *n)
{
	struct alert_route *r = c->target;
	enum store_kind k;
	const char *s;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (store_kind__parse(s, &k))
		return yamlcfg__fail(c, "expected listener, leak or health, got \"%s\"", s);
	r->kinds |= 1u << k;
	return 0;
}

static int route_kind(struct yamlcfg *c, yaml_node_t *n)
{
	if (n->type == YAML_SEQUENCE_NODE) {
		if (yamlcfg__walk_seq(c, n, kind_one))
			return -EINVAL;
		if (!((struct alert_route *)c->target)->kinds)
			return yamlcfg__fail(c, "an empty list matches nothing; leave the key out instead");
		return 0;
	}
	return kind_one(c, n);
}

static int route_min_severity(struct yamlcfg *c, yaml_node_t *n)
{
	struct alert_route *r = c->target;
	enum lw_severity s;

	if (yamlcfg__severity(c, n, &s))
		return -EINVAL;
	r->min_severity = severity__wire(s);
	return 0;
}

static const struct yamlcfg_key route_keys[] = {
	YAMLCFG_STRING("sink", sink_name),
	{ "kind", route_kind },
	{ "min_severity", route_min_severity },
	YAMLCFG_CALL_AT("host", hosts, patterns_at),
	YAMLCFG_CALL_AT("namespace", namespaces, patterns_at),
	YAMLCFG_CALL_AT("rule", rules, patterns_at),
	YAMLCFG_CALL_AT("service", services, patterns_at),
	YAMLCFG_BOOL("continue", cont),
	{ 0 },
};

#undef YAMLCFG_TARGET

static int route_entry(struct yamlcfg *c, yaml_node_t *n)
{
	struct alertcfg *a = ACFG(c);
	struct alert_route *r = yamlcfg__append(c, (void **)&a->routes, &a->n_routes, sizeof(*r),
						ALERT_MAX_ROUTES, "routes");

	if (!r)
		return -EINVAL;
	/* info findings (loopback, expected) page only when a route asks for them */
	r->min_severity = severity__wire(LW_SEV_LOW);
	if (yamlcfg__walk_map_into(c, n, route_keys, r))
		return -EINVAL;
	if (!r->sink_name)
		return yamlcfg__fail(c, "sink: required (the name of one of alerting.sinks)");
	return 0;
}

static int alerting_routes(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, route_entry);
}

/* --- the alerting: section --- */

#define YAMLCFG_TARGET struct alertcfg

static const struct yamlcfg_key runbook_keys[] = {
	YAMLCFG_CALL_AT("listener", runbook[STORE_LISTENER], url_at),
	YAMLCFG_CALL_AT("leak", runbook[STORE_LEAK], url_at),
	YAMLCFG_CALL_AT("health", runbook[STORE_HEALTH], url_at),
	{ 0 },
};

static int retry_check(struct yamlcfg *c, yaml_node_t *n)
{
	(void)n;
	if (ACFG(c)->max_backoff_ms < ACFG(c)->backoff_ms)
		return yamlcfg__fail(c, "max_backoff must be at least backoff");
	return 0;
}

static const struct yamlcfg_key retry_keys[] = {
	YAMLCFG_DURATION("backoff", backoff_ms, 100, HOUR_MS),
	YAMLCFG_DURATION("max_backoff", max_backoff_ms, 100, DAY_MS),
	YAMLCFG_DURATION("give_up_after", give_up_ms, 60 * MIN_MS, 30 * DAY_MS),
	{ 0 },
};

static int health_check(struct yamlcfg *c, yaml_node_t *n)
{
	(void)n;
	if (ACFG(c)->stale_ms && ACFG(c)->stale_ms < MIN_MS)
		return yamlcfg__fail(c, "heartbeat_timeout: at least 1s, or 0 to turn it off");
	return 0;
}

static const struct yamlcfg_key health_keys[] = {
	YAMLCFG_DURATION("heartbeat_timeout", stale_ms, 0, 30 * DAY_MS),
	YAMLCFG_UINT("drop_reports", drop_reports, 1, 1000),
	YAMLCFG_SIZE("spool_bytes", spool_bytes, 0, 1ULL << 40),
	YAMLCFG_DURATION("spool_age", spool_age_ms, 0, 30 * DAY_MS),
	{ 0 },
};

static const char *const leak_alert_scopes[] = { "fingerprint", "host" };

/* One alert per leaked credential (all hosts), or per credential and host. */
static int leak_alerts(struct yamlcfg *c, yaml_node_t *n)
{
	unsigned scope;

	if (yamlcfg__word(c, n, leak_alert_scopes, 2, &scope))
		return -EINVAL;
	ACFG(c)->leak_per_host = scope == 1;
	return 0;
}

const struct yamlcfg_key alertcfg_keys[] = {
	{ "sinks", alerting_sinks },
	{ "routes", alerting_routes },
	YAMLCFG_SECTION("runbooks", runbook_keys, NULL),
	YAMLCFG_DURATION("resend_interval", resend_ms, MIN_MS, HOUR_MS),
	YAMLCFG_DURATION("group_window", group_window_ms, 0, HOUR_MS),
	{ "leak_alerts", leak_alerts },
	YAMLCFG_PATH("ignore_file", ignore_file),
	YAMLCFG_DURATION("timeout", timeout_ms, MIN_MS, 300 * MIN_MS),
	YAMLCFG_SECTION("retry", retry_keys, retry_check),
	YAMLCFG_SECTION("health", health_keys, health_check),
	{ 0 },
};

#undef YAMLCFG_TARGET

/* The findings accepted in the ignore file raise no alert; read with the rest, and again at SIGHUP. */
static int load_ignore(struct yamlcfg *c, struct alertcfg *a)
{
	const char *file = a->ignore_file ? a->ignore_file : LW_IGNORE_DEFAULT_FILE;
	char why[512];

	ignore__free(a->ignore);
	a->ignore = NULL;
	if (ignore__load(file, a->ignore_file != NULL, &a->ignore, why, sizeof(why)))
		return yamlcfg__fail(c, "ignore_file %s: %s", file, why);
	return 0;
}

/* Routes name sinks, which may come later in the file. */
int alertcfg__check(struct yamlcfg *c, yaml_node_t *n)
{
	struct alertcfg *a = ACFG(c);

	(void)n;
	for (size_t i = 0; i < a->n_routes; i++) {
		struct alert_route *r = &a->routes[i];
		size_t j;

		for (j = 0; j < a->n_sinks && strcmp(a->sinks[j].name, r->sink_name); j++)
			;
		if (j == a->n_sinks) {
			size_t len = strlen(c->path);

			snprintf(c->path + len, sizeof(c->path) - len, ".routes[%zu].sink", i);
			return yamlcfg__fail(c, "no sink named \"%s\" in alerting.sinks", r->sink_name);
		}
		r->sink = (unsigned)j;
	}
	return load_ignore(c, a);
}
