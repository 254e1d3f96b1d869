// SPDX-License-Identifier: Apache-2.0
/*
 * Alerting's pure parts: the alerting: configuration and its errors, route
 * matching, dedup keys, the alert text made from events, the payload of
 * each sink type, backoff, and what a sink's answer means.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alerting/compose.h"
#include "alerting/alertkey.h"
#include "settings/config.h"
#include "notify/outbox.h"
#include "payload/payload.h"
#include "routing/route.h"
#include "notify/sink.h"
#include "collector_fixtures.h"

#define FP "0123456789abcdef0123456789abcdef"

static char err[512];

static void load(struct collector_config *cfg, const char *text)
{
	collector_config__defaults(cfg);
	if (collector_config__load_string(cfg, text, err, sizeof(err)))
		fail_msg("rejected: %s\n%s", err, text);
}

static void assert_rejected(const char *text, const char *want)
{
	struct collector_config cfg;

	collector_config__defaults(&cfg);
	err[0] = '\0';
	if (collector_config__load_string(&cfg, text, err, sizeof(err)) != -EINVAL)
		fail_msg("accepted:\n%s", text);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not contain \"%s\"", err, want);
	if (strchr(err, '\n'))
		fail_msg("error \"%s\" is more than one line", err);
	collector_config__free(&cfg);
}

/* --- configuration --- */

static void test_config_defaults(void **state)
{
	struct collector_config cfg;
	(void)state;

	collector_config__defaults(&cfg);
	assert_false(alertcfg__enabled(&cfg.alerting));
	assert_int_equal(cfg.alerting.n_sinks, 0);
	assert_int_equal(cfg.alerting.resend_ms, 60000);
	assert_int_equal(cfg.alerting.group_window_ms, 60000);
	assert_false(cfg.alerting.leak_per_host);
	assert_int_equal(cfg.alerting.backoff_ms, 1000);
	assert_int_equal(cfg.alerting.max_backoff_ms, 300000);
	assert_int_equal(cfg.alerting.give_up_ms, 86400000);
	assert_int_equal(cfg.alerting.stale_ms, 300000);
	assert_int_equal(cfg.alerting.drop_reports, 3);
	assert_int_equal(cfg.alerting.spool_bytes, 128ULL << 20);
	collector_config__free(&cfg);
}

static void test_config_full(void **state)
{
	struct collector_config cfg;
	char path[] = "/tmp/lwc-pdkey.XXXXXX";
	char text[2048];
	int fd = mkstemp(path);
	const struct alertcfg *a;
	(void)state;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "r0ut1ngk3y\n", 11), 11);
	close(fd);
	snprintf(text, sizeof(text),
		 "alerting:\n"
		 "  routes:\n"
		 "    - sink: pager\n"
		 "      kind: [listener, leak]\n"
		 "      min_severity: high\n"
		 "      host: [\"db-*\", web-1]\n"
		 "      namespace: prod\n"
		 "      continue: true\n"
		 "    - sink: am\n"
		 "  sinks:\n"
		 "    - name: am\n"
		 "      type: alertmanager\n"
		 "      url: http://127.0.0.1:9093/\n"
		 "    - name: pager\n"
		 "      type: pagerduty\n"
		 "      routing_key_file: %s\n"
		 "    - name: chat\n"
		 "      type: slack\n"
		 "      url: https://hooks.example.com/services/T/B/X\n"
		 "      send_resolved: false\n"
		 "    - name: hook\n"
		 "      type: webhook\n"
		 "      url: http://127.0.0.1:1/x/api/v2/alerts\n"
		 "      token_file: %s\n"
		 "  runbooks:\n"
		 "    leak: https://wiki.example.com/leak\n"
		 "  resend_interval: 30s\n"
		 "  group_window: 0\n"
		 "  leak_alerts: host\n"
		 "  timeout: 5s\n"
		 "  retry:\n"
		 "    backoff: 500ms\n"
		 "    max_backoff: 1m\n"
		 "    give_up_after: 2h\n"
		 "  health:\n"
		 "    heartbeat_timeout: 0\n"
		 "    drop_reports: 5\n"
		 "    spool_bytes: 1MiB\n"
		 "    spool_age: 0\n",
		 path, path);
	load(&cfg, text);
	unlink(path);
	a = &cfg.alerting;
	assert_true(alertcfg__enabled(a));
	assert_int_equal(a->n_sinks, 4);
	assert_int_equal(a->n_routes, 2);
	/* the Alertmanager path is added to a base URL, and only then */
	assert_string_equal(a->sinks[0].url, "http://127.0.0.1:9093/api/v2/alerts");
	assert_string_equal(a->sinks[3].url, "http://127.0.0.1:1/x/api/v2/alerts");
	assert_int_equal(a->sinks[1].type, SINK_PAGERDUTY);
	assert_string_equal(a->sinks[1].url, PAGERDUTY_EVENTS_URL);
	assert_string_equal(a->sinks[1].routing_key, "r0ut1ngk3y");
	assert_string_equal(a->sinks[3].bearer, "r0ut1ngk3y");
	assert_true(a->sinks[0].send_resolved);
	assert_false(a->sinks[2].send_resolved);
	/* routes name sinks declared after them */
	assert_int_equal(a->routes[0].sink, 1);
	assert_int_equal(a->routes[1].sink, 0);
	assert_int_equal(a->routes[0].kinds, (1u << STORE_LISTENER) | (1u << STORE_LEAK));
	assert_int_equal(a->routes[0].min_severity, 4);
	assert_int_equal(a->routes[1].min_severity, 2); /* default: low */
	assert_int_equal(a->routes[0].hosts.n, 2);
	assert_string_equal(a->routes[0].namespaces.v[0], "prod");
	assert_true(a->routes[0].cont);
	assert_string_equal(a->runbook[STORE_LEAK], "https://wiki.example.com/leak");
	assert_null(a->runbook[STORE_LISTENER]);
	assert_int_equal(a->resend_ms, 30000);
	assert_int_equal(a->group_window_ms, 0);
	assert_true(a->leak_per_host);
	assert_int_equal(a->backoff_ms, 500);
	assert_int_equal(a->give_up_ms, 7200000);
	assert_int_equal(a->stale_ms, 0);
	assert_int_equal(a->drop_reports, 5);
	assert_int_equal(a->spool_bytes, 1 << 20);
	collector_config__free(&cfg);
}

static void test_config_errors(void **state)
{
	(void)state;
	assert_rejected("alerting:\n  sink: []\n", "alerting.sink: unknown key");
	assert_rejected("alerting:\n  sinks:\n    - name: a\n      type: email\n      url: http://x\n",
			"alerting.sinks[0].type: expected alertmanager, pagerduty, slack or webhook");
	assert_rejected("alerting:\n  sinks:\n    - name: a\n      type: webhook\n      url: ftp://x\n",
			"alerting.sinks[0].url: expected an http:// or https:// URL");
	assert_rejected("alerting:\n  sinks:\n    - name: a\n      type: webhook\n", "alerting.sinks[0]: url: required");
	assert_rejected("alerting:\n  sinks:\n    - type: webhook\n      url: http://x\n", "alerting.sinks[0]: name: required");
	assert_rejected("alerting:\n  sinks:\n    - name: a b\n", "alerting.sinks[0].name: expected letters");
	assert_rejected("alerting:\n  sinks:\n    - name: p\n      type: pagerduty\n",
			"alerting.sinks[0]: routing_key: required");
	assert_rejected("alerting:\n  sinks:\n    - name: s\n      type: slack\n      url: http://x\n      routing_key: k\n",
			"alerting.sinks[0]: routing_key: only for pagerduty");
	assert_rejected("alerting:\n  sinks:\n    - name: p\n      type: pagerduty\n      routing_key_file: /nonexistent/key\n",
			"alerting.sinks[0].routing_key_file: cannot read /nonexistent/key");
	assert_rejected("alerting:\n  sinks:\n    - {name: a, type: webhook, url: \"http://x\"}\n"
			"    - {name: a, type: webhook, url: \"http://y\"}\n",
			"alerting.sinks[1].name: a sink named \"a\" is already defined");
	assert_rejected("alerting:\n  sinks:\n    - {name: a, type: webhook, url: \"http://x\", colour: red}\n",
			"alerting.sinks[0].colour: unknown key");
	assert_rejected("alerting:\n  sinks:\n    - {name: p, type: pagerduty, routing_key: k, send_resolved: false}\n",
			"alerting.sinks[0]: send_resolved: only for slack and webhook");
	assert_rejected("alerting:\n  routes:\n    - kind: leak\n", "alerting.routes[0]: sink: required");
	assert_rejected("alerting:\n  routes:\n    - sink: nowhere\n",
			"alerting.routes[0].sink: no sink named \"nowhere\" in alerting.sinks");
	assert_rejected("alerting:\n  sinks:\n    - {name: a, type: webhook, url: \"http://x\"}\n"
			"  routes:\n    - sink: a\n    - sink: b\n",
			"alerting.routes[1].sink: no sink named \"b\"");
	assert_rejected("alerting:\n  routes:\n    - sink: a\n      kind: secrets\n",
			"alerting.routes[0].kind: expected listener, leak or health, got \"secrets\"");
	assert_rejected("alerting:\n  routes:\n    - sink: a\n      kind: [leak, nope]\n",
			"alerting.routes[0].kind[1]: expected listener, leak or health");
	assert_rejected("alerting:\n  routes:\n    - sink: a\n      min_severity: urgent\n",
			"alerting.routes[0].min_severity: expected info, low, medium, high or critical");
	assert_rejected("alerting:\n  routes:\n    - sink: a\n      host: []\n",
			"alerting.routes[0].host: an empty list matches nothing");
	assert_rejected("alerting:\n  resend_interval: 0\n", "alerting.resend_interval");
	assert_rejected("alerting:\n  group_window: soon\n", "alerting.group_window");
	assert_rejected("alerting:\n  leak_alerts: everywhere\n", "alerting.leak_alerts");
	assert_rejected("alerting:\n  retry:\n    backoff: 10s\n    max_backoff: 1s\n",
			"alerting.retry: max_backoff must be at least backoff");
	assert_rejected("alerting:\n  retry:\n    give_up_after: 5s\n", "alerting.retry.give_up_after");
	assert_rejected("alerting:\n  health:\n    drop_reports: 0\n", "alerting.health.drop_reports");
	assert_rejected("alerting:\n  health:\n    heartbeat_timeout: 500ms\n", "alerting.health: heartbeat_timeout");
	assert_rejected("alerting:\n  runbooks:\n    leak: wiki/leak\n", "alerting.runbooks.leak: expected an http");
	assert_rejected("alerting:\n  runbooks:\n    secrets: http://x\n", "alerting.runbooks.secrets: unknown key");
}

/* A secret in the configuration stays out of the error message. */
static void test_config_errors_hide_urls(void **state)
{
	(void)state;
	assert_rejected("alerting:\n  sinks:\n    - name: s\n      type: slack\n      url: hooks.slack.com/services/SECRETPATH\n",
			"alerting.sinks[0].url");
	assert_null(strstr(err, "SECRETPATH"));
}

/* --- routes --- */

static void test_routes(void **state)
{
	struct collector_config cfg;
	struct alert_facts f = { .kind = STORE_LISTENER, .severity = 4, .host = "db-1",
				 .namespace = "prod", .service = "redis" };
	(void)state;

	load(&cfg, "alerting:\n"
		   "  sinks:\n"
		   "    - {name: pager, type: webhook, url: \"http://x\"}\n"
		   "    - {name: chat, type: webhook, url: \"http://y\"}\n"
		   "    - {name: all, type: webhook, url: \"http://z\"}\n"
		   "  routes:\n"
		   "    - {sink: pager, kind: [listener, leak], min_severity: high, host: \"db-*\", continue: true}\n"
		   "    - {sink: chat, kind: leak, rule: [\"github-*\", aws-access-key]}\n"
		   "    - {sink: chat, namespace: staging}\n"
		   "    - {sink: all}\n");
	/* a high listener on db-1: pager, then on (continue) to... the last route */
	assert_int_equal(route__sinks(&cfg.alerting, &f), (1 << 0) | (1 << 2));
	/* medium: not for the pager */
	f.severity = 3;
	assert_int_equal(route__sinks(&cfg.alerting, &f), 1 << 2);
	/* info never matches a route that does not ask for it */
	f.severity = 1;
	assert_int_equal(route__sinks(&cfg.alerting, &f), 0);
	/* another host */
	f.severity = 5;
	f.host = "web-1";
	assert_int_equal(route__sinks(&cfg.alerting, &f), 1 << 2);
	/* a leak by rule: first match wins, no continue */
	f = (struct alert_facts){ .kind = STORE_LEAK, .severity = 3, .host = "web-1", .rule = "github-pat" };
	assert_int_equal(route__sinks(&cfg.alerting, &f), 1 << 1);
	f.rule = "slack-token";
	assert_int_equal(route__sinks(&cfg.alerting, &f), 1 << 2);
	/* a namespace route: an alert outside any pod does not match it */
	f = (struct alert_facts){ .kind = STORE_HEALTH, .severity = 4, .host = "web-1" };
	assert_false(route__matches(&cfg.alerting.routes[2], &f));
	f.namespace = "staging";
	assert_true(route__matches(&cfg.alerting.routes[2], &f));
	assert_int_equal(route__sinks(&cfg.alerting, &f), 1 << 1);
	/* a rule pattern never matches a listener, which has none */
	f = (struct alert_facts){ .kind = STORE_LEAK, .severity = 3, .host = "h" };
	assert_false(route__matches(&cfg.alerting.routes[1], &f));
	collector_config__free(&cfg);
}

/* --- dedup keys --- */

static void test_keys(void **state)
{
	char k[ALERTKEY_LEN], k2[ALERTKEY_LEN], host[300];
	(void)state;

	alertkey__listener(k, "db-1", 4026531840u, "tcp", "0.0.0.0", 6379);
	assert_string_equal(k, "leakwatch/listener/db-1/4026531840/tcp/0.0.0.0/6379");
	alertkey__listener(k, "db-1", 4026531840u, "udp", "::", 53);
	assert_string_equal(k, "leakwatch/listener/db-1/4026531840/udp/::/53");
	alertkey__leak(k, FP, "db-1");
	assert_string_equal(k, "leakwatch/leak/" FP "/db-1");
	alertkey__agent(k, "agent-7", "silent");
	assert_string_equal(k, "leakwatch/agent/agent-7/silent");
	alertkey__group(k, "web-2");
	assert_string_equal(k, "leakwatch/listeners/web-2");

	/* past PagerDuty's 255 characters: hashed, stable, and still distinct */
	memset(host, 'h', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	alertkey__leak(k, FP, host);
	assert_true(strlen(k) <= 255);
	assert_non_null(strstr(k, "leakwatch/leak/sha256/"));
	alertkey__leak(k2, FP, host);
	assert_string_equal(k, k2);
	host[0] = 'H';
	alertkey__leak(k2, FP, host);
	assert_string_not_equal(k, k2);
}

/* --- alert text --- */

static bool has_line(const char *kv, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = kv; p && (p = strstr(p, line)); p++)
		if ((p == kv || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return true;
	return false;
}

static void test_listener_alert(void **state)
{
	Leakwatch__V1__Container c = LEAKWATCH__V1__CONTAINER__INIT;
	struct fx e;
	struct alert a;
	Leakwatch__V1__Event *ev = fx_listener(&e, 1, (int64_t)fx_now(), "db-1", 6379, true);
	char key[ALERTKEY_LEN];
	(void)state;

	c.pod_name = S("cache-0");
	c.pod_namespace = S("prod");
	c.container_name = S("redis");
	ev->container = &c;
	e.proc.exe = S("/usr/bin/redis-server");
	assert_int_equal(alert__listener(ev, &a), 0);
	assert_string_equal(a.key, "leakwatch/listener/db-1/4026531840/tcp/0.0.0.0/6379");
	alert__listener_key(ev, key);
	assert_string_equal(key, a.key);
	assert_int_equal(a.kind, STORE_LISTENER);
	assert_int_equal(a.severity, 4);
	assert_string_equal(a.alertname, "LeakwatchExposedListener");
	assert_string_equal(a.namespace, "prod");
	assert_string_equal(a.pod, "cache-0");
	assert_string_equal(a.service, "redis");
	assert_true(has_line(a.labels, "alertname=LeakwatchExposedListener"));
	assert_true(has_line(a.labels, "severity=high"));
	assert_true(has_line(a.labels, "host=db-1"));
	assert_true(has_line(a.labels, "kind=listener"));
	assert_true(has_line(a.labels, "service=redis"));
	assert_true(has_line(a.labels, "port=6379"));
	assert_true(has_line(a.labels, "namespace=prod"));
	assert_true(has_line(a.labels, "pod=cache-0"));
	assert_true(has_line(a.details, "exposure=public"));
	assert_true(has_line(a.details, "process=redis-server"));
	assert_string_equal(a.summary, "redis on db-1 listens on a public address: 0.0.0.0:6379/tcp");
	/* what, where, why, what to do */
	assert_non_null(strstr(a.description, "What: redis (database) is listening on 0.0.0.0:6379/tcp"));
	assert_non_null(strstr(a.description, "Where: host db-1, network namespace 4026531840; process "
					      "redis-server (pid 4242, /usr/bin/redis-server); pod prod/cache-0, container redis."));
	assert_non_null(strstr(a.description, "Why: it answers on a public interface"));
	assert_non_null(strstr(a.description, "not on the expected list"));
	assert_non_null(strstr(a.description, "What to do: "));
	assert_null(strstr(a.description, "Published:"));
	alert__free(&a);
}

/* Private on its own addresses, public through a DNAT rule in another namespace. */
static void test_published_listener_alert(void **state)
{
	Leakwatch__V1__Published p = LEAKWATCH__V1__PUBLISHED__INIT;
	uint8_t pub[4] = { 203, 0, 113, 7 };
	struct fx e;
	struct alert a;
	Leakwatch__V1__Event *ev = fx_listener(&e, 1, (int64_t)fx_now(), "db-1", 6379, true);
	(void)state;

	p.address.data = pub;
	p.address.len = 4;
	p.port = 16379;
	p.exposure = LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PUBLIC;
	p.own_exposure = LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PRIVATE;
	p.netns = 4026531840;
	p.table = S("nat");
	p.chain = S("DOCKER");
	e.l.published = &p;
	e.l.netns_name = S("blue");
	assert_int_equal(alert__listener(ev, &a), 0);
	assert_string_equal(a.summary, "redis on db-1 listens on a public address, through DNAT: 0.0.0.0:6379/tcp");
	assert_non_null(strstr(a.description, "Published: traffic to 203.0.113.7 (public), port 16379, reaches "
					      "it through a DNAT rule (table nat, chain DOCKER, network namespace "
					      "4026531840); on its own addresses it is private."));
	assert_non_null(strstr(a.description, "network namespace 4026531840 (blue)"));
	assert_true(has_line(a.details, "published_address=203.0.113.7"));
	assert_true(has_line(a.details, "published_port=16379"));
	assert_true(has_line(a.details, "own_exposure=private"));
	assert_true(has_line(a.labels, "netns_name=blue"));
	alert__free(&a);
}

static void test_leak_alert(void **state)
{
	struct fx e;
	struct alert a;
	Leakwatch__V1__Event *ev = fx_leak(&e, 2, (int64_t)fx_now(), "web-7", FP, "/var/log/api.log", 3);
	(void)state;

	e.k.offset = 1234;
	e.proc.comm = S("api");
	assert_int_equal(alert__leak(ev, true, &a), 0);
	assert_string_equal(a.key, "leakwatch/leak/" FP "/web-7");
	assert_int_equal(a.count, 3);
	assert_string_equal(a.rule, "github-pat");
	assert_string_equal(a.fingerprint, FP);
	assert_true(has_line(a.labels, "rule=github-pat"));
	assert_true(has_line(a.labels, "fingerprint=" FP));
	assert_true(has_line(a.details, "redacted=ghp_...9xYz"));
	assert_true(has_line(a.details, "offset=1234"));
	assert_string_equal(a.summary, "Credential written to a log on web-7: github-pat ghp_...9xYz in /var/log/api.log, offset 1234");
	assert_non_null(strstr(a.description, "Where: host web-7, file /var/log/api.log, offset 1234"));
	assert_non_null(strstr(a.description, "process api (pid 4242)"));
	assert_non_null(strstr(a.description, "POST /v1/findings/" FP "/ack"));
	alert__free(&a);
}

/* A journal finding names the unit that wrote it, not a file. */
static void test_journal_leak_alert(void **state)
{
	Leakwatch__V1__JournalEntry j = LEAKWATCH__V1__JOURNAL_ENTRY__INIT;
	struct fx e;
	struct alert a;
	Leakwatch__V1__Event *ev = fx_leak(&e, 2, (int64_t)fx_now(), "db-1", FP, "", 1);
	(void)state;

	j.unit = S("postgres.service");
	j.syslog_identifier = S("postgres");
	j.cursor = S("s=abc;i=2a");
	j.field = S("MESSAGE");
	e.k.source = LEAKWATCH__V1__LEAK_EVENT__SOURCE__SOURCE_JOURNAL;
	e.k.journal = &j;
	e.proc.comm = S("postgres");
	assert_int_equal(alert__leak(ev, true, &a), 0);
	assert_string_equal(a.key, "leakwatch/leak/" FP "/db-1");
	assert_string_equal(a.summary,
			    "Credential written to the journal on db-1: github-pat ghp_...9xYz, written by postgres.service");
	assert_true(has_line(a.details, "source=journal"));
	assert_true(has_line(a.details, "unit=postgres.service"));
	assert_true(has_line(a.details, "cursor=s=abc;i=2a"));
	assert_false(has_line(a.details, "offset=0"));
	assert_non_null(strstr(a.description, "written to the systemd journal"));
	assert_non_null(strstr(a.description, "Where: host db-1, journal entry written by postgres.service "
					      "(identifier postgres), field MESSAGE, cursor s=abc;i=2a; process postgres"));
	alert__free(&a);
}

static void test_agent_alerts(void **state)
{
	struct agent_status st = { .agent_id = "agent-9", .host = "db-9", .version = "0.2.0",
				   .last_heartbeat_ns = 1, .silent_ms = 400000, .drops_new = 17,
				   .drop_reports = 3, .drop_reasons = "ringbuf_full=17", .spool_bytes = 1 << 30 };
	struct alert a;
	(void)state;

	assert_int_equal(alert__agent(AGENT_SILENT, &st, 5, &a), 0);
	assert_string_equal(a.key, "leakwatch/agent/agent-9/silent");
	assert_string_equal(a.alertname, "LeakwatchAgentSilent");
	assert_int_equal(a.severity, 4);
	assert_string_equal(a.summary, "leakwatch agent on db-9 stopped reporting");
	assert_non_null(strstr(a.description, "for more than 400 s"));
	assert_true(has_line(a.labels, "agent_id=agent-9"));
	alert__free(&a);
	assert_int_equal(alert__agent(AGENT_DROPS, &st, 5, &a), 0);
	assert_string_equal(a.key, "leakwatch/agent/agent-9/drops");
	assert_non_null(strstr(a.description, "17 record(s) lost over the last 3 heartbeats"));
	assert_non_null(strstr(a.description, "ringbuf_full=17"));
	alert__free(&a);
	assert_int_equal(alert__agent(AGENT_SPOOL, &st, 5, &a), 0);
	assert_string_equal(a.alertname, "LeakwatchAgentSpoolFilling");
	assert_int_equal(a.severity, 3);
	assert_non_null(strstr(a.description, "holds 1073741824 bytes"));
	alert__free(&a);
	assert_int_equal(alert__agent(AGENT_PROBLEM_COUNT, &st, 5, &a), -EINVAL);
}

/* --- payloads --- */

static struct alert_view view(void)
{
	return (struct alert_view){
		.key = S("leakwatch/leak/" FP "/web-7"),
		.kind = STORE_LEAK,
		.firing = true,
		.severity = 5,
		.alertname = S("LeakwatchCredentialLeak"),
		.host = S("web-7"),
		.labels = S("alertname=LeakwatchCredentialLeak\nseverity=critical\nhost=web-7\nkind=leak\n"
			    "rule=github-pat\nfingerprint=" FP "\n"),
		.details = S("redacted=ghp_...9xYz\npath=/var/log/api.log\noffset=1234\n"),
		.summary = S("Credential written to a log on web-7: <b>&"),
		.description = S("What: a credential.\nWhere: host web-7."),
		.fingerprint = S(FP),
		.count = 1000,
		.starts_ns = 1700000000LL * SEC,
		.last_ns = 1700000100LL * SEC,
	};
}

static struct alertcfg cfg_with_runbook(void)
{
	struct alertcfg c;

	alertcfg__defaults(&c);
	c.runbook[STORE_LEAK] = S("https://wiki.example.com/leak");
	return c;
}

static void test_payload_pagerduty(void **state)
{
	struct alertcfg c = cfg_with_runbook();
	struct alert_sink s = { .name = S("pd"), .type = SINK_PAGERDUTY, .routing_key = S("KEY123") };
	struct alert_view v = view();
	struct notification n = { .action = OUTBOX_TRIGGER, .id = 7, .dedup_key = v.key, .alerts = &v,
				  .n = 1, .total = 1 };
	char *body;
	(void)state;

	body = payload__pagerduty(&c, &s, &n, fx_now());
	assert_non_null(body);
	assert_non_null(strstr(body, "\"routing_key\":\"KEY123\""));
	assert_non_null(strstr(body, "\"event_action\":\"trigger\""));
	assert_non_null(strstr(body, "\"dedup_key\":\"leakwatch/leak/" FP "/web-7\""));
	assert_non_null(strstr(body, "\"source\":\"web-7\""));
	assert_non_null(strstr(body, "\"severity\":\"critical\""));
	assert_non_null(strstr(body, "\"timestamp\":\"2023-11-14T22:13:20.000Z\""));
	assert_non_null(strstr(body, "\"component\":\"github-pat\""));
	assert_non_null(strstr(body, "\"class\":\"LeakwatchCredentialLeak\""));
	assert_non_null(strstr(body, "Seen 1000 times on this host"));
	assert_non_null(strstr(body, "\"links\":[{\"href\":\"https://wiki.example.com/leak\""));
	free(body);

	n.action = OUTBOX_RESOLVE;
	body = payload__pagerduty(&c, &s, &n, fx_now());
	assert_string_equal(body, "{\"routing_key\":\"KEY123\",\"event_action\":\"resolve\","
				  "\"dedup_key\":\"leakwatch/leak/" FP "/web-7\"}");
	free(body);

	/* a resend is Alertmanager's */
	n.action = OUTBOX_RESEND;
	assert_null(payload__pagerduty(&c, &s, &n, fx_now()));

	assert_string_equal(payload__pd_severity(5), "critical");
	assert_string_equal(payload__pd_severity(4), "error");
	assert_string_equal(payload__pd_severity(3), "warning");
	assert_string_equal(payload__pd_severity(2), "info");
}

static void test_payload_group(void **state)
{
	struct alertcfg c = cfg_with_runbook();
	struct alert_sink s = { .name = S("pd"), .type = SINK_PAGERDUTY, .routing_key = S("K") };
	struct alert_view v[2] = { view(), view() };
	struct notification n = { .action = OUTBOX_GROUP, .id = 9, .dedup_key = "leakwatch/listeners/web-7",
				  .alerts = v, .n = 2, .total = 30 };
	char *body;
	(void)state;

	v[0].kind = v[1].kind = STORE_LISTENER;
	v[0].severity = 2;
	v[1].severity = 4;
	body = payload__pagerduty(&c, &s, &n, fx_now());
	assert_non_null(strstr(body, "\"dedup_key\":\"leakwatch/listeners/web-7\""));
	assert_non_null(strstr(body, "\"summary\":\"30 new exposed listeners on web-7\""));
	assert_non_null(strstr(body, "\"severity\":\"error\"")); /* the worst of them */
	assert_non_null(strstr(body, "\"listeners_total\":30"));
	free(body);
	body = payload__slack(&c, &n, fx_now());
	assert_non_null(strstr(body, "and 28 more"));
	free(body);
	body = payload__webhook(&c, &n, fx_now());
	assert_non_null(strstr(body, "\"group\":{\"host\":\"web-7\",\"size\":30"));
	free(body);
}

static void test_payload_slack(void **state)
{
	struct alertcfg c = cfg_with_runbook();
	struct alert_view v = view();
	struct notification n = { .action = OUTBOX_TRIGGER, .dedup_key = v.key, .alerts = &v, .n = 1, .total = 1 };
	char *body;
	(void)state;

	body = payload__slack(&c, &n, fx_now());
	assert_non_null(body);
	assert_non_null(strstr(body, "\"text\":\"[FIRING] Credential written"));
	assert_non_null(strstr(body, "\"type\":\"mrkdwn\""));
	/* Slack's markup characters are escaped in what we did not write */
	assert_non_null(strstr(body, "&lt;b&gt;&amp;"));
	assert_non_null(strstr(body, "<https://wiki.example.com/leak|Runbook>"));
	free(body);
	n.action = OUTBOX_RESOLVE;
	n.at_ns = 1700000200LL * SEC;
	body = payload__slack(&c, &n, fx_now());
	assert_non_null(strstr(body, "[RESOLVED]"));
	assert_non_null(strstr(body, "Ended at 2023-11-14T22:16:40.000Z"));
	free(body);
}

/* With server.public_url, every sink's payload links to the finding's page. */
static void test_payload_links(void **state)
{
	struct alertcfg c = cfg_with_runbook();
	struct alert_sink s = { .name = S("pd"), .type = SINK_PAGERDUTY, .routing_key = S("K") };
	struct alert_view v = view(), l = view();
	struct notification n = { .action = OUTBOX_TRIGGER, .id = 1, .dedup_key = v.key, .alerts = &v,
				  .n = 1, .total = 1, .at_ns = v.starts_ns };
	struct notification nl = n;
	char *body;
	(void)state;

	/* no public_url: no link anywhere */
	body = payload__webhook(&c, &n, fx_now());
	assert_non_null(strstr(body, "\"url\":null"));
	free(body);
	body = payload__alertmanager(&c, &n, 1, fx_now());
	assert_null(strstr(body, "generatorURL"));
	free(body);

	c.public_url = S("https://lw.example.com");
	body = payload__webhook(&c, &n, fx_now());
	assert_non_null(strstr(body, "\"url\":\"https://lw.example.com/ui/leak/" FP "\""));
	free(body);
	body = payload__alertmanager(&c, &n, 1, fx_now());
	assert_non_null(strstr(body, "\"generatorURL\":\"https://lw.example.com/ui/leak/" FP "\""));
	assert_non_null(strstr(body, "\"finding_url\":\"https://lw.example.com/ui/leak/" FP "\""));
	free(body);
	body = payload__pagerduty(&c, &s, &n, fx_now());
	assert_non_null(strstr(body, "\"links\":[{\"href\":\"https://lw.example.com/ui/leak/" FP "\","
				     "\"text\":\"Finding in leakwatch\"},{\"href\":\"https://wiki.example.com/leak\""));
	free(body);
	body = payload__slack(&c, &n, fx_now());
	assert_non_null(strstr(body, "<https://lw.example.com/ui/leak/" FP "|Open in leakwatch>"));
	free(body);

	/* a listener: its page by the fields of its dedup key, the host encoded */
	l.key = S("leakwatch/listener/db 7/4026531840/tcp/203.0.113.5/6379");
	l.kind = STORE_LISTENER;
	nl.alerts = &l;
	nl.dedup_key = l.key;
	body = payload__webhook(&c, &nl, fx_now());
	assert_non_null(strstr(body, "\"url\":\"https://lw.example.com/ui/listener/db%207/4026531840/tcp/203.0.113.5/6379\""));
	free(body);
}

static void test_payload_webhook(void **state)
{
	struct alertcfg c = cfg_with_runbook();
	struct alert_view v = view();
	struct notification n = { .action = OUTBOX_TRIGGER, .id = 42, .dedup_key = v.key, .alerts = &v,
				  .n = 1, .total = 1, .at_ns = v.starts_ns };
	char *body;
	(void)state;

	body = payload__webhook(&c, &n, fx_now());
	assert_non_null(strstr(body, "{\"version\":\"leakwatch.alert.v1\",\"id\":42,\"status\":\"firing\","));
	assert_non_null(strstr(body, "\"group\":null"));
	assert_non_null(strstr(body, "\"labels\":{\"alertname\":\"LeakwatchCredentialLeak\",\"severity\":\"critical\""));
	assert_non_null(strstr(body, "\"details\":{\"redacted\":\"ghp_...9xYz\""));
	assert_non_null(strstr(body, "\"count\":1000"));
	assert_non_null(strstr(body, "\"runbook_url\":\"https://wiki.example.com/leak\""));
	assert_non_null(strstr(body, "\"ends_at\":null"));
	free(body);
}

/* One alert for a credential seen on several hosts says on how many. */
static void test_payload_leak_hosts(void **state)
{
	struct alertcfg c = cfg_with_runbook();
	struct alert_sink pd = { .name = S("pd"), .type = SINK_PAGERDUTY, .routing_key = S("K") };
	struct alert_view v = view();
	struct notification n = { .action = OUTBOX_TRIGGER, .id = 3, .dedup_key = S("leakwatch/leak/" FP),
				  .alerts = &v, .n = 1, .total = 1 };
	char *body;
	(void)state;

	v.key = S("leakwatch/leak/" FP);
	v.hosts = 12;
	body = payload__pagerduty(&c, &pd, &n, fx_now());
	assert_non_null(strstr(body, "Seen 1000 times on 12 hosts since"));
	assert_non_null(strstr(body, "\"hosts\":12"));
	free(body);
	body = payload__webhook(&c, &n, fx_now());
	assert_non_null(strstr(body, "\"hosts\":12"));
	free(body);
}

/* An exposure that opened and closed inside a group window: announced once, as closed. */
static void test_payload_closed_on_notice(void **state)
{
	struct alertcfg c = cfg_with_runbook();
	struct alert_sink pd = { .name = S("pd"), .type = SINK_PAGERDUTY, .routing_key = S("K") };
	struct alert_view v[2] = { view(), view() };
	struct notification n = { .action = OUTBOX_TRIGGER, .id = 5, .dedup_key = v[0].key, .alerts = v,
				  .n = 1, .total = 1 };
	char *body;
	(void)state;

	v[0].kind = v[1].kind = STORE_LISTENER;
	v[0].firing = false;
	v[0].ends_ns = v[0].starts_ns + 20 * SEC;
	body = payload__slack(&c, &n, fx_now());
	assert_non_null(strstr(body, "Already closed: it was open for 20 s, until 2023-11-14T22:13:40.000Z."));
	free(body);
	body = payload__pagerduty(&c, &pd, &n, fx_now());
	assert_non_null(strstr(body, "(already closed: open for 20 s)\""));
	assert_non_null(strstr(body, "\"event_action\":\"trigger\""));
	free(body);
	body = payload__webhook(&c, &n, fx_now());
	assert_non_null(strstr(body, "\"status\":\"firing\",\"already_closed\":true,"));
	assert_non_null(strstr(body, "\"status\":\"resolved\""));
	assert_non_null(strstr(body, "\"ends_at\":\"2023-11-14T22:13:40.000Z\""));
	free(body);
	/* what PagerDuty gets next, to end the incident it opened */
	n.action = OUTBOX_LATE_RESOLVE;
	body = payload__pagerduty(&c, &pd, &n, fx_now());
	assert_non_null(strstr(body, "\"event_action\":\"resolve\""));
	free(body);

	/* in a group: each closed member says so, and the summary counts them */
	n.action = OUTBOX_GROUP;
	n.n = n.total = 2;
	v[1].ends_ns = v[1].starts_ns + 185 * SEC;
	v[1].firing = false;
	body = payload__slack(&c, &n, fx_now());
	assert_non_null(strstr(body, "2 new exposed listeners on web-7, all already closed"));
	assert_non_null(strstr(body, "(already closed: open for 3 min 5 s)"));
	free(body);
	v[1].firing = true;
	v[1].ends_ns = 0;
	body = payload__webhook(&c, &n, fx_now());
	assert_non_null(strstr(body, "2 new exposed listeners on web-7, 1 already closed"));
	assert_non_null(strstr(body, "\"already_closed\":false"));
	free(body);
}

static void test_payload_alertmanager(void **state)
{
	struct alertcfg c = cfg_with_runbook();
	struct alert_view v = view();
	struct notification n[2] = {
		{ .action = OUTBOX_TRIGGER, .dedup_key = v.key, .alerts = &v, .n = 1, .total = 1 },
		{ .action = OUTBOX_RESOLVE, .dedup_key = v.key, .alerts = &v, .n = 1, .total = 1,
		  .at_ns = 1700000300LL * SEC },
	};
	uint64_t now = 1700000400ULL * SEC;
	char *body;
	(void)state;

	c.resend_ms = 60000;
	body = payload__alertmanager(&c, n, 2, now);
	assert_non_null(body);
	assert_int_equal(body[0], '[');
	assert_non_null(strstr(body, "{\"labels\":{\"alertname\":\"LeakwatchCredentialLeak\",\"severity\":\"critical\","
				     "\"host\":\"web-7\",\"kind\":\"leak\",\"rule\":\"github-pat\",\"fingerprint\":\"" FP "\"},"));
	assert_non_null(strstr(body, "\"annotations\":{\"summary\":"));
	assert_non_null(strstr(body, "\"runbook_url\":\"https://wiki.example.com/leak\""));
	assert_non_null(strstr(body, "\"startsAt\":\"2023-11-14T22:13:20.000Z\""));
	/* firing: four resend intervals ahead; resolved: when it ended */
	assert_non_null(strstr(body, "\"endsAt\":\"2023-11-14T22:24:00.000Z\""));
	assert_non_null(strstr(body, "\"endsAt\":\"2023-11-14T22:18:20.000Z\""));
	free(body);
}

static void test_utf8_cut(void **state)
{
	(void)state;
	assert_int_equal(payload__utf8_cut("abc", 10), 3);
	assert_int_equal(payload__utf8_cut("abcdef", 4), 4);
	/* "é" is two bytes: never cut in the middle */
	assert_int_equal(payload__utf8_cut("ab\xc3\xa9z", 3), 2);
	assert_int_equal(payload__utf8_cut("ab\xc3\xa9z", 4), 4);
	assert_int_equal(payload__utf8_cut("\xe2\x82\xac\xe2\x82\xac", 5), 3);
}

/* --- delivery policy --- */

static void test_classify(void **state)
{
	(void)state;
	assert_int_equal(sink__classify(200), SINK_DELIVERED);
	assert_int_equal(sink__classify(202), SINK_DELIVERED);
	assert_int_equal(sink__classify(0), SINK_RETRY);
	assert_int_equal(sink__classify(408), SINK_RETRY);
	assert_int_equal(sink__classify(429), SINK_RETRY);
	assert_int_equal(sink__classify(500), SINK_RETRY);
	assert_int_equal(sink__classify(503), SINK_RETRY);
	assert_int_equal(sink__classify(400), SINK_REJECTED);
	assert_int_equal(sink__classify(404), SINK_REJECTED);
	assert_int_equal(sink__classify(301), SINK_REJECTED);
}

static void test_kv(void **state)
{
	const char *cur = "a=1\nbad line\n=x\nb=two=2\nlast=", *n, *v;
	size_t nl, vl;
	(void)state;

	assert_true(alert__kv_next(&cur, &n, &nl, &v, &vl));
	assert_int_equal(nl, 1);
	assert_memory_equal(v, "1", 1);
	assert_true(alert__kv_next(&cur, &n, &nl, &v, &vl));
	assert_memory_equal(n, "b", 1);
	assert_int_equal(vl, 5);
	assert_memory_equal(v, "two=2", 5);
	assert_true(alert__kv_next(&cur, &n, &nl, &v, &vl));
	assert_int_equal(vl, 0);
	assert_false(alert__kv_next(&cur, &n, &nl, &v, &vl));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_full),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_config_errors_hide_urls),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_listener_alert),
		cmocka_unit_test(test_leak_alert),
		cmocka_unit_test(test_journal_leak_alert),
		cmocka_unit_test(test_agent_alerts),
		cmocka_unit_test(test_payload_pagerduty),
		cmocka_unit_test(test_published_listener_alert),
		cmocka_unit_test(test_payload_group),
		cmocka_unit_test(test_payload_closed_on_notice),
		cmocka_unit_test(test_payload_leak_hosts),
		cmocka_unit_test(test_payload_slack),
		cmocka_unit_test(test_payload_webhook),
		cmocka_unit_test(test_payload_links),
		cmocka_unit_test(test_payload_alertmanager),
		cmocka_unit_test(test_utf8_cut),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_kv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
