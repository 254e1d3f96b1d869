// SPDX-License-Identifier: Apache-2.0
/*
 * The alert engine on a real store: events in, outbox rows out, in the same
 * transaction. One alert per problem (dedup), resolve on close and on ack,
 * late events ignored, routes, listener storms grouped, agent health, and
 * the outbox queue itself. Sinks point at a closed port with an hour of
 * backoff, so rows stay where the engine put them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alertdb/ack.h"
#include "alertdb/alertdb.h"
#include "alerting/engine.h"
#include "routing/cfgref.h"
#include "settings/config.h"
#include "ingest/ingest.h"
#include "notify/outbox.h"
#include "replicas/sharedkey.h"
#include "storage/store.h"
#include "server/metrics.h"
#include "collector_fixtures.h"
#include "db/db.h"

#define FP1 "0123456789abcdef0123456789abcdef"
#define FP2 "fedcba9876543210fedcba9876543210"
#define MIN_NS (60LL * SEC)

static const char base_yaml[] =
	"alerting:\n"
	"  sinks:\n"
	"    - {name: pd, type: pagerduty, routing_key: k, url: \"http://127.0.0.1:1/pd\"}\n"
	"    - {name: hook, type: webhook, url: \"http://127.0.0.1:1/hook\"}\n"
	"  routes:\n"
	"    - {sink: pd, kind: [listener, leak], min_severity: high, continue: true}\n"
	"    - {sink: hook}\n"
	"  retry: {backoff: 1h, max_backoff: 1h}\n"
	"  health: {heartbeat_timeout: 0, drop_reports: 2, spool_bytes: 1MiB, spool_age: 0}\n";

struct ctx {
	char dir[64];
	char path[128];
	struct collector_config cfg;
	struct cfgref *ref; /* the engine's configuration, taken from cfg.alerting */
	struct store *s;
	struct alerts *a;
	struct metrics m;
	int64_t t0;
	unsigned id; /* event ids, fresh for every event */
};

static int start(void **state, const char *extra)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct store_opts o = { .busy_timeout_ms = 1000 };
	char err[256], yaml[2048];

	strcpy(c->dir, "/tmp/lwc-outbox.XXXXXX");
	if (!mkdtemp(c->dir))
		return -1;
	snprintf(c->path, sizeof(c->path), "%s/collector.db", c->dir);
	snprintf(yaml, sizeof(yaml), "%s%s", base_yaml, extra);
	collector_config__defaults(&c->cfg);
	if (collector_config__load_string(&c->cfg, yaml, err, sizeof(err))) {
		fprintf(stderr, "config: %s\n", err);
		return -1;
	}
	if (fx_store_opts(&o, c->path) || cfgref__new(&c->cfg.alerting, &c->ref) ||
	    store__open(&o, &c->s, err, sizeof(err)) ||
	    alerts__start(c->ref, c->s, &c->m, &c->a, err, sizeof(err))) {
		fprintf(stderr, "start: %s\n", err);
		return -1;
	}
	c->t0 = (int64_t)fx_now() - 3600 * SEC;
	c->id = 1;
	*state = c;
	return 0;
}

static int setup(void **state)
{
	return start(state, "  group_window: 0\n");
}

static int setup_leak_per_host(void **state)
{
	return start(state, "  group_window: 0\n  leak_alerts: host\n");
}

#define IGNORE_FILE "/tmp/lwc-outbox-ignore.yaml"

/* Findings accepted in the ignore file: a leak by fingerprint, a listener by
 * port, and one by the namespace and image its event names. */
static int setup_ignoring(void **state)
{
	FILE *f = fopen(IGNORE_FILE, "w");

	if (!f)
		return -1;
	fputs("leaks:\n  - fingerprint: " FP2 "\n    reason: a test fixture\n"
	      "listeners:\n  - port: 5432\n    reason: the replica\n"
	      "  - namespace: cache\n    image: redis\n    reason: the cache's pods, firewalled upstream\n", f);
	fclose(f);
	return start(state, "  group_window: 0\n  ignore_file: " IGNORE_FILE "\n");
}

static int setup_grouping(void **state)
{
	return start(state, "  group_window: 1m\n");
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	char cmd[160];

	alerts__stop(c->a);
	cfgref__put(c->ref);
	store__close(c->s);
	collector_config__free(&c->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", c->dir);
	if (system(cmd))
		return -1;
	free(c);
	return 0;
}

static int put(struct ctx *c, Leakwatch__V1__Event **evs, size_t n)
{
	struct ingest_limits lim;
	struct ingest_batch *b;
	struct store_result r;
	uint8_t *raw;
	size_t len;
	int err;

	ingest__default_limits(&lim);
	raw = fx_batch(evs, n, "agent-1", 1, &len);
	assert_int_equal(ingest__decode(raw, len, INGEST_IDENTITY, &lim, fx_now(), &b), INGEST_OK);
	err = store__write_batch(c->s, b, fx_now(), &r);
	ingest__free(b);
	free(raw);
	return err;
}

static void put1(struct ctx *c, Leakwatch__V1__Event *ev)
{
	assert_int_equal(put(c, &ev, 1), 0);
}

/* Queries go through the store's lock: the delivery threads share the connection. */
struct q {
	const char *sql;
	int64_t v;
	char text[256];
};

static int run_q(struct db *db, void *arg)
{
	struct q *q = arg;
	struct db_stmt *st;

	q->v = -1;
	q->text[0] = '\0';
	if (db__prepare(db, q->sql, &st) != DB_OK)
		return -EIO;
	if (db__step(st) == DB_ROW) {
		q->v = db__column_int64(st, 0);
		if (db__column_text(st, 0))
			snprintf(q->text, sizeof(q->text), "%s", db__column_text(st, 0));
	}
	db__finalize(st);
	return 0;
}

static int64_t count(struct ctx *c, const char *fmt, ...)
{
	char sql[512];
	struct q q = { .sql = sql };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	assert_int_equal(store__tx(c->s, run_q, &q), 0);
	return q.v;
}

static const char *text(struct ctx *c, char *buf, const char *fmt, ...)
{
	char sql[512];
	struct q q = { .sql = sql };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	assert_int_equal(store__tx(c->s, run_q, &q), 0);
	strcpy(buf, q.text);
	return buf;
}

/* outbox rows for a sink and action, whatever their state */
static int64_t rows(struct ctx *c, const char *sink, const char *action)
{
	return count(c, "SELECT count(*) FROM outbox WHERE sink = '%s' AND action = '%s'", sink, action);
}

#define LKEY(host, port) "leakwatch/listener/" host "/4026531840/tcp/0.0.0.0/" #port

static Leakwatch__V1__Event *listener(struct ctx *c, struct fx *e, int64_t t, const char *host,
				      uint32_t port, bool open)
{
	return fx_listener(e, c->id++, t, host, port, open);
}

/* --- listeners --- */

static void test_listener_lifecycle(void **state)
{
	struct ctx *c = *state;
	struct fx e;

	put1(c, listener(c, &e, c->t0, "db-1", 6379, true));
	assert_int_equal(rows(c, "pd", "trigger"), 1);
	assert_int_equal(rows(c, "hook", "trigger"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM alerts WHERE key = '" LKEY("db-1", 6379)
				  "' AND status = 'firing'"), 1);
	assert_int_equal(c->m.alerts_fired, 1);

	/* the same listener again (an agent restart's inventory): no page */
	put1(c, listener(c, &e, c->t0 + SEC, "db-1", 6379, true));
	assert_int_equal(rows(c, "pd", "trigger"), 1);
	assert_int_equal(c->m.alerts_deduplicated, 1);

	put1(c, listener(c, &e, c->t0 + 2 * SEC, "db-1", 6379, false));
	assert_int_equal(rows(c, "pd", "resolve"), 1);
	assert_int_equal(rows(c, "hook", "resolve"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM outbox WHERE action = 'resolve' AND ref = '"
				  LKEY("db-1", 6379) "' AND at_ns = %lld", (long long)(c->t0 + 2 * SEC)), 2);
	/* a second close resolves nothing more */
	put1(c, listener(c, &e, c->t0 + 3 * SEC, "db-1", 6379, false));
	assert_int_equal(rows(c, "pd", "resolve"), 1);

	/* it opens again: a new page */
	put1(c, listener(c, &e, c->t0 + 4 * SEC, "db-1", 6379, true));
	assert_int_equal(rows(c, "pd", "trigger"), 2);
	assert_int_equal(c->m.alerts_resolved, 1);
}

/* A verified event: the listener as a probe found it. */
static Leakwatch__V1__Event *verified(struct ctx *c, struct fx *e, Leakwatch__V1__Auth *a, int64_t t,
				      int state, int severity)
{
	Leakwatch__V1__Event *ev = listener(c, e, t, "db-1", 8123, true);

	leakwatch__v1__auth__init(a);
	a->state = state;
	a->protocol = S("clickhouse-http");
	a->evidence = S(state == LEAKWATCH__V1__AUTH__STATE__STATE_NONE ? "SELECT 1 -> 1" : "SELECT 1 -> 401");
	a->probed_at_unix_nano = t;
	e->l.action = LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_VERIFIED;
	e->l.source = LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_PROBE;
	e->l.auth = a;
	e->l.severity = severity;
	return ev;
}

/* A probe's verdict updates the listener's one alert in place. */
static void test_probe_updates_alert(void **state)
{
	struct ctx *c = *state;
	Leakwatch__V1__Auth a;
	struct fx e;
	char buf[256];

	put1(c, listener(c, &e, c->t0, "db-1", 8123, true)); /* reported before its probe ended */
	assert_int_equal(rows(c, "pd", "trigger"), 1);
	/* the door is open: critical, the same alert, announced again */
	put1(c, verified(c, &e, &a, c->t0 + SEC, LEAKWATCH__V1__AUTH__STATE__STATE_NONE,
			 LEAKWATCH__V1__SEVERITY__SEVERITY_CRITICAL));
	assert_int_equal(rows(c, "pd", "trigger"), 2);
	assert_int_equal(rows(c, "hook", "trigger"), 2);
	assert_int_equal(count(c, "SELECT count(*) FROM alerts"), 1);
	assert_string_equal(text(c, buf, "SELECT severity || ' ' || status FROM alerts"), "5 firing");
	assert_non_null(strstr(text(c, buf, "SELECT summary FROM alerts"), "answers without credentials"));
	assert_non_null(strstr(text(c, buf, "SELECT prev_labels FROM alerts"), "severity=high"));
	assert_string_equal(text(c, buf, "SELECT auth_state || ' ' || auth_evidence FROM listeners"),
			    "none SELECT 1 -> 1");
	assert_int_equal(c->m.alerts_fired, 1);
	/* an open without a verdict (an agent restart) changes neither alert nor auth */
	put1(c, listener(c, &e, c->t0 + 2 * SEC, "db-1", 8123, true));
	assert_int_equal(rows(c, "pd", "trigger"), 2);
	assert_string_equal(text(c, buf, "SELECT severity FROM alerts"), "5");
	assert_string_equal(text(c, buf, "SELECT auth_state FROM listeners"), "none");
	/* the same verdict again: nothing new to say */
	put1(c, verified(c, &e, &a, c->t0 + 3 * SEC, LEAKWATCH__V1__AUTH__STATE__STATE_NONE,
			 LEAKWATCH__V1__SEVERITY__SEVERITY_CRITICAL));
	assert_int_equal(rows(c, "pd", "trigger"), 2);
	/* a password was set: high, updated */
	put1(c, verified(c, &e, &a, c->t0 + 4 * SEC, LEAKWATCH__V1__AUTH__STATE__STATE_REQUIRED,
			 LEAKWATCH__V1__SEVERITY__SEVERITY_HIGH));
	assert_int_equal(rows(c, "pd", "trigger"), 3);
	assert_string_equal(text(c, buf, "SELECT severity FROM alerts"), "4");
	assert_non_null(strstr(text(c, buf, "SELECT prev_labels FROM alerts"), "severity=critical"));
	assert_string_equal(text(c, buf, "SELECT auth_state FROM listeners"), "required");
	/* below the pager's minimum now: the pager hears its end, the webhook the update */
	put1(c, verified(c, &e, &a, c->t0 + 5 * SEC, LEAKWATCH__V1__AUTH__STATE__STATE_TLS,
			 LEAKWATCH__V1__SEVERITY__SEVERITY_MEDIUM));
	assert_int_equal(rows(c, "pd", "resolve"), 1);
	assert_int_equal(rows(c, "hook", "trigger"), 4);
	assert_int_equal(count(c, "SELECT count(*) FROM alert_sinks WHERE sink = 'pd'"), 0);
	assert_string_equal(text(c, buf, "SELECT status FROM alerts"), "firing");
}

/* A listener judged again with the same key: by a reload or an address change. */
static Leakwatch__V1__Event *rejudged(struct ctx *c, struct fx *e, int64_t t, int source, int severity)
{
	Leakwatch__V1__Event *ev = listener(c, e, t, "db-1", 5432, true);

	e->l.source = source;
	e->l.severity = severity;
	return ev;
}

/* An escalation pages the routes that now match; a de-escalation resolves theirs. */
static void test_rejudged_reroutes(void **state)
{
	struct ctx *c = *state;
	struct fx e;
	char buf[256];

	/* private at first: medium, below the pager's minimum */
	put1(c, rejudged(c, &e, c->t0, LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_KERNEL,
			 LEAKWATCH__V1__SEVERITY__SEVERITY_MEDIUM));
	assert_int_equal(rows(c, "pd", "trigger"), 0);
	assert_int_equal(rows(c, "hook", "trigger"), 1);
	/* a public VIP moved to the host: high, and the pager hears it */
	put1(c, rejudged(c, &e, c->t0 + SEC, LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_ADDRESS,
			 LEAKWATCH__V1__SEVERITY__SEVERITY_HIGH));
	assert_int_equal(rows(c, "pd", "trigger"), 1);
	assert_int_equal(rows(c, "hook", "trigger"), 2);
	assert_string_equal(text(c, buf, "SELECT severity || ' ' || status FROM alerts"), "4 firing");
	assert_int_equal(count(c, "SELECT count(*) FROM alerts"), 1);
	/* an open from a restart's inventory, with the old verdict, changes nothing */
	put1(c, rejudged(c, &e, c->t0 + 2 * SEC, LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_INVENTORY,
			 LEAKWATCH__V1__SEVERITY__SEVERITY_MEDIUM));
	assert_string_equal(text(c, buf, "SELECT severity FROM alerts"), "4");
	/* the VIP moved away again, seen by a reload: the pager hears its end */
	put1(c, rejudged(c, &e, c->t0 + 3 * SEC, LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_RELOAD,
			 LEAKWATCH__V1__SEVERITY__SEVERITY_MEDIUM));
	assert_int_equal(rows(c, "pd", "resolve"), 1);
	assert_int_equal(rows(c, "hook", "trigger"), 3);
	assert_int_equal(rows(c, "hook", "resolve"), 0);
	assert_string_equal(text(c, buf, "SELECT severity || ' ' || status FROM alerts"), "3 firing");
}

static Leakwatch__V1__Event *in_netns(struct ctx *c, struct fx *e, int64_t t, uint64_t cookie,
				      const char *name, bool open)
{
	Leakwatch__V1__Event *ev = listener(c, e, t, "db-1", 6379, open);

	e->l.netns_cookie = cookie;
	e->l.netns_name = (char *)name;
	return ev;
}

/* lre19 is deleted, lre20 gets its inode: two listeners, never one merged alert. */
static void test_reused_netns_inode(void **state)
{
	struct ctx *c = *state;
	struct fx e;
	char buf[256];

	put1(c, in_netns(c, &e, c->t0, 19, "lre19", true));
	assert_int_equal(rows(c, "pd", "trigger"), 1);
	assert_non_null(strstr(text(c, buf, "SELECT description FROM alerts"), "(lre19)"));
	/* lre19's close was lost; lre20 opens on the same inode and port */
	put1(c, in_netns(c, &e, c->t0 + 60 * SEC, 20, "lre20", true));
	assert_int_equal(rows(c, "pd", "resolve"), 1); /* lre19's listener ended with its namespace */
	assert_int_equal(rows(c, "pd", "trigger"), 2); /* and lre20's is its own */
	assert_non_null(strstr(text(c, buf, "SELECT description FROM alerts"), "(lre20)"));
	assert_int_equal(count(c, "SELECT starts_ns FROM alerts") == c->t0 + 60 * SEC, 1);
	assert_int_equal(count(c, "SELECT first_seen_ns FROM listeners") == c->t0 + 60 * SEC, 1);
	assert_string_equal(text(c, buf, "SELECT netns_cookie || ' ' || netns_name FROM listeners"), "20 lre20");
	/* lre19's close, late: it cannot close lre20's listener */
	put1(c, in_netns(c, &e, c->t0 + 61 * SEC, 19, "lre19", false));
	assert_int_equal(rows(c, "pd", "resolve"), 1);
	assert_string_equal(text(c, buf, "SELECT state FROM listeners"), "open");
	/* lre20's own close does */
	put1(c, in_netns(c, &e, c->t0 + 62 * SEC, 20, "lre20", false));
	assert_int_equal(rows(c, "pd", "resolve"), 2);
	assert_string_equal(text(c, buf, "SELECT state FROM listeners"), "closed");
	/* events without a cookie (an older agent) are keyed as before */
	put1(c, in_netns(c, &e, c->t0 + 63 * SEC, 0, "", true));
	assert_int_equal(rows(c, "pd", "trigger"), 3);
	put1(c, in_netns(c, &e, c->t0 + 64 * SEC, 0, "", false));
	assert_int_equal(rows(c, "pd", "resolve"), 3);
}

/* What the ignore file accepts is stored, and raises no alert. */
static void test_ignore_file(void **state)
{
	struct ctx *c = *state;
	struct fx e;

	unlink(IGNORE_FILE);
	put1(c, fx_leak(&e, c->id++, c->t0, "web-7", FP2, "/var/log/a.log", 1));
	assert_int_equal(rows(c, "pd", "trigger"), 0);
	assert_int_equal(count(c, "SELECT count(*) FROM leaks WHERE fingerprint = '" FP2 "'"), 1);
	put1(c, fx_leak(&e, c->id++, c->t0, "web-7", FP1, "/var/log/a.log", 1));
	assert_int_equal(rows(c, "pd", "trigger"), 1); /* another secret still pages */
	put1(c, listener(c, &e, c->t0, "db-1", 5432, true));
	assert_int_equal(rows(c, "pd", "trigger"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM listeners WHERE port = 5432"), 1);
	put1(c, listener(c, &e, c->t0, "db-1", 6379, true));
	assert_int_equal(rows(c, "pd", "trigger"), 2);

	/* by the container the event names: that namespace's redis, any tag */
	Leakwatch__V1__Container ctr;
	Leakwatch__V1__Event *ev;

	leakwatch__v1__container__init(&ctr);
	ctr.pod_namespace = "cache";
	ctr.image = "docker.io/library/redis:7.2";
	ev = listener(c, &e, c->t0, "node-3", 6390, true);
	ev->container = &ctr;
	put1(c, ev);
	assert_int_equal(rows(c, "pd", "trigger"), 2);
	ctr.pod_namespace = "default";
	ev = listener(c, &e, c->t0, "node-3", 6391, true);
	ev->container = &ctr;
	put1(c, ev);
	assert_int_equal(rows(c, "pd", "trigger"), 3);
}

static void test_late_event_ignored(void **state)
{
	struct ctx *c = *state;
	struct fx e;

	put1(c, listener(c, &e, c->t0 + 10 * SEC, "db-1", 5432, false));
	/* an open from before the close, delivered late: the listener is closed */
	put1(c, listener(c, &e, c->t0, "db-1", 5432, true));
	assert_int_equal(count(c, "SELECT count(*) FROM outbox"), 0);
	assert_int_equal(count(c, "SELECT count(*) FROM alerts"), 0);
}

static void test_routes(void **state)
{
	struct ctx *c = *state;
	struct fx e;
	Leakwatch__V1__Event *ev;

	/* info (loopback, expected) pages nobody */
	ev = listener(c, &e, c->t0, "db-1", 1000, true);
	e.l.severity = LEAKWATCH__V1__SEVERITY__SEVERITY_INFO;
	put1(c, ev);
	assert_int_equal(count(c, "SELECT count(*) FROM outbox"), 0);
	/* medium: the webhook, not the pager (min_severity: high) */
	ev = listener(c, &e, c->t0, "db-1", 1001, true);
	e.l.severity = LEAKWATCH__V1__SEVERITY__SEVERITY_MEDIUM;
	put1(c, ev);
	assert_int_equal(rows(c, "pd", "trigger"), 0);
	assert_int_equal(rows(c, "hook", "trigger"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM alert_sinks"), 1);

	/* a firing listener that stops matching (now on the expected list): resolved */
	ev = listener(c, &e, c->t0 + SEC, "db-1", 1001, true);
	e.l.severity = LEAKWATCH__V1__SEVERITY__SEVERITY_INFO;
	e.l.expected = true;
	put1(c, ev);
	assert_int_equal(rows(c, "hook", "resolve"), 1);
}

/* --- leaks --- */

static void test_leak_pages_once(void **state)
{
	struct ctx *c = *state;
	struct fx e[100];
	Leakwatch__V1__Event *evs[100];
	char buf[256];

	/* the same leak 1,000 times, as 10 batches of 100 events */
	for (int b = 0; b < 10; b++) {
		for (int i = 0; i < 100; i++)
			evs[i] = fx_leak(&e[i], c->id++, c->t0 + (b * 100 + i) * 1000, "web-7", FP1,
					 "/var/log/api.log", 1);
		assert_int_equal(put(c, evs, 100), 0);
	}
	assert_int_equal(rows(c, "pd", "trigger"), 1);
	assert_int_equal(rows(c, "hook", "trigger"), 1);
	assert_int_equal(count(c, "SELECT count FROM alerts WHERE key = 'leakwatch/leak/" FP1 "'"), 1000);
	assert_int_equal(c->m.alerts_deduplicated, 999);
	assert_string_equal(text(c, buf, "SELECT labels FROM alerts"),
			    "alertname=LeakwatchCredentialLeak\nseverity=critical\nhost=web-7\nkind=leak\n"
			    "rule=github-pat\nfingerprint=" FP1 "\n");

	/* the same secret on another host is the same problem: counted, not paged again */
	put1(c, fx_leak(&e[0], c->id++, c->t0, "web-8", FP1, "/var/log/api.log", 1));
	assert_int_equal(rows(c, "pd", "trigger"), 1);
	assert_int_equal(count(c, "SELECT count FROM alerts WHERE key = 'leakwatch/leak/" FP1 "'"), 1001);
	assert_int_equal(count(c, "SELECT count(*) FROM alerts"), 1);
}

/* leak_alerts: host keeps one alert per fingerprint and host. */
static void test_leak_per_host(void **state)
{
	struct ctx *c = *state;
	struct fx e;

	put1(c, fx_leak(&e, c->id++, c->t0, "web-7", FP1, "/var/log/api.log", 1));
	put1(c, fx_leak(&e, c->id++, c->t0, "web-8", FP1, "/var/log/api.log", 1));
	assert_int_equal(rows(c, "pd", "trigger"), 2);
	assert_int_equal(count(c, "SELECT count(*) FROM alerts WHERE key IN ('leakwatch/leak/" FP1
				  "/web-7', 'leakwatch/leak/" FP1 "/web-8')"), 2);
}

static void test_ack(void **state)
{
	struct ctx *c = *state;
	struct ack_result r;
	struct fx e;

	put1(c, fx_leak(&e, c->id++, c->t0, "web-7", FP1, "/var/log/a.log", 2));
	put1(c, fx_leak(&e, c->id++, c->t0, "web-8", FP1, "/var/log/b.log", 1));
	put1(c, fx_leak(&e, c->id++, c->t0, "web-8", FP2, "/var/log/b.log", 1));
	assert_int_equal(rows(c, "pd", "trigger"), 2); /* one alert per credential, both hosts */

	assert_int_equal(ack__leak(c->s, FP1, "alice", fx_now(), &r), 0);
	assert_true(r.found);
	assert_false(r.already);
	assert_int_equal(r.resolved, 1);
	assert_int_equal(rows(c, "pd", "resolve"), 1);
	assert_int_equal(rows(c, "hook", "resolve"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM leaks WHERE fingerprint = '" FP1
				  "' AND acked_ns > 0 AND acked_by = 'alice'"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM alerts WHERE status = 'firing'"), 1);

	/* handled: it stays quiet, wherever it shows up again */
	put1(c, fx_leak(&e, c->id++, c->t0 + SEC, "web-7", FP1, "/var/log/a.log", 5));
	put1(c, fx_leak(&e, c->id++, c->t0 + SEC, "web-9", FP1, "/var/log/a.log", 5));
	assert_int_equal(rows(c, "pd", "trigger"), 2);

	assert_int_equal(ack__leak(c->s, FP1, NULL, fx_now(), &r), 0);
	assert_true(r.found && r.already);
	assert_int_equal(r.resolved, 0);
	assert_int_equal(ack__leak(c->s, "00000000000000000000000000000000", NULL, fx_now(), &r), 0);
	assert_false(r.found);
	assert_int_equal(ack__leak(c->s, "not-hex", NULL, fx_now(), &r), -EINVAL);
	assert_int_equal(ack__leak(c->s, FP2, "bad\nname", fx_now(), &r), -EINVAL);
}

struct orphans {
	unsigned n;
};

static int resolve_orphans(struct db *db, void *arg)
{
	struct orphans *o = arg;
	struct alertdb *d;
	int err = alertdb__open(db, &d);

	if (!err)
		err = alertdb__resolve_orphans(d, fx_now(), &o->n);
	alertdb__close(d);
	return err;
}

/* Retention removed the finding: its alert resolves rather than fire forever. */
static void test_orphans_resolve(void **state)
{
	struct ctx *c = *state;
	struct orphans o = { 0 };
	unsigned deleted;
	struct fx e;

	put1(c, fx_leak(&e, c->id++, c->t0, "web-7", FP1, "/var/log/a.log", 1));
	put1(c, fx_leak(&e, c->id++, c->t0, "web-7", FP2, "/var/log/a.log", 1));
	/* the engine's ticker does this too, every 2 s: stopped, so that the
	 * orphans the expiry makes are left for the call below to find */
	alerts__stop(c->a);
	c->a = NULL;
	assert_int_equal(store__tx(c->s, resolve_orphans, &o), 0);
	assert_int_equal(o.n, 0);
	assert_int_equal(store__expire(c->s, STORE_LEAK, fx_now() + SEC, 1000, &deleted), 0);
	assert_int_equal(store__tx(c->s, resolve_orphans, &o), 0);
	assert_int_equal(o.n, 2);
	assert_int_equal(rows(c, "hook", "resolve"), 2);
}

/* --- listener storms --- */

struct flush {
	uint64_t now;
	unsigned sent;
};

static int flush(struct db *db, void *arg)
{
	struct flush *f = arg;
	struct alertdb *d;
	int err = alertdb__open(db, &d);

	if (!err)
		err = alertdb__flush_groups(d, f->now, 60 * SEC, &f->sent);
	alertdb__close(d);
	return err;
}

static unsigned flush_at(struct ctx *c, uint64_t now)
{
	struct flush f = { .now = now };

	assert_int_equal(store__tx(c->s, flush, &f), 0);
	return f.sent;
}

static void test_storm_grouped(void **state)
{
	struct ctx *c = *state;
	struct fx e[5];
	Leakwatch__V1__Event *evs[5];
	uint64_t now = fx_now();

	for (int i = 0; i < 5; i++)
		evs[i] = listener(c, &e[i], c->t0, "web-2", 9000 + i, true);
	assert_int_equal(put(c, evs, 5), 0);
	/* the first goes now; the other four wait for the window's end, as one */
	assert_int_equal(rows(c, "pd", "trigger"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM outbox WHERE sink = 'pd' AND action = 'group'"
				  " AND state = 'held' AND ref = 'leakwatch/listeners/web-2'"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM alert_sinks WHERE sink = 'pd' AND group_row > 0"), 4);
	assert_int_equal(rows(c, "hook", "trigger"), 1);
	assert_int_equal(rows(c, "hook", "group"), 1);

	/* not yet: the window is a minute */
	assert_int_equal(flush_at(c, now), 0);
	/* one of the four closes before the window ends: not resolved on its own,
	 * but still announced in the group, as closed */
	put1(c, listener(c, &e[0], c->t0 + SEC, "web-2", 9004, false));
	assert_int_equal(rows(c, "pd", "resolve"), 0);
	assert_int_equal(flush_at(c, now + 2 * MIN_NS), 2); /* pd and hook */
	assert_int_equal(count(c, "SELECT count(*) FROM outbox WHERE action = 'group' AND state = 'pending'"), 2);
	assert_int_equal(count(c, "SELECT count(*) FROM alert_sinks WHERE group_key = 'leakwatch/listeners/web-2'"), 8);
	assert_int_equal(rows(c, "pd", "late-resolve"), 0); /* three are still open */

	/* closing members: the group resolves with the last of them */
	put1(c, listener(c, &e[0], c->t0 + 2 * SEC, "web-2", 9001, false));
	put1(c, listener(c, &e[0], c->t0 + 2 * SEC, "web-2", 9002, false));
	assert_int_equal(rows(c, "pd", "group-resolve"), 0);
	assert_int_equal(rows(c, "pd", "resolve"), 0);
	put1(c, listener(c, &e[0], c->t0 + 2 * SEC, "web-2", 9003, false));
	assert_int_equal(rows(c, "pd", "group-resolve"), 1);
	assert_int_equal(rows(c, "hook", "group-resolve"), 1);
	/* the first was announced alone, and resolves alone */
	put1(c, listener(c, &e[0], c->t0 + 2 * SEC, "web-2", 9000, false));
	assert_int_equal(rows(c, "pd", "resolve"), 1);
}

static void test_storm_that_vanished(void **state)
{
	struct ctx *c = *state;
	struct fx e[3];
	Leakwatch__V1__Event *evs[3];

	for (int i = 0; i < 3; i++)
		evs[i] = listener(c, &e[i], c->t0, "web-3", 7000 + i, true);
	assert_int_equal(put(c, evs, 3), 0);
	for (int i = 0; i < 3; i++)
		evs[i] = listener(c, &e[i], c->t0 + 20 * SEC, "web-3", 7000 + i, false);
	assert_int_equal(put(c, evs, 3), 0);
	/* grouping delays a notice, never swallows one: the two that opened and
	 * closed inside the window are announced together, as closed */
	assert_int_equal(flush_at(c, fx_now() + 2 * MIN_NS), 2); /* pd and hook */
	assert_int_equal(rows(c, "pd", "group"), 1);
	assert_int_equal(rows(c, "hook", "group"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM alert_sinks WHERE group_key = 'leakwatch/listeners/web-3'"), 4);
	/* nothing is left open: PagerDuty's incident is ended at once, once */
	assert_int_equal(rows(c, "pd", "late-resolve"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM outbox WHERE sink = 'pd' AND action = 'late-resolve'"
				  " AND ref = 'leakwatch/listeners/web-3'"), 1);
	assert_int_equal(rows(c, "pd", "group-resolve"), 0);
	assert_int_equal(rows(c, "pd", "resolve"), 1); /* the first, alone */
}

static void test_short_exposure_announced(void **state)
{
	struct ctx *c = *state;
	struct fx e[2];
	Leakwatch__V1__Event *evs[2];

	evs[0] = listener(c, &e[0], c->t0, "db-9", 6379, true);
	assert_int_equal(put(c, evs, 1), 0);
	/* a MongoDB opens inside the window the first one started, and closes 20 s later */
	evs[0] = listener(c, &e[0], c->t0 + SEC, "db-9", 27017, true);
	assert_int_equal(put(c, evs, 1), 0);
	evs[1] = listener(c, &e[1], c->t0 + 21 * SEC, "db-9", 27017, false);
	assert_int_equal(put(c, &evs[1], 1), 0);
	assert_int_equal(count(c, "SELECT count(*) FROM outbox WHERE ref LIKE '%/27017' AND state = 'pending'"), 0);
	/* at the window's end it goes alone, as itself, then ends for PagerDuty */
	assert_int_equal(flush_at(c, fx_now() + 2 * MIN_NS), 2);
	assert_int_equal(count(c, "SELECT count(*) FROM outbox WHERE sink = 'pd' AND action = 'trigger'"
				  " AND ref LIKE '%/27017'"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM outbox WHERE sink = 'hook' AND action = 'trigger'"
				  " AND ref LIKE '%/27017'"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM outbox WHERE sink = 'pd' AND action = 'late-resolve'"
				  " AND ref LIKE '%/27017'"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM outbox WHERE action = 'resolve' AND ref LIKE '%/27017'"), 0);
	/* the next window has nothing for it */
	assert_int_equal(flush_at(c, fx_now() + 4 * MIN_NS), 0);
}

/* --- agent health --- */

static Leakwatch__V1__Event *health(struct ctx *c, struct fx *e, int64_t t, uint64_t drops,
				    uint64_t uptime, uint64_t spool_bytes)
{
	Leakwatch__V1__Event *ev = fx_health(e, c->id++, t, "db-1", drops);

	e->h.uptime_seconds = uptime;
	e->sp.bytes = spool_bytes;
	return ev;
}

static void test_health(void **state)
{
	struct ctx *c = *state;
	struct fx e;

	put1(c, health(c, &e, c->t0, 0, 60, 0));
	put1(c, health(c, &e, c->t0 + 60 * SEC, 5, 120, 0));
	assert_int_equal(rows(c, "hook", "trigger"), 0);
	/* the second heartbeat in a row with new drops: sustained */
	put1(c, health(c, &e, c->t0 + 120 * SEC, 9, 180, 0));
	assert_int_equal(rows(c, "hook", "trigger"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM alerts WHERE key = 'leakwatch/agent/agent-1/drops'"
				  " AND status = 'firing'"), 1);
	assert_int_equal(rows(c, "pd", "trigger"), 0); /* health is not routed to the pager */
	/* a late heartbeat from before changes nothing */
	put1(c, health(c, &e, c->t0 + 30 * SEC, 100, 90, 0));
	assert_int_equal(rows(c, "hook", "resolve"), 0);
	/* two quiet heartbeats: resolved */
	put1(c, health(c, &e, c->t0 + 180 * SEC, 9, 240, 0));
	assert_int_equal(rows(c, "hook", "resolve"), 0);
	put1(c, health(c, &e, c->t0 + 240 * SEC, 9, 300, 0));
	assert_int_equal(rows(c, "hook", "resolve"), 1);

	/* the spool past 1 MiB is filling; back under, it is not */
	put1(c, health(c, &e, c->t0 + 300 * SEC, 9, 360, 2 << 20));
	assert_int_equal(count(c, "SELECT count(*) FROM alerts WHERE key = 'leakwatch/agent/agent-1/spool'"
				  " AND status = 'firing'"), 1);
	put1(c, health(c, &e, c->t0 + 360 * SEC, 9, 420, 2 << 20));
	assert_int_equal(rows(c, "hook", "trigger"), 2);
	put1(c, health(c, &e, c->t0 + 420 * SEC, 9, 480, 1000));
	assert_int_equal(rows(c, "hook", "resolve"), 2);

	/* an agent restart: its counters start over, which is not new loss */
	put1(c, health(c, &e, c->t0 + 480 * SEC, 0, 10, 0));
	put1(c, health(c, &e, c->t0 + 540 * SEC, 0, 70, 0));
	assert_int_equal(rows(c, "hook", "trigger"), 2);
}

/* --- the outbox queue --- */

struct ob {
	struct ctx *c;
	uint64_t now;
};

static int queue_ops(struct db *db, void *arg)
{
	struct ob *t = arg;
	struct outbox_row r[8];
	struct outbox *o;
	uint64_t next, depth;
	int64_t id[4];
	unsigned orphans;
	size_t n;

	assert_int_equal(outbox__open(db, &o), 0);
	assert_int_equal(outbox__enqueue(o, "q", OUTBOX_TRIGGER, "k1", 1, t->now, false, 0, &id[0]), 0);
	assert_int_equal(outbox__enqueue(o, "q", OUTBOX_RESOLVE, "k1", 2, t->now, false, 0, &id[1]), 0);
	assert_int_equal(outbox__enqueue(o, "q", OUTBOX_GROUP, "g", 3, t->now, true, t->now + 5 * SEC, &id[2]), 0);
	assert_int_equal(outbox__enqueue(o, "gone", OUTBOX_TRIGGER, "k2", 1, t->now, false, 0, &id[3]), 0);
	/* in order; a held group is not pending */
	assert_int_equal(outbox__peek(o, "q", t->now, r, 8, &n, &next), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].id, id[0]);
	assert_int_equal(r[0].action, OUTBOX_TRIGGER);
	assert_string_equal(r[0].ref, "k1");
	assert_int_equal(r[1].action, OUTBOX_RESOLVE);
	assert_int_equal(outbox__depth(o, &depth), 0);
	assert_int_equal(depth, 4);
	/* a failed head holds back what follows: a resolve never overtakes its trigger */
	assert_int_equal(outbox__retry(o, id[0], t->now + 3 * SEC, "HTTP 503"), 0);
	assert_int_equal(outbox__peek(o, "q", t->now, r, 8, &n, &next), 0);
	assert_int_equal(n, 0);
	assert_int_equal(next, t->now + 3 * SEC);
	assert_int_equal(outbox__peek(o, "q", t->now + 3 * SEC, r, 8, &n, &next), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].attempts, 1);
	assert_int_equal(outbox__done(o, id[0]), 0);
	assert_int_equal(outbox__dead(o, id[1], "HTTP 400"), 0);
	assert_int_equal(outbox__peek(o, "q", t->now, r, 8, &n, &next), 0);
	assert_int_equal(n, 0);
	assert_int_equal(outbox__depth(o, &depth), 0);
	assert_int_equal(depth, 2); /* the held group and "gone" */
	/* a sink no longer configured: its rows are dead */
	assert_int_equal(outbox__orphans(o, cfgref__cfg(t->c->ref), &orphans), 0);
	assert_int_equal(orphans, 2); /* "q" and "gone" are not in this configuration */
	assert_int_equal(outbox__depth(o, &depth), 0);
	assert_int_equal(depth, 0);
	assert_int_equal(outbox__expire(o, t->now + 1), 0);
	outbox__close(o);
	return 0;
}

static void test_outbox_queue(void **state)
{
	struct ob t = { .c = *state, .now = fx_now() };

	assert_int_equal(store__tx(t.c->s, queue_ops, &t), 0);
	assert_int_equal(count(t.c, "SELECT count(*) FROM outbox"), 0);
}

static int drop_outbox(struct db *db, void *arg)
{
	(void)arg;
	return db__exec(db, "ALTER TABLE outbox RENAME TO outbox_gone") == DB_OK ? 0 : -EIO;
}

/* The notifications and the events that cause them commit together, or neither does. */
static void test_same_transaction(void **state)
{
	struct ctx *c = *state;
	struct fx e;
	Leakwatch__V1__Event *ev = listener(c, &e, c->t0, "db-1", 27017, true);

	assert_int_equal(store__tx(c->s, drop_outbox, NULL), 0);
	assert_int_equal(put(c, &ev, 1), -EIO);
	assert_int_equal(count(c, "SELECT count(*) FROM events"), 0);
	assert_int_equal(count(c, "SELECT count(*) FROM listeners"), 0);
	assert_int_equal(count(c, "SELECT count(*) FROM alerts"), 0);
}

static int exec_sql(struct db *db, void *arg)
{
	return db__exec(db, arg) == DB_OK ? 0 : -EIO;
}

/* A trigger that refuses (BEFORE event ON alerts [WHEN cond]), on either backend. */
static void refuse(struct ctx *c, const char *event, const char *cond)
{
	char sql[512];

	if (fx_pg_dsn())
		snprintf(sql, sizeof(sql),
			 "CREATE OR REPLACE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
			 " $$ BEGIN RAISE EXCEPTION 'refused'; END $$;"
			 " CREATE TRIGGER refuse BEFORE %s ON alerts FOR EACH ROW %s%s%s EXECUTE FUNCTION refuse()",
			 event, cond ? "WHEN (" : "", cond ? cond : "", cond ? ")" : "");
	else
		snprintf(sql, sizeof(sql),
			 "CREATE TRIGGER refuse BEFORE %s ON alerts %s%s BEGIN SELECT RAISE(ABORT, 'refused'); END",
			 event, cond ? "WHEN " : "", cond ? cond : "");
	assert_int_equal(store__tx(c->s, exec_sql, sql), 0);
}

static void unrefuse(struct ctx *c)
{
	assert_int_equal(store__tx(c->s, exec_sql, fx_pg_dsn() ? "DROP TRIGGER refuse ON alerts" : "DROP TRIGGER refuse"),
			 0);
}

/*
 * The alerts a batch fires are counted once it commits: a batch rolled
 * back (a deadlock, then run again; here an alert the database refuses)
 * counts nothing, and counts once when it goes through.
 */
/* The log, at info, goes to a file while it is captured: returns the
 * saved stderr, for log_lines. */
static int log_capture(const char *path)
{
	int saved = dup(STDERR_FILENO), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(saved >= 0 && fd >= 0);
	fflush(stderr);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
	log__setup(LW_LOG_INFO, LW_LOG_TEXT);
	return saved;
}

/* Ends the capture; how many captured lines contain needle. */
static int log_lines(int saved, const char *path, const char *needle)
{
	char line[1024];
	int n = 0;
	FILE *f;

	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	log__setup(LW_LOG_ERROR, LW_LOG_TEXT);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

/* A batch rolled back counts nothing and logs no alert; run again and
 * committed, it counts and logs each alert once. */
static void test_metrics_count_what_commits(void **state)
{
	struct ctx *c = *state;
	struct fx e1, e2, e3;
	Leakwatch__V1__Event *evs[2] = {
		listener(c, &e1, c->t0, "db-1", 27017, true),
		listener(c, &e2, c->t0, "bad", 27017, true),
	};
	char log[160];
	int saved;

	snprintf(log, sizeof(log), "%s/log", c->dir);
	refuse(c, "INSERT", "NEW.hostname = 'bad'");
	saved = log_capture(log);
	assert_int_equal(put(c, evs, 2), -EIO);
	assert_int_equal(log_lines(saved, log, "alert firing"), 0);
	assert_int_equal(count(c, "SELECT count(*) FROM alerts"), 0);
	assert_int_equal(c->m.alerts_fired, 0);

	unrefuse(c);
	saved = log_capture(log);
	assert_int_equal(put(c, evs, 2), 0);
	assert_int_equal(log_lines(saved, log, "alert firing"), 2);
	assert_int_equal(count(c, "SELECT count(*) FROM alerts"), 2);
	assert_int_equal(c->m.alerts_fired, 2);

	/* seen again: deduplicated, once, as committed */
	evs[0] = listener(c, &e3, c->t0 + SEC, "db-1", 27017, true);
	refuse(c, "UPDATE", NULL);
	assert_int_equal(put(c, evs, 1), -EIO);
	assert_int_equal(c->m.alerts_deduplicated, 0);
	unrefuse(c);
	assert_int_equal(put(c, evs, 1), 0);
	assert_int_equal(c->m.alerts_deduplicated, 1);
	assert_int_equal(c->m.alerts_fired, 2);
}

/* How many of the named columns table has, on either backend. */
static int64_t columns(struct ctx *c, const char *table, const char *names)
{
	return fx_pg_dsn() ? count(c, "SELECT count(*) FROM information_schema.columns WHERE table_schema ="
				      " current_schema() AND table_name = '%s' AND column_name IN (%s)", table, names)
			   : count(c, "SELECT count(*) FROM pragma_table_info('%s') WHERE name IN (%s)", table, names);
}

/* How many of the named tables, or indexes, there are. */
static int64_t relations(struct ctx *c, const char *type, const char *names)
{
	return fx_pg_dsn() ? count(c, "SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
				      " AND relkind = '%s' AND relname IN (%s)", strcmp(type, "index") ? "r" : "i", names)
			   : count(c, "SELECT count(*) FROM sqlite_master WHERE type = '%s' AND name IN (%s)", type, names);
}

static void test_schema(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(count(c, fx_pg_dsn() ? "SELECT max(version) FROM lw_schema_version" : "PRAGMA user_version"),
			 STORE_SCHEMA_VERSION);
	assert_int_equal(STORE_SCHEMA_VERSION, 11);
	assert_int_equal(columns(c, "leaks", "'acked_ns', 'acked_by'"), 2);
	assert_int_equal(columns(c, "leak_locations", "'source', 'journal_unit', 'journal_identifier', 'journal_cursor',"
						       " 'origin_comm', 'origin_pid', 'writer_comm'"), 7);
	assert_int_equal(relations(c, "table", "'alerts', 'alert_sinks', 'alert_groups', 'outbox', 'agent_watch'"), 5);
	assert_int_equal(columns(c, "listeners", "'auth_state', 'auth_protocol', 'auth_evidence', 'auth_probed_ns',"
						  " 'auth_tls', 'auth_client_cert'"), 6);
	assert_int_equal(columns(c, "alerts", "'prev_labels'"), 1);
	assert_int_equal(columns(c, "listeners", "'netns_cookie', 'netns_name', 'host_verified'"), 3);
	assert_int_equal(columns(c, "leak_locations", "'host_verified'"), 1);
	/* 8: what the pages walk */
	assert_int_equal(relations(c, "index", "'listeners_open_rank', 'listeners_open_namespace', 'leaks_open_rank',"
					       " 'leak_locations_namespace'"), 4);
	assert_int_equal(columns(c, "listeners", "'history'"), 1);
	assert_int_equal(columns(c, "leak_locations", "'history'"), 1);
	/* 9: leases */
	assert_int_equal(columns(c, "leases", "'name', 'holder', 'until_ns'"), 3);
	/* 10: keys the collectors on one database share */
	assert_int_equal(columns(c, "shared_keys", "'name', 'value', 'created_ns'"), 3);
	/* 11: sessions signed out of, for every collector */
	assert_int_equal(columns(c, "signed_out", "'mac', 'expires_ns'"), 2);
}

/* The previous schema version's database, on the test's backend: a fresh
 * one taken back to version 9 (before shared_keys and signed_out), with a
 * leak and a lease in it. The fixture's own store is closed first, since on
 * PostgreSQL both would be the one database. */
static void make_v9(struct ctx *c, struct store_opts *o, char *path, size_t pathlen)
{
	const bool pg = fx_pg_dsn() != NULL;
	struct db_open dbo = { .driver = pg ? DB_POSTGRES : DB_SQLITE, .dsn = fx_pg_dsn() };
	static const char *const steps[] = {
		"DROP TABLE shared_keys",
		"DROP TABLE signed_out",
		"INSERT INTO leaks (fingerprint, rule, family, severity, redacted, first_seen_ns,"
		" last_seen_ns, total_count, events, updated_ns)"
		" VALUES ('" FP1 "', 'r', 'f', 5, 'x...y', 1, 2, 3, 1, 4)",
		"INSERT INTO leases VALUES ('ticker', 'old', 1)",
	};
	char err[256];
	struct store *s;
	struct db *db;

	alerts__stop(c->a);
	c->a = NULL;
	store__close(c->s);
	c->s = NULL;
	snprintf(path, pathlen, "%s/v9.db", c->dir);
	assert_int_equal(fx_store_opts(o, path), 0);
	assert_int_equal(store__open(o, &s, err, sizeof(err)), 0);
	store__close(s);
	dbo.path = path;
	assert_int_equal(db__open(&dbo, &db, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		assert_int_equal(db__exec(db, steps[i]), DB_OK);
	assert_int_equal(db__exec(db, pg ? "UPDATE lw_schema_version SET version = 9" : "PRAGMA user_version = 9"),
			 DB_OK);
	db__close(db);
}

/* A version-9 database with rows, on either backend: migrated, the rows
 * kept, and a session key made once, which every collector on the database
 * then reads. */
static void test_migrates_from_v9_and_shares_a_key(void **state)
{
	struct ctx *c = *state;
	struct store_opts o = { .busy_timeout_ms = 1000 };
	uint8_t k1[32], k2[32], k3[32], zero[32] = { 0 };
	char path[160], err[256];
	struct store *s, *s2;

	make_v9(c, &o, path, sizeof(path));
	assert_int_equal(store__open(&o, &s, err, sizeof(err)), 0);
	assert_int_equal(store__open(&o, &s2, err, sizeof(err)), 0);
	assert_int_equal(sharedkey__get(s, SHAREDKEY_SESSION, k1, sizeof(k1)), 0);
	assert_memory_not_equal(k1, zero, sizeof(k1));
	/* another collector, and the same one again: the key the first made */
	assert_int_equal(sharedkey__get(s2, SHAREDKEY_SESSION, k2, sizeof(k2)), 0);
	assert_memory_equal(k1, k2, sizeof(k1));
	assert_int_equal(sharedkey__get(s, SHAREDKEY_SESSION, k2, sizeof(k2)), 0);
	assert_memory_equal(k1, k2, sizeof(k1));
	/* another name is another key; a length that is not the row's is an error */
	assert_int_equal(sharedkey__get(s, "other", k3, sizeof(k3)), 0);
	assert_memory_not_equal(k1, k3, sizeof(k1));
	assert_int_equal(sharedkey__get(s, SHAREDKEY_SESSION, k3, 16), -EIO);
	assert_int_equal(sharedkey__get(s, SHAREDKEY_SESSION, k3, 8), -EINVAL);
	store__close(s2);

	/* the rows the version-9 database had are still there */
	c->s = s;
	assert_int_equal(count(c, fx_pg_dsn() ? "SELECT max(version) FROM lw_schema_version" : "PRAGMA user_version"),
			 STORE_SCHEMA_VERSION);
	assert_int_equal(count(c, "SELECT total_count FROM leaks"), 3);
	assert_int_equal(count(c, "SELECT count(*) FROM leases WHERE holder = 'old'"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM shared_keys"), 2);
	/* rotation: the row deleted, the next start makes a new key */
	assert_int_equal(db__exec(store__db(s), "DELETE FROM shared_keys WHERE name = '" SHAREDKEY_SESSION "'"), DB_OK);
	store__close(s);
	c->s = NULL;
	assert_int_equal(store__open(&o, &s, err, sizeof(err)), 0);
	assert_int_equal(sharedkey__get(s, SHAREDKEY_SESSION, k2, sizeof(k2)), 0);
	assert_memory_not_equal(k1, k2, sizeof(k1));
	store__close(s);
}

/* A database a version-1 collector wrote: migrated in place, its rows kept. */
static void test_migrates_from_v1(void **state)
{
	struct ctx *c = *state;
	struct store_opts o = { .busy_timeout_ms = 1000 };
	char path[160], err[256];
	struct store *s;
	struct db *db;

	snprintf(path, sizeof(path), "%s/v1.db", c->dir);
	o.path = path;
	assert_int_equal(store__open(&o, &s, err, sizeof(err)), 0);
	store__close(s);
	assert_int_equal(db__open(&(struct db_open){ .path = path }, &db, err, sizeof(err)), 0);
	assert_int_equal(db__exec(db, "DROP INDEX listeners_open_rank; DROP INDEX listeners_open_namespace;"
				      " DROP INDEX leaks_open_rank; DROP INDEX leak_locations_namespace;"
				      " ALTER TABLE listeners DROP COLUMN history;"
				      " ALTER TABLE leak_locations DROP COLUMN history;"
				      " DROP TABLE alerts; DROP TABLE alert_sinks; DROP TABLE alert_groups;"
				      " DROP TABLE outbox; DROP TABLE agent_watch; DROP TABLE leases; DROP TABLE shared_keys;"
				      " DROP TABLE signed_out;"
				      " ALTER TABLE leaks DROP COLUMN acked_ns; ALTER TABLE leaks DROP COLUMN acked_by;"
				      " ALTER TABLE leak_locations DROP COLUMN source;"
				      " ALTER TABLE leak_locations DROP COLUMN journal_unit;"
				      " ALTER TABLE leak_locations DROP COLUMN journal_identifier;"
				      " ALTER TABLE leak_locations DROP COLUMN journal_cursor;"
				      " ALTER TABLE leak_locations DROP COLUMN origin_comm;"
				      " ALTER TABLE leak_locations DROP COLUMN origin_pid;"
				      " ALTER TABLE leak_locations DROP COLUMN writer_comm;"
				      " ALTER TABLE listeners DROP COLUMN auth_state;"
				      " ALTER TABLE listeners DROP COLUMN auth_protocol;"
				      " ALTER TABLE listeners DROP COLUMN auth_evidence;"
				      " ALTER TABLE listeners DROP COLUMN auth_probed_ns;"
				      " ALTER TABLE listeners DROP COLUMN auth_tls;"
				      " ALTER TABLE listeners DROP COLUMN auth_client_cert;"
				      " ALTER TABLE listeners DROP COLUMN netns_cookie;"
				      " ALTER TABLE listeners DROP COLUMN netns_name;"
				      " ALTER TABLE listeners DROP COLUMN host_verified;"
				      " ALTER TABLE leak_locations DROP COLUMN host_verified;"
				      " ALTER TABLE listeners DROP COLUMN container_image;"
				      " ALTER TABLE leak_locations DROP COLUMN container_image;"
				      " ALTER TABLE leak_locations DROP COLUMN previous_path;"
				      " INSERT INTO leaks VALUES ('" FP1 "', 'r', 'f', 5, 'x...y', 1, 2, 3, 1, 4);"
				      " PRAGMA user_version = 1;"),
			 DB_OK);
	db__close(db);
	assert_int_equal(store__open(&o, &s, err, sizeof(err)), 0);
	assert_int_equal(db__open(&(struct db_open){ .path = path }, &db, err, sizeof(err)), 0);
	{
		struct db_stmt *st;

		assert_int_equal(db__prepare(db, "SELECT (SELECT user_version FROM pragma_user_version),"
							" total_count, acked_ns IS NULL, (SELECT count(*) FROM outbox)"
							" FROM leaks", &st), DB_OK);
		assert_int_equal(db__step(st), DB_ROW);
		assert_int_equal(db__column_int(st, 0), STORE_SCHEMA_VERSION);
		assert_int_equal(db__column_int(st, 1), 3);
		assert_int_equal(db__column_int(st, 2), 1);
		assert_int_equal(db__column_int(st, 3), 0);
		db__finalize(st);
	}
	db__close(db);
	store__close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_listener_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_updates_alert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejudged_reroutes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reused_netns_inode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignore_file, setup_ignoring, teardown),
		cmocka_unit_test_setup_teardown(test_late_event_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leak_pages_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leak_per_host, setup_leak_per_host, teardown),
		cmocka_unit_test_setup_teardown(test_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphans_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_storm_grouped, setup_grouping, teardown),
		cmocka_unit_test_setup_teardown(test_storm_that_vanished, setup_grouping, teardown),
		cmocka_unit_test_setup_teardown(test_short_exposure_announced, setup_grouping, teardown),
		cmocka_unit_test_setup_teardown(test_health, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrates_from_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrates_from_v9_and_shares_a_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics_count_what_commits, setup, teardown),
	};
	log__setup(LW_LOG_ERROR, LW_LOG_TEXT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
