// SPDX-License-Identifier: Apache-2.0
#include "alerting/alertcfg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

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

/* --- helpers --- */

static bool is_http_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

static int url_into(struct yamlcfg *c, yaml_node_t *n, char **out)
{
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
static int secret_file(struct yamlcfg *c, yaml_node_t *n, char **out)
{
	char buf[MAX_SECRET + 2];
	const char *path;
	size_t len;
	FILE *f;

	if (yamlcfg__str(c, n, &path))
		return -EINVAL;
	if (path[0] != '/')
		return yamlcfg__fail(c, "must be an absolute path, got \"%s\"", path);
	f = fopen(path, "r");
	if (!f)
		return yamlcfg__fail(c, "cannot read %s: %s", path, strerror(errno));
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
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

/* --- alerting.sinks[] --- */

static struct alert_sink *cur_sink(struct yamlcfg *c)
{
	return &ACFG(c)->sinks[ACFG(c)->n_sinks - 1];
}

static int sink_name(struct yamlcfg *c, yaml_node_t *n)
{
	const char *s;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (!*s || strlen(s) > ALERT_SINK_NAME_MAX ||
	    s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")])
		return yamlcfg__fail(c, "expected letters, digits, '_', '.' or '-' (at most %d), got \"%s\"",
				     ALERT_SINK_NAME_MAX, s);
	for (size_t i = 0; i + 1 < ACFG(c)->n_sinks; i++)
		if (!strcmp(ACFG(c)->sinks[i].name, s))
			return yamlcfg__fail(c, "a sink named \"%s\" is already defined", s);
	cur_sink(c)->name = strdup(s);
	return cur_sink(c)->name ? 0 : yamlcfg__fail(c, "out of memory");
}

static int sink_type(struct yamlcfg *c, yaml_node_t *n)
{
	const char *s;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	for (int t = 0; t < SINK__COUNT; t++) {
		if (!strcmp(s, sink_names[t])) {
			cur_sink(c)->type = (enum sink_type)t;
			return 0;
		}
	}
	return yamlcfg__fail(c, "expected alertmanager, pagerduty, slack or webhook, got \"%s\"", s);
}

static int sink_url(struct yamlcfg *c, yaml_node_t *n)
{
	return url_into(c, n, &cur_sink(c)->url);
}

static int sink_routing_key(struct yamlcfg *c, yaml_node_t *n)
{
	const char *s;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (!*s || strlen(s) > MAX_SECRET || strpbrk(s, " \t\r\n"))
		return yamlcfg__fail(c, "expected the integration key, without spaces");
	wipe(cur_sink(c)->routing_key);
	cur_sink(c)->routing_key = strdup(s);
	return cur_sink(c)->routing_key ? 0 : yamlcfg__fail(c, "out of memory");
}

static int sink_routing_key_file(struct yamlcfg *c, yaml_node_t *n)
{
	return secret_file(c, n, &cur_sink(c)->routing_key);
}

static int sink_token_file(struct yamlcfg *c, yaml_node_t *n)
{
	return secret_file(c, n, &cur_sink(c)->bearer);
}

static int sink_send_resolved(struct yamlcfg *c, yaml_node_t *n)
{
	cur_sink(c)->resolved_set = true;
	return yamlcfg__bool(c, n, &cur_sink(c)->send_resolved);
}

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

static int sink_entry(struct yamlcfg *c, yaml_node_t *n)
{
	static const struct yamlcfg_key keys[] = {
		{ "name", sink_name },
		{ "type", sink_type },
		{ "url", sink_url },
		{ "routing_key", sink_routing_key },
		{ "routing_key_file", sink_routing_key_file },
		{ "token_file", sink_token_file },
		{ "send_resolved", sink_send_resolved },
		{ 0 },
	};
	struct alertcfg *a = ACFG(c);
	struct alert_sink *s;
	bool has_type;

	if (a->n_sinks >= ALERT_MAX_SINKS)
		return yamlcfg__fail(c, "at most %d sinks", ALERT_MAX_SINKS);
	s = realloc(a->sinks, (a->n_sinks + 1) * sizeof(*s));
	if (!s)
		return yamlcfg__fail(c, "out of memory");
	a->sinks = s;
	s = &a->sinks[a->n_sinks++];
	memset(s, 0, sizeof(*s));
	s->type = SINK__COUNT; /* unset */
	s->send_resolved = true;
	if (yamlcfg__walk_map(c, n, keys))
		return -EINVAL;
	has_type = s->type != SINK__COUNT;
	if (!s->name)
		return yamlcfg__fail(c, "name: required");
	if (!has_type)
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

static int alerting_sinks(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, sink_entry);
}

/* --- alerting.routes[] --- */

static struct alert_route *cur_route(struct yamlcfg *c)
{
	return &ACFG(c)->routes[ACFG(c)->n_routes - 1];
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
static int patterns(struct yamlcfg *c, yaml_node_t *n, struct alert_patterns *p)
{
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

static int route_host(struct yamlcfg *c, yaml_node_t *n)
{
	return patterns(c, n, &cur_route(c)->hosts);
}

static int route_namespace(struct yamlcfg *c, yaml_node_t *n)
{
	return patterns(c, n, &cur_route(c)->namespaces);
}

static int route_rule(struct yamlcfg *c, yaml_node_t *n)
{
	return patterns(c, n, &cur_route(c)->rules);
}

static int route_service(struct yamlcfg *c, yaml_node_t *n)
{
	return patterns(c, n, &cur_route(c)->services);
}

static int kind_one(struct yamlcfg *c, yaml_node_t *n)
{
	enum store_kind k;
	const char *s;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (store_kind__parse(s, &k))
		return yamlcfg__fail(c, "expected listener, leak or health, got \"%s\"", s);
	cur_route(c)->kinds |= 1u << k;
	return 0;
}

static int route_kind(struct yamlcfg *c, yaml_node_t *n)
{
	if (n->type == YAML_SEQUENCE_NODE) {
		if (yamlcfg__walk_seq(c, n, kind_one))
			return -EINVAL;
		if (!cur_route(c)->kinds)
			return yamlcfg__fail(c, "an empty list matches nothing; leave the key out instead");
		return 0;
	}
	return kind_one(c, n);
}

static int route_min_severity(struct yamlcfg *c, yaml_node_t *n)
{
	enum lw_severity s;

	if (yamlcfg__severity(c, n, &s))
		return -EINVAL;
	cur_route(c)->min_severity = severity__wire(s);
	return 0;
}

static int route_sink(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__strdup(c, n, &cur_route(c)->sink_name);
}

static int route_continue(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__bool(c, n, &cur_route(c)->cont);
}

static int route_entry(struct yamlcfg *c, yaml_node_t *n)
{
	static const struct yamlcfg_key keys[] = {
		{ "sink", route_sink },
		{ "kind", route_kind },
		{ "min_severity", route_min_severity },
		{ "host", route_host },
		{ "namespace", route_namespace },
		{ "rule", route_rule },
		{ "service", route_service },
		{ "continue", route_continue },
		{ 0 },
	};
	struct alertcfg *a = ACFG(c);
	struct alert_route *r;

	if (a->n_routes >= ALERT_MAX_ROUTES)
		return yamlcfg__fail(c, "at most %d routes", ALERT_MAX_ROUTES);
	r = realloc(a->routes, (a->n_routes + 1) * sizeof(*r));
	if (!r)
		return yamlcfg__fail(c, "out of memory");
	a->routes = r;
	r = &a->routes[a->n_routes++];
	memset(r, 0, sizeof(*r));
	/* info findings (loopback, expected) page only when a route asks for them */
	r->min_severity = severity__wire(LW_SEV_LOW);
	if (yamlcfg__walk_map(c, n, keys))
		return -EINVAL;
	if (!r->sink_name)
		return yamlcfg__fail(c, "sink: required (the name of one of alerting.sinks)");
	return 0;
}

static int alerting_routes(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, route_entry);
}

/* --- alerting.runbooks --- */

static int runbook(struct yamlcfg *c, yaml_node_t *n, enum store_kind k)
{
	return url_into(c, n, &ACFG(c)->runbook[k]);
}

static int runbook_listener(struct yamlcfg *c, yaml_node_t *n)
{
	return runbook(c, n, STORE_LISTENER);
}

static int runbook_leak(struct yamlcfg *c, yaml_node_t *n)
{
	return runbook(c, n, STORE_LEAK);
}

static int runbook_health(struct yamlcfg *c, yaml_node_t *n)
{
	return runbook(c, n, STORE_HEALTH);
}

static int alerting_runbooks(struct yamlcfg *c, yaml_node_t *n)
{
	static const struct yamlcfg_key keys[] = {
		{ "listener", runbook_listener },
		{ "leak", runbook_leak },
		{ "health", runbook_health },
		{ 0 },
	};
	return yamlcfg__walk_map(c, n, keys);
}

/* --- timings --- */

static int alerting_resend(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__duration_ms(c, n, MIN_MS, HOUR_MS, &ACFG(c)->resend_ms);
}

static int alerting_group_window(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__duration_ms(c, n, 0, HOUR_MS, &ACFG(c)->group_window_ms);
}

static int alerting_timeout(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__duration_ms(c, n, MIN_MS, 300 * MIN_MS, &ACFG(c)->timeout_ms);
}

static int retry_backoff(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__duration_ms(c, n, 100, HOUR_MS, &ACFG(c)->backoff_ms);
}

static int retry_max_backoff(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__duration_ms(c, n, 100, DAY_MS, &ACFG(c)->max_backoff_ms);
}

static int retry_give_up(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__duration_ms(c, n, 60 * MIN_MS, 30 * DAY_MS, &ACFG(c)->give_up_ms);
}

static int alerting_retry(struct yamlcfg *c, yaml_node_t *n)
{
	static const struct yamlcfg_key keys[] = {
		{ "backoff", retry_backoff },
		{ "max_backoff", retry_max_backoff },
		{ "give_up_after", retry_give_up },
		{ 0 },
	};
	if (yamlcfg__walk_map(c, n, keys))
		return -EINVAL;
	if (ACFG(c)->max_backoff_ms < ACFG(c)->backoff_ms)
		return yamlcfg__fail(c, "max_backoff must be at least backoff");
	return 0;
}

static int health_stale(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__duration_ms(c, n, 0, 30 * DAY_MS, &ACFG(c)->stale_ms);
}

static int health_drop_reports(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__uint(c, n, 1, 1000, &ACFG(c)->drop_reports);
}

static int health_spool_bytes(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__size(c, n, 0, 1ULL << 40, &ACFG(c)->spool_bytes);
}

static int health_spool_age(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__duration_ms(c, n, 0, 30 * DAY_MS, &ACFG(c)->spool_age_ms);
}

static int alerting_health(struct yamlcfg *c, yaml_node_t *n)
{
	static const struct yamlcfg_key keys[] = {
		{ "heartbeat_timeout", health_stale },
		{ "drop_reports", health_drop_reports },
		{ "spool_bytes", health_spool_bytes },
		{ "spool_age", health_spool_age },
		{ 0 },
	};
	if (yamlcfg__walk_map(c, n, keys))
		return -EINVAL;
	if (ACFG(c)->stale_ms && ACFG(c)->stale_ms < MIN_MS)
		return yamlcfg__fail(c, "heartbeat_timeout: at least 1s, or 0 to turn it off");
	return 0;
}

/* Routes name sinks, which may come later in the file. */
static int resolve_sinks(struct yamlcfg *c)
{
	struct alertcfg *a = ACFG(c);

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
	return 0;
}

int alertcfg__section(struct yamlcfg *c, yaml_node_t *n)
{
	static const struct yamlcfg_key keys[] = {
		{ "sinks", alerting_sinks },
		{ "routes", alerting_routes },
		{ "runbooks", alerting_runbooks },
		{ "resend_interval", alerting_resend },
		{ "group_window", alerting_group_window },
		{ "timeout", alerting_timeout },
		{ "retry", alerting_retry },
		{ "health", alerting_health },
		{ 0 },
	};
	if (yamlcfg__walk_map(c, n, keys))
		return -EINVAL;
	return resolve_sinks(c);
}
