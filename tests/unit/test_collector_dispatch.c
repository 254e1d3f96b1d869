// SPDX-License-Identifier: Apache-2.0
/*
 * Alert delivery against a real sink: the outbox on a real store, one
 * delivery thread per sink, and a libmicrohttpd server on loopback playing
 * the sink. A row leaves the outbox only once the sink took it; failures
 * are retried in order, no sooner than the backoff's floor or the sink's
 * Retry-After; a refusal or a notification too old is dropped and counted.
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

#include "routing/cfgref.h"
#include "alerting/compose.h"
#include "os/clock.h"
#include "collector_fixtures.h"
#include "httpd_fixture.h"
#include "tmpdir.h"
#include "notify/dispatch.h"
#include "notify/outbox.h"
#include "server/metrics.h"
#include "alertdb/alertdb.h"
#include "storage/store.h"


struct ctx {
	char dir[64];
	struct store *store;
	struct alertdb *db;
	struct metrics m;
	struct httpd sink;
	struct dispatch *d;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct store_opts o = { .busy_timeout_ms = 1000 };
	char path[96], err[256];

	if (!c)
		return -1;
	if (tmpdir__make(c->dir, sizeof(c->dir), "lwc-dispatch"))
		return -1;
	snprintf(path, sizeof(path), "%s/collector.db", c->dir);
	if (fx_store_opts(&o, path) || store__open(&o, &c->store, err, sizeof(err)) || alertdb__open(store__db(c->store), &c->db) ||
	    httpd__start(&c->sink, 0)) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	dispatch__stop(c->d);
	httpd__stop(&c->sink);
	alertdb__close(c->db);
	store__close(c->store);
	if (tmpdir__remove(c->dir))
		return -1;
	free(c);
	return 0;
}

/* One webhook sink, "hook", on the test's server; short retries. */
static void start(struct ctx *c, uint64_t backoff_ms, uint64_t give_up_ms)
{
	struct alertcfg cfg;
	struct cfgref *ref;
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/hook", c->sink.port);
	alertcfg__defaults(&cfg);
	cfg.sinks = calloc(1, sizeof(*cfg.sinks));
	assert_non_null(cfg.sinks);
	cfg.sinks[0] = (struct alert_sink){ .name = strdup("hook"), .type = SINK_WEBHOOK, .url = strdup(url),
					    .send_resolved = true };
	cfg.n_sinks = 1;
	cfg.backoff_ms = backoff_ms;
	cfg.max_backoff_ms = 4 * backoff_ms;
	cfg.give_up_ms = give_up_ms;
	cfg.timeout_ms = 5000;
	assert_int_equal(cfgref__new(&cfg, &ref), 0);
	assert_int_equal(dispatch__start(ref, c->store, c->db, &c->m, &c->d), 0);
	cfgref__put(ref);
}

struct raise {
	struct ctx *c;
	const char *key;
	enum outbox_action action;
};

/* What the engine does for an alert routed to "hook": its row, and an outbox entry. */
static int raise_in_tx(struct db *db, void *arg)
{
	struct raise *r = arg;
	struct alertdb *adb = r->c->db;
	uint64_t now = clock__realtime_ns();
	struct alert a = {
		.kind = STORE_LEAK,
		.severity = LEAKWATCH__V1__SEVERITY__SEVERITY_HIGH,
		.alertname = "LeakwatchCredentialLeak",
		.host = "db-1",
		.rule = "github-pat",
		.fingerprint = "0123456789abcdef0123456789abcdef",
		.labels = "host=db-1\n",
		.details = "file=/var/log/app.log\n",
		.summary = "A GitHub token was written to /var/log/app.log on db-1",
		.description = "What: a token\n",
		.count = 1,
		.at_ns = (int64_t)now,
	};
	bool resolved;
	int err;

	(void)db;
	snprintf(a.key, sizeof(a.key), "%s", r->key);
	if (r->action == OUTBOX_RESOLVE)
		return alertdb__resolve(adb, r->key, (int64_t)now, now, &resolved);
	err = alertdb__fire(adb, &a, now);
	if (!err)
		err = alertdb__route(adb, r->key, "hook", 0);
	if (!err)
		err = outbox__enqueue(alertdb__outbox(adb), "hook", OUTBOX_TRIGGER, r->key, (int64_t)now, now,
				      false, 0, NULL);
	return err;
}

static void raise(struct ctx *c, const char *key, enum outbox_action action)
{
	struct raise r = { c, key, action };

	assert_int_equal(store__tx(c->store, raise_in_tx, &r), 0);
	dispatch__kick(c->d);
}

struct depth {
	struct ctx *c;
	uint64_t n;
};

static int depth_in_tx(struct db *db, void *arg)
{
	struct depth *q = arg;

	(void)db;
	return outbox__depth(alertdb__outbox(q->c->db), &q->n);
}

/* Reads a value every 10 ms until it is want, up to 5 s; the last read. */
static uint64_t poll_for(uint64_t (*read)(struct ctx *, size_t), struct ctx *c, size_t arg, uint64_t want)
{
	uint64_t v = 0;

	for (int i = 0; i < 500; i++) {
		v = read(c, arg);
		if (v == want)
			break;
		usleep(10 * 1000);
	}
	return v;
}

static uint64_t depth_now(struct ctx *c, size_t unused)
{
	struct depth q = { c, 0 };

	(void)unused;
	assert_int_equal(store__tx(c->store, depth_in_tx, &q), 0);
	return q.n;
}

/* Rows waiting in the outbox, once the sink's thread has settled. */
static uint64_t depth_when(struct ctx *c, uint64_t want)
{
	return poll_for(depth_now, c, 0, want);
}

static uint64_t metric_now(struct ctx *c, size_t offset)
{
	struct metrics m;

	metrics__snapshot(&c->m, &m);
	return *(uint64_t *)((char *)&m + offset);
}

/* A counter, once it reaches want: the sink's thread adds to it just after
 * the outbox's commit, so the outbox can be seen empty first. */
static uint64_t metric_when(struct ctx *c, size_t offset, uint64_t want)
{
	return poll_for(metric_now, c, offset, want);
}
#define METRIC_IS(c, field, want) \
	assert_int_equal(metric_when(c, offsetof(struct metrics, field), want), want)

static void test_a_trigger_is_posted_once_and_leaves_the_outbox(void **state)
{
	struct ctx *c = *state;
	const struct httpd_request *r = c->sink.seen;

	start(c, 100, 3600 * 1000);
	raise(c, "leakwatch/leak/fp/db-1", OUTBOX_TRIGGER);
	assert_int_equal(httpd__wait(&c->sink, 1, 5000), 1);
	assert_string_equal(r->method, "POST");
	assert_string_equal(r->path, "/hook");
	assert_string_equal(r->content_type, "application/json");
	assert_true(!strncmp(httpd__header(r, "Idempotency-Key"), "leakwatch-", 10));
	assert_non_null(memmem(r->body, r->len, "\"dedup_key\":\"leakwatch/leak/fp/db-1\"", 36));
	assert_non_null(memmem(r->body, r->len, "\"status\":\"firing\"", 17));
	assert_int_equal(depth_when(c, 0), 0);
	METRIC_IS(c, notifications_sent, 1);
	usleep(300 * 1000);
	assert_int_equal(c->sink.n_seen, 1); /* not sent again */
}

static void test_a_failing_sink_is_retried_in_order_and_an_end_never_overtakes_its_beginning(void **state)
{
	struct ctx *c = *state;
	const struct httpd_step steps[] = { { 503, NULL, NULL, 0, 0 }, { 500, NULL, NULL, 0, 0 } };
	const struct httpd_request *r = c->sink.seen;

	httpd__script(&c->sink, steps, 2);
	start(c, 200, 3600 * 1000);
	raise(c, "k1", OUTBOX_TRIGGER);
	assert_int_equal(httpd__wait(&c->sink, 1, 5000), 1);
	raise(c, "k1", OUTBOX_RESOLVE); /* queued behind the failing trigger */
	assert_int_equal(httpd__wait(&c->sink, 4, 8000), 4);
	/* at least half the backoff between attempts: 100 ms, then 200 ms */
	assert_true(r[1].at_ms - r[0].at_ms >= 100);
	assert_true(r[2].at_ms - r[1].at_ms >= 200);
	for (int i = 0; i < 3; i++)
		assert_non_null(memmem(r[i].body, r[i].len, "\"status\":\"firing\"", 17));
	assert_non_null(memmem(r[3].body, r[3].len, "\"status\":\"resolved\"", 19));
	/* a retry is the same notification: the same idempotency key */
	assert_string_equal(httpd__header(&r[2], "Idempotency-Key"), httpd__header(&r[0], "Idempotency-Key"));
	assert_int_equal(depth_when(c, 0), 0);
	METRIC_IS(c, sink_failures, 2);
	METRIC_IS(c, notifications_sent, 2);
}

static void test_the_sinks_retry_after_is_a_floor(void **state)
{
	struct ctx *c = *state;
	const struct httpd_step busy = { 429, "1", NULL, 0, 0 };
	const struct httpd_request *r = c->sink.seen;

	httpd__script(&c->sink, &busy, 1);
	start(c, 100, 3600 * 1000);
	raise(c, "k1", OUTBOX_TRIGGER);
	assert_int_equal(httpd__wait(&c->sink, 2, 5000), 2);
	assert_true(r[1].at_ms - r[0].at_ms >= 1000);
	assert_int_equal(depth_when(c, 0), 0);
}

static void test_a_refused_notification_is_dropped_and_the_next_goes(void **state)
{
	struct ctx *c = *state;
	const struct httpd_step refused = { 400, NULL, NULL, 0, 0 };

	httpd__script(&c->sink, &refused, 1);
	start(c, 100, 3600 * 1000);
	raise(c, "k1", OUTBOX_TRIGGER);
	raise(c, "k2", OUTBOX_TRIGGER);
	assert_int_equal(httpd__wait(&c->sink, 2, 5000), 2);
	assert_non_null(memmem(c->sink.seen[1].body, c->sink.seen[1].len, "\"dedup_key\":\"k2\"", 16));
	assert_int_equal(depth_when(c, 0), 0); /* the refused one is kept as dead, not waiting */
	METRIC_IS(c, notifications_dropped, 1);
	METRIC_IS(c, notifications_sent, 1);
}

static void test_a_notification_undelivered_past_give_up_is_dropped(void **state)
{
	struct ctx *c = *state;

	c->sink.after = (struct httpd_step){ 503, NULL, NULL, 0, 0 };
	start(c, 100, 500);
	raise(c, "k1", OUTBOX_TRIGGER);
	assert_int_equal(depth_when(c, 0), 0);
	METRIC_IS(c, notifications_dropped, 1);
	assert_true(c->sink.n_seen >= 2);
	METRIC_IS(c, notifications_sent, 0);
}

static void test_a_stop_abandons_a_slow_sink_and_keeps_the_row(void **state)
{
	struct ctx *c = *state;
	const struct httpd_step slow = { 200, NULL, NULL, 0, 3000 };

	httpd__script(&c->sink, &slow, 1);
	start(c, 100, 3600 * 1000);
	raise(c, "k1", OUTBOX_TRIGGER);
	assert_int_equal(httpd__wait(&c->sink, 1, 5000), 1);
	dispatch__stop(c->d); /* mid-request */
	c->d = NULL;
	assert_int_equal(depth_when(c, 1), 1); /* there for the next start */
	METRIC_IS(c, sink_failures, 0);
	METRIC_IS(c, notifications_dropped, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_trigger_is_posted_once_and_leaves_the_outbox, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_a_failing_sink_is_retried_in_order_and_an_end_never_overtakes_its_beginning, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_the_sinks_retry_after_is_a_floor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_refused_notification_is_dropped_and_the_next_goes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_notification_undelivered_past_give_up_is_dropped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_stop_abandons_a_slow_sink_and_keeps_the_row, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("collector_dispatch", tests, NULL, NULL);
}
