// SPDX-License-Identifier: Apache-2.0
/*
 * The exporter against a real HTTP server on loopback: what a batch looks
 * like on the wire, when the spool is acknowledged, and how refusals,
 * busy answers, Retry-After and network errors are retried or dropped.
 * Lower bounds on the time between attempts are the policy's floors
 * (half the backoff, or the server's Retry-After), never speed targets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "delivery/exporter.h"
#include "delivery/spool.h"
#include "wire/gz.h"
#include "httpd_fixture.h"
#include "tmpdir.h"
#include "leakwatch/v1/leakwatch.pb-c.h"

#define AGENT_ID "agent-7"
#define TOKEN "t0ken-for-the-test"

struct ctx {
	char dir[64];
	char token_file[96];
	struct spool *spool;
	struct httpd srv;
	struct exporter *e;
	char url[64];
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct spool_opts so = { .max_bytes = 64 << 20, .segment_bytes = 1 << 20 };
	FILE *f;

	if (!c)
		return -1;
	if (tmpdir__make(c->dir, sizeof(c->dir), "lw-exporter"))
		return -1;
	snprintf(c->token_file, sizeof(c->token_file), "%s/token", c->dir);
	f = fopen(c->token_file, "w");
	if (!f || fprintf(f, "%s\n", TOKEN) < 0 || fclose(f))
		return -1;
	so.dir = c->dir;
	if (spool__open(&so, &c->spool) || httpd__start(&c->srv, 0))
		return -1;
	snprintf(c->url, sizeof(c->url), "http://127.0.0.1:%u/", c->srv.port);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	exporter__stop(c->e);
	spool__close(c->spool);
	httpd__stop(&c->srv);
	if (tmpdir__remove(c->dir))
		return -1;
	free(c);
	return 0;
}

/* An Event as the agent spools it; its id says which one it is. */
static void spool_event(struct ctx *c, uint8_t n)
{
	Leakwatch__V1__Event ev = LEAKWATCH__V1__EVENT__INIT;
	uint8_t id[16] = { [15] = n }, buf[64];

	ev.id.data = id;
	ev.id.len = sizeof(id);
	ev.time_unix_nano = 1000 + n;
	assert_true(leakwatch__v1__event__get_packed_size(&ev) <= sizeof(buf));
	assert_int_equal(spool__append(c->spool, buf, leakwatch__v1__event__pack(&ev, buf)), 0);
}

static void start_flushing(struct ctx *c, uint64_t max_backoff_ms, uint64_t flush_ms)
{
	struct exporter_opts o = {
		.url = c->url,
		.token_file = c->token_file,
		.agent_id = AGENT_ID,
		.batch_max = 500,
		.flush_ms = flush_ms,
		.timeout_ms = 5000,
		.max_backoff_ms = max_backoff_ms,
		.spool = c->spool,
	};
	char err[256];

	assert_int_equal(exporter__start(&o, &c->e, err, sizeof(err)), 0);
}

static void start(struct ctx *c, uint64_t max_backoff_ms)
{
	start_flushing(c, max_backoff_ms, 50);
}

/* A BatchAck as the collector answers it. */
struct ack_body {
	uint8_t b[32];
	size_t len;
};

static struct httpd_step ack(struct ack_body *a, uint64_t sequence, uint32_t accepted, uint32_t duplicates)
{
	Leakwatch__V1__BatchAck m = LEAKWATCH__V1__BATCH_ACK__INIT;

	m.sequence = sequence;
	m.accepted = accepted;
	m.duplicates = duplicates;
	a->len = leakwatch__v1__batch_ack__pack(&m, a->b);
	return (struct httpd_step){ 200, NULL, a->b, a->len };
}

/* The EventBatch a request carried, gunzipped and decoded. */
static Leakwatch__V1__EventBatch *batch_of(const struct httpd_request *r)
{
	Leakwatch__V1__EventBatch *b;
	uint8_t *raw = NULL;
	size_t len = 0;

	assert_int_equal(gz__inflate(r->body, r->len, 8 << 20, 1000, &raw, &len), 0);
	b = leakwatch__v1__event_batch__unpack(NULL, len, raw);
	free(raw);
	assert_non_null(b);
	return b;
}

static struct exporter_stats stats_when(struct ctx *c, bool (*done)(const struct exporter_stats *))
{
	struct exporter_stats st;

	for (int i = 0; i < 500; i++) {
		exporter__stats(c->e, &st);
		if (done(&st))
			break;
		usleep(10 * 1000);
	}
	return st;
}

static bool one_batch(const struct exporter_stats *st)
{
	return st->batches >= 1;
}

static bool something_rejected(const struct exporter_stats *st)
{
	return st->rejected > 0;
}

static uint64_t unacked(struct ctx *c)
{
	struct spool_stats ss;

	spool__stats(c->spool, &ss);
	return ss.records;
}

static void test_a_batch_goes_out_gzipped_with_the_token_and_is_acknowledged(void **state)
{
	struct ctx *c = *state;
	struct ack_body a;
	struct httpd_step ok = ack(&a, 1, 2, 1);
	Leakwatch__V1__EventBatch *b;
	struct exporter_stats st;

	httpd__script(&c->srv, &ok, 1);
	for (uint8_t i = 1; i <= 3; i++)
		spool_event(c, i);
	start(c, 60000);
	assert_int_equal(httpd__wait(&c->srv, 1, 5000), 1);
	assert_string_equal(c->srv.seen[0].method, "POST");
	assert_string_equal(c->srv.seen[0].path, "/v1/events"); /* the URL's trailing / is not doubled */
	assert_string_equal(c->srv.seen[0].authorization, "Bearer " TOKEN);
	assert_string_equal(c->srv.seen[0].content_type, "application/x-protobuf");
	assert_string_equal(c->srv.seen[0].content_encoding, "gzip");
	b = batch_of(&c->srv.seen[0]);
	assert_string_equal(b->agent_id, AGENT_ID);
	assert_int_equal(b->sequence, 1);
	assert_int_equal(b->n_events, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(b->events[i]->id.data[15], i + 1); /* in spool order */
	leakwatch__v1__event_batch__free_unpacked(b, NULL);

	st = stats_when(c, one_batch);
	assert_int_equal(st.batches, 1);
	assert_int_equal(st.events, 3); /* accepted and duplicates both count as delivered */
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.retries, 0);
	assert_int_equal(st.last_status, 200);
	assert_int_equal(unacked(c), 0);
}

static void test_a_busy_collector_is_retried_no_sooner_than_its_retry_after(void **state)
{
	struct ctx *c = *state;
	struct ack_body a;
	struct httpd_step steps[] = { { 503, "1", NULL, 0 }, ack(&a, 1, 1, 0) };
	struct exporter_stats st;

	httpd__script(&c->srv, steps, 2);
	spool_event(c, 1);
	start(c, 60000);
	assert_int_equal(httpd__wait(&c->srv, 2, 5000), 2);
	/* the backoff's first wait is 250-500 ms; the collector asked for 1 s */
	assert_true(c->srv.seen[1].at_ms - c->srv.seen[0].at_ms >= 1000);
	/* the same batch, byte for byte, under the same sequence */
	assert_int_equal(c->srv.seen[1].len, c->srv.seen[0].len);
	assert_memory_equal(c->srv.seen[1].body, c->srv.seen[0].body, c->srv.seen[0].len);
	st = stats_when(c, one_batch);
	assert_int_equal(st.retries, 1);
	assert_int_equal(st.failures, 0); /* an answer, not a network error */
	assert_int_equal(unacked(c), 0);
}

static void test_retry_after_as_an_http_date(void **state)
{
	struct ctx *c = *state;
	struct ack_body a;
	char date[64];
	/* In whole seconds, 3 to 4 s from now: the exporter's start and first
	 * answer may take up to 3 s and the date is still a second or more
	 * away when read. (2 s left as little as 1 s, which a start under
	 * emulation can use up: the date read as past, the retry went after
	 * the backoff's 250-500 ms alone.) */
	time_t at = time(NULL) + 4;
	struct tm tm;
	struct httpd_step steps[2];

	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&at, &tm));
	steps[0] = (struct httpd_step){ 429, date, NULL, 0 };
	steps[1] = ack(&a, 1, 1, 0);
	httpd__script(&c->srv, steps, 2);
	spool_event(c, 1);
	start(c, 60000);
	assert_int_equal(httpd__wait(&c->srv, 2, 15000), 2);
	/* at least a second away, as whole seconds go */
	assert_true(c->srv.seen[1].at_ms - c->srv.seen[0].at_ms >= 1000);
	assert_int_equal(stats_when(c, one_batch).batches, 1);
}

static void test_failures_back_off_exponentially(void **state)
{
	struct ctx *c = *state;
	struct ack_body a;
	struct httpd_step steps[] = { { 500, NULL, NULL, 0 }, { 502, NULL, NULL, 0 }, { 408, NULL, NULL, 0 },
				      ack(&a, 1, 1, 0) };
	const struct httpd_request *r = c->srv.seen;

	httpd__script(&c->srv, steps, 4);
	spool_event(c, 1);
	start(c, 60000);
	assert_int_equal(httpd__wait(&c->srv, 4, 8000), 4);
	/* waits of at least half of 500 ms, 1 s and 2 s */
	assert_true(r[1].at_ms - r[0].at_ms >= 250);
	assert_true(r[2].at_ms - r[1].at_ms >= 500);
	assert_true(r[3].at_ms - r[2].at_ms >= 1000);
	assert_int_equal(stats_when(c, one_batch).retries, 3);
}

static void test_an_unreadable_ack_sends_the_batch_again(void **state)
{
	struct ctx *c = *state;
	struct ack_body a;
	static const char junk[] = "<html>proxy says hi</html>";
	struct httpd_step steps[] = { { 200, NULL, junk, sizeof(junk) - 1 }, ack(&a, 1, 1, 0) };

	httpd__script(&c->srv, steps, 2);
	spool_event(c, 1);
	start(c, 60000);
	assert_int_equal(httpd__wait(&c->srv, 2, 5000), 2);
	assert_int_equal(stats_when(c, one_batch).retries, 1);
	assert_int_equal(unacked(c), 0);
}

/* A 200 that does not name the batch sent (an empty body reads as batch 0;
 * a proxy's cached answer names another) is not an acknowledgement. */
static void test_an_ack_of_another_batch_sends_it_again(void **state)
{
	struct ctx *c = *state;
	struct ack_body wrong, right;
	struct httpd_step steps[] = { { 200, NULL, NULL, 0 }, ack(&wrong, 7, 1, 0), ack(&right, 1, 1, 0) };

	httpd__script(&c->srv, steps, 3);
	spool_event(c, 1);
	start(c, 60000);
	assert_int_equal(httpd__wait(&c->srv, 3, 8000), 3);
	assert_int_equal(stats_when(c, one_batch).retries, 2);
	assert_int_equal(unacked(c), 0);
	/* the same batch each time */
	for (int i = 1; i < 3; i++) {
		Leakwatch__V1__EventBatch *b = batch_of(&c->srv.seen[i]);

		assert_int_equal(b->sequence, 1);
		assert_int_equal(b->n_events, 1);
		leakwatch__v1__event_batch__free_unpacked(b, NULL);
	}
}

static void test_a_refused_batch_is_dropped_counted_and_not_sent_again(void **state)
{
	struct ctx *c = *state;
	struct ack_body a;
	struct httpd_step steps[] = { { 400, NULL, NULL, 0 }, ack(&a, 2, 1, 0) };
	Leakwatch__V1__EventBatch *b;
	struct exporter_stats st;

	httpd__script(&c->srv, steps, 2);
	spool_event(c, 1);
	spool_event(c, 2);
	start(c, 60000);
	assert_int_equal(httpd__wait(&c->srv, 1, 5000), 1);
	st = stats_when(c, something_rejected);
	assert_int_equal(st.rejected, 2);
	assert_int_equal(st.retries, 0);

	/* the next batch is new: the next sequence, only the new event */
	spool_event(c, 3);
	exporter__notify(c->e, false);
	assert_int_equal(httpd__wait(&c->srv, 2, 5000), 2);
	b = batch_of(&c->srv.seen[1]);
	assert_int_equal(b->sequence, 2);
	assert_int_equal(b->n_events, 1);
	assert_int_equal(b->events[0]->id.data[15], 3);
	leakwatch__v1__event_batch__free_unpacked(b, NULL);
	assert_int_equal(stats_when(c, one_batch).batches, 1);
	assert_int_equal(unacked(c), 0);
}

/* At most one partial batch per flush interval, but a finding (a first
 * sighting, a listener's change) is not held behind the batch before it. */
static void test_a_finding_does_not_wait_out_the_flush_interval(void **state)
{
	struct ctx *c = *state;
	struct ack_body a1, a2;
	struct httpd_step steps[] = { ack(&a1, 1, 1, 0), ack(&a2, 2, 2, 0) };
	Leakwatch__V1__EventBatch *b;

	httpd__script(&c->srv, steps, 2);
	spool_event(c, 1);
	start_flushing(c, 60000, 20000); /* an interval far longer than the waits below */
	assert_int_equal(httpd__wait(&c->srv, 1, 5000), 1);
	/* a health line: it waits for the interval */
	spool_event(c, 2);
	exporter__notify(c->e, false);
	assert_int_equal(httpd__wait(&c->srv, 2, 1000), 1);
	/* a finding: it goes at once, and takes what waited with it */
	spool_event(c, 3);
	exporter__notify(c->e, true);
	assert_int_equal(httpd__wait(&c->srv, 2, 5000), 2);
	b = batch_of(&c->srv.seen[1]);
	assert_int_equal(b->n_events, 2);
	assert_int_equal(b->events[1]->id.data[15], 3);
	leakwatch__v1__event_batch__free_unpacked(b, NULL);
}

static bool blocked_twice(const struct exporter_stats *st)
{
	return st->blocked_attempts >= 2;
}

/* 401, 403, 404, 405 and 421 say the agent's token or URL is wrong: every
 * batch would be refused alike, so none is dropped. */
static void test_credential_and_routing_refusals_keep_the_spool_until_accepted(void **state)
{
	static const long codes[] = { 401, 403, 404, 405, 421 };
	struct ctx *c = *state;
	struct ack_body a;
	struct httpd_step steps[7];
	struct exporter_stats st;

	for (size_t i = 0; i < 5; i++)
		steps[i] = (struct httpd_step){ codes[i], NULL, NULL, 0 };
	steps[5] = ack(&a, 1, 2, 0);
	httpd__script(&c->srv, steps, 6);
	spool_event(c, 1);
	spool_event(c, 2);
	start(c, 300);
	st = stats_when(c, blocked_twice);
	/* the attempts go on while this looks (150-300 ms apart): the status is
	 * the one the last counted attempt got, whichever that was */
	assert_in_range(st.blocked_attempts, 2, 5);
	assert_int_equal(st.blocked_status, codes[st.blocked_attempts - 1]);
	assert_true(st.blocked_since_ms > 0);
	assert_int_equal(st.rejected, 0);
	assert_int_equal(st.batches, 0);
	assert_int_equal(unacked(c), 2);

	assert_int_equal(httpd__wait(&c->srv, 6, 10000), 6);
	st = stats_when(c, one_batch);
	assert_int_equal(st.blocked_attempts, 5);
	assert_int_equal(st.blocked_status, 0); /* accepted again: no longer blocked */
	assert_int_equal(st.rejected, 0);
	assert_int_equal(st.events, 2);
	assert_int_equal(unacked(c), 0);
	/* the same batch each time, under the same sequence */
	for (size_t i = 1; i < 6; i++) {
		assert_int_equal(c->srv.seen[i].len, c->srv.seen[0].len);
		assert_memory_equal(c->srv.seen[i].body, c->srv.seen[0].body, c->srv.seen[0].len);
	}
}

/* A 413 is the collector saying the batch itself is too large: dropped. */
static void test_a_batch_too_large_is_dropped(void **state)
{
	struct ctx *c = *state;
	struct httpd_step big = { 413, NULL, NULL, 0 };

	httpd__script(&c->srv, &big, 1);
	spool_event(c, 1);
	start(c, 60000);
	assert_int_equal(stats_when(c, something_rejected).rejected, 1);
	assert_int_equal(unacked(c), 0);
}

static bool a_network_error(const struct exporter_stats *st)
{
	return st->failures > 0;
}

static void test_a_collector_that_is_down_is_retried_until_it_is_up(void **state)
{
	struct ctx *c = *state;
	struct ack_body a;
	struct httpd_step ok = ack(&a, 1, 1, 0);
	uint16_t port = c->srv.port;
	struct exporter_stats st;

	httpd__stop(&c->srv); /* nothing listens on the URL's port now */
	spool_event(c, 1);
	start(c, 1000);
	st = stats_when(c, a_network_error);
	assert_true(st.failures > 0);
	assert_int_equal(st.last_status, 0);
	assert_int_equal(st.batches, 0);
	assert_int_equal(unacked(c), 1);

	assert_int_equal(httpd__start(&c->srv, port), 0);
	httpd__script(&c->srv, &ok, 1);
	assert_int_equal(httpd__wait(&c->srv, 1, 5000), 1);
	assert_int_equal(stats_when(c, one_batch).batches, 1);
	assert_int_equal(unacked(c), 0);
}

static void test_a_stop_leaves_what_was_not_acknowledged_in_the_spool(void **state)
{
	struct ctx *c = *state;
	struct httpd_step busy = { 503, "3600", NULL, 0 };

	c->srv.after = busy;
	spool_event(c, 1);
	spool_event(c, 2);
	start(c, 60000);
	assert_int_equal(httpd__wait(&c->srv, 1, 5000), 1);
	/* waiting out an hour's Retry-After: a stop cuts it short */
	exporter__stop(c->e);
	c->e = NULL;
	assert_int_equal(unacked(c), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_batch_goes_out_gzipped_with_the_token_and_is_acknowledged,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_busy_collector_is_retried_no_sooner_than_its_retry_after,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_as_an_http_date, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures_back_off_exponentially, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_unreadable_ack_sends_the_batch_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_ack_of_another_batch_sends_it_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_refused_batch_is_dropped_counted_and_not_sent_again,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_credential_and_routing_refusals_keep_the_spool_until_accepted,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_batch_too_large_is_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_finding_does_not_wait_out_the_flush_interval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_collector_that_is_down_is_retried_until_it_is_up,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_stop_leaves_what_was_not_acknowledged_in_the_spool,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("exporter", tests, NULL, NULL);
}
