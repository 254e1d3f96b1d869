// SPDX-License-Identifier: Apache-2.0
/* collector ingest: every limit, malformed bodies, and per-event validation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "ingest/ingest.h"
#include "collector_fixtures.h"
#include "delivery/encode.h"
#include "wire/gz.h"
#include "leakwatch/events.h"
#include "wire/utf8.h"

static struct ingest_limits lim;

static int setup(void **state)
{
	(void)state;
	ingest__default_limits(&lim);
	return 0;
}

static void test_valid_batch_gzip_and_identity(void **state)
{
	struct fx a, b, c;
	Leakwatch__V1__Event *evs[3];
	struct ingest_batch *out;
	uint8_t *raw, *gz;
	size_t len, gz_len;
	int64_t t = (int64_t)fx_now();
	(void)state;

	evs[0] = fx_listener(&a, 1, t, "db-1", 6379, true);
	evs[1] = fx_leak(&b, 2, t, "db-1", "0123456789abcdef0123456789abcdef", "/var/log/app.log", 2);
	evs[2] = fx_health(&c, 3, t, "db-1", 0);
	raw = fx_batch(evs, 3, "agent-1", 42, &len);

	assert_int_equal(ingest__decode(raw, len, INGEST_IDENTITY, &lim, fx_now(), &out), INGEST_OK);
	assert_string_equal(out->agent_id, "agent-1");
	assert_int_equal(out->sequence, 42);
	assert_int_equal(out->n_events, 3);
	assert_int_equal(out->n_invalid, 0);
	assert_int_equal(out->events[0].ev->kind_case, LEAKWATCH__V1__EVENT__KIND_LISTENER);
	assert_int_equal(out->events[1].ev->leak->count, 2);
	/* the raw bytes are the Event exactly as sent */
	assert_int_equal(out->events[0].raw_len, leakwatch__v1__event__get_packed_size(evs[0]));
	ingest__free(out);

	assert_int_equal(gz__compress(raw, len, &gz, &gz_len), 0);
	assert_int_equal(ingest__decode(gz, gz_len, INGEST_GZIP, &lim, fx_now(), &out), INGEST_OK);
	assert_int_equal(out->n_events, 3);
	ingest__free(out);
	free(gz);
	free(raw);
}

static void test_empty_body_is_an_empty_batch(void **state)
{
	struct ingest_batch *out;
	(void)state;

	assert_int_equal(ingest__decode("", 0, INGEST_IDENTITY, &lim, fx_now(), &out), INGEST_OK);
	assert_int_equal(out->n_events, 0);
	ingest__free(out);
	assert_int_equal(ingest__decode("", 0, INGEST_GZIP, &lim, fx_now(), &out), INGEST_BAD_GZIP);
}

static void test_malformed(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
	} bad[] = {
		{ "garbage", 7 },
		{ "\x1a\x05\x0a\x03", 4 },     /* event claims 5 bytes, 2 follow */
		{ "\x1a\x02\xff\xff", 4 },     /* event holding a truncated varint */
		{ "\x0b", 1 },                 /* a group: wire type 3 */
		{ "\x18\x01", 2 },             /* events (3) as a varint */
		{ "\x12\x01\x00", 3 },         /* sequence (2) length-delimited */
		{ "\x00\x01", 2 },             /* field 0 */
		{ "\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12 }, /* 11-byte varint */
	};
	struct ingest_batch *out;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum ingest_status st = ingest__decode(bad[i].bytes, bad[i].len, INGEST_IDENTITY, &lim,
						       fx_now(), &out);
		if (st != INGEST_BAD_PROTOBUF)
			fail_msg("case %zu: status %d, wanted bad protobuf", i, st);
		assert_null(out);
	}
	assert_int_equal(ingest__decode("not gzip", 8, INGEST_GZIP, &lim, fx_now(), &out), INGEST_BAD_GZIP);
	assert_int_equal(ingest__http_status(INGEST_BAD_GZIP), 400);
	assert_int_equal(ingest__http_status(INGEST_BAD_PROTOBUF), 400);
}

static void test_unknown_fields_are_skipped(void **state)
{
	/* field 9 varint, field 10 fixed64, field 11 bytes, field 12 fixed32 */
	static const uint8_t body[] = { 0x48, 0x05, 0x51, 1, 2, 3, 4, 5, 6, 7, 8,
					0x5a, 0x01, 0x00, 0x65, 1, 2, 3, 4, 0x10, 0x07 };
	struct ingest_batch *out;
	(void)state;

	assert_int_equal(ingest__decode(body, sizeof(body), INGEST_IDENTITY, &lim, fx_now(), &out), INGEST_OK);
	assert_int_equal(out->n_events, 0);
	assert_int_equal(out->sequence, 7);
	ingest__free(out);
}

static void test_bomb_and_sizes(void **state)
{
	size_t big = 40 << 20, gz_len;
	uint8_t *zeros = calloc(1, big), *gz;
	struct ingest_batch *out;
	(void)state;

	/* 40 MiB of zeros: past max_inflated (and the ratio) */
	assert_int_equal(gz__compress(zeros, big, &gz, &gz_len), 0);
	assert_true(gz_len < lim.max_body);
	assert_int_equal(ingest__decode(gz, gz_len, INGEST_GZIP, &lim, fx_now(), &out), INGEST_BOMB);
	free(gz);

	/* 1 MiB inflating 1000:1 is under max_inflated but over the ratio */
	assert_int_equal(gz__compress(zeros, 1 << 20, &gz, &gz_len), 0);
	assert_int_equal(ingest__decode(gz, gz_len, INGEST_GZIP, &lim, fx_now(), &out), INGEST_BOMB);
	assert_int_equal(ingest__http_status(INGEST_BOMB), 413);
	free(gz);

	/* a body over max_body, whatever it holds */
	assert_int_equal(ingest__decode(zeros, lim.max_body + 1, INGEST_IDENTITY, &lim, fx_now(), &out),
			 INGEST_TOO_LARGE);
	free(zeros);
}

static void test_too_many_events(void **state)
{
	struct ingest_limits small = lim;
	struct fx e[4];
	Leakwatch__V1__Event *evs[4];
	struct ingest_batch *out;
	uint8_t *raw;
	size_t len;
	(void)state;

	for (unsigned i = 0; i < 4; i++)
		evs[i] = fx_listener(&e[i], i + 1, (int64_t)fx_now(), "h", 80, true);
	raw = fx_batch(evs, 4, "a", 1, &len);
	small.max_events = 3;
	assert_int_equal(ingest__decode(raw, len, INGEST_IDENTITY, &small, fx_now(), &out),
			 INGEST_TOO_MANY_EVENTS);
	assert_int_equal(ingest__http_status(INGEST_TOO_MANY_EVENTS), 413);
	small.max_events = 4;
	assert_int_equal(ingest__decode(raw, len, INGEST_IDENTITY, &small, fx_now(), &out), INGEST_OK);
	ingest__free(out);
	free(raw);
}

static void test_decoded_memory_is_bounded(void **state)
{
	/* 100k empty Reachable entries: 200 KB on the wire, megabytes decoded */
	size_t n = 100000, len = 0;
	uint8_t *listener = malloc(n * 2 + 64), *event, *batch;
	struct ingest_limits small = lim;
	struct ingest_batch *out;
	size_t ev_len = 0, b_len = 0;
	(void)state;

	for (size_t i = 0; i < n; i++) {
		listener[len++] = 0x5a; /* field 11, bytes */
		listener[len++] = 0x00;
	}
	event = malloc(len + 64);
	event[ev_len++] = 0x52; /* Event.listener = 10 */
	event[ev_len++] = (uint8_t)(0x80 | (len & 0x7f));
	event[ev_len++] = (uint8_t)(0x80 | ((len >> 7) & 0x7f));
	event[ev_len++] = (uint8_t)(len >> 14);
	memcpy(event + ev_len, listener, len);
	ev_len += len;
	batch = malloc(ev_len + 64);
	batch[b_len++] = 0x1a;
	batch[b_len++] = (uint8_t)(0x80 | (ev_len & 0x7f));
	batch[b_len++] = (uint8_t)(0x80 | ((ev_len >> 7) & 0x7f));
	batch[b_len++] = (uint8_t)(ev_len >> 14);
	memcpy(batch + b_len, event, ev_len);
	b_len += ev_len;

	small.max_event_bytes = 1 << 20;
	small.max_decoded = 1 << 20;
	assert_int_equal(ingest__decode(batch, b_len, INGEST_IDENTITY, &small, fx_now(), &out),
			 INGEST_TOO_LARGE);
	/* with the default per-event size limit it is simply an invalid event */
	assert_int_equal(ingest__decode(batch, b_len, INGEST_IDENTITY, &lim, fx_now(), &out), INGEST_OK);
	assert_int_equal(out->n_invalid, 1);
	assert_string_equal(out->events[0].invalid, "event too large");
	ingest__free(out);
	free(listener);
	free(event);
	free(batch);
}

/* One batch of one event: a valid listener, then n unknown fields (field
 * 1000, 1 byte each) inside the event. */
static uint8_t *unknown_fields_batch(size_t n, size_t *out_len)
{
	struct fx a;
	Leakwatch__V1__Event *ev = fx_listener(&a, 1, (int64_t)fx_now(), "h", 80, true);
	size_t base = leakwatch__v1__event__get_packed_size(ev), ev_len, len = 0;
	uint8_t *event = malloc(base + n * 4), *batch;

	leakwatch__v1__event__pack(ev, event);
	ev_len = base;
	for (size_t i = 0; i < n; i++) {
		event[ev_len++] = 0xc0; /* field 1000, varint: tag 8000 */
		event[ev_len++] = 0x3e;
		event[ev_len++] = 0x01;
	}
	batch = malloc(ev_len + 16);
	batch[len++] = 0x1a;
	for (size_t v = ev_len;; v >>= 7) {
		batch[len++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		if (v <= 0x7f)
			break;
	}
	memcpy(batch + len, event, ev_len);
	free(event);
	*out_len = len + ev_len;
	return batch;
}

static void test_unknown_fields_are_bounded(void **state)
{
	struct ingest_limits l = lim;
	struct ingest_batch *out;
	uint64_t inflight = 0;
	uint8_t *body;
	size_t len;
	(void)state;

	/* a few, as a newer agent sends: stored */
	body = unknown_fields_batch(10, &len);
	assert_int_equal(ingest__decode(body, len, INGEST_IDENTITY, &l, fx_now(), &out), INGEST_OK);
	assert_null(out->events[0].invalid);
	ingest__free(out);
	free(body);

	/* 20,000 in 60 KB: refused as an event, in bounded memory */
	body = unknown_fields_batch(20000, &len);
	assert_int_equal(ingest__decode(body, len, INGEST_IDENTITY, &l, fx_now(), &out), INGEST_OK);
	assert_string_equal(out->events[0].invalid, "too many unknown fields");
	assert_true(out->mem.used <= 8u << 20); /* mapped for it, all overhead included */
	ingest__free(out);

	/* under a small decode budget the batch is too large, not a crash */
	l.max_decoded = 256 << 10;
	assert_int_equal(ingest__decode(body, len, INGEST_IDENTITY, &l, fx_now(), &out), INGEST_TOO_LARGE);

	/* and against a full server total it is busy (503), with nothing held after */
	l = lim;
	l.inflight = &inflight;
	l.max_inflight = 300 << 10;
	assert_int_equal(ingest__decode(body, len, INGEST_IDENTITY, &l, fx_now(), &out), INGEST_NOMEM);
	assert_int_equal(inflight, 0);
	l.max_inflight = 64 << 20;
	assert_int_equal(ingest__decode(body, len, INGEST_IDENTITY, &l, fx_now(), &out), INGEST_OK);
	assert_true(inflight > 0); /* held while the batch lives */
	ingest__free(out);
	assert_int_equal(inflight, 0);
	free(body);
}

/* Chunks a batch leaves are decoded into by the next, which sees its own
 * events, not the last batch's; the cache keeps a bounded number, and what
 * it keeps is not held against the server's total. */
static void test_decode_chunks_reused(void **state)
{
	struct ingest_limits l = lim;
	struct ingest_chunk_cache cache;
	struct ingest_batch *a, *b, *held[INGEST_CACHED_CHUNKS + 4];
	uint64_t inflight = 0;
	uint8_t *small;
	size_t small_len;
	(void)state;

	ingest__cache_init(&cache);
	l.cache = &cache;
	l.inflight = &inflight;
	l.max_inflight = 64 << 20;
	small = unknown_fields_batch(10, &small_len);

	assert_int_equal(ingest__decode(small, small_len, INGEST_IDENTITY, &l, fx_now(), &a), INGEST_OK);
	ingest__free(a);
	assert_int_equal(cache.n, 1);
	assert_int_equal(inflight, 0);
	assert_int_equal(ingest__decode(small, small_len, INGEST_IDENTITY, &l, fx_now(), &b), INGEST_OK);
	assert_int_equal(cache.n, 0); /* the chunk taken again */
	assert_true(inflight > 0);
	assert_null(b->events[0].invalid);
	ingest__free(b);

	/* batches that together map more chunks than the bound leave only it behind */
	for (int i = 0; i < INGEST_CACHED_CHUNKS + 4; i++) {
		assert_int_equal(ingest__decode(small, small_len, INGEST_IDENTITY, &l, fx_now(), &held[i]), INGEST_OK);
		assert_int_equal(held[i]->mem.used, 256 << 10); /* one chunk each */
	}
	for (int i = 0; i < INGEST_CACHED_CHUNKS + 4; i++)
		ingest__free(held[i]);
	assert_int_equal(cache.n, INGEST_CACHED_CHUNKS);
	assert_int_equal(inflight, 0);
	ingest__cache_fini(&cache);
	free(small);
}

static void test_agent_id_checked(void **state)
{
	char long_id[400];
	struct fx e;
	Leakwatch__V1__Event *evs[1];
	struct ingest_batch *out;
	uint8_t *raw;
	size_t len;
	(void)state;

	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	evs[0] = fx_listener(&e, 1, (int64_t)fx_now(), "h", 80, true);
	raw = fx_batch(evs, 1, long_id, 1, &len);
	assert_int_equal(ingest__decode(raw, len, INGEST_IDENTITY, &lim, fx_now(), &out), INGEST_BAD_BATCH);
	free(raw);
	raw = fx_batch(evs, 1, "bad\xff", 1, &len);
	assert_int_equal(ingest__decode(raw, len, INGEST_IDENTITY, &lim, fx_now(), &out), INGEST_BAD_BATCH);
	free(raw);
}

/* Each case breaks one thing in an otherwise valid event. */
static void test_invalid_events(void **state)
{
	int64_t now = (int64_t)fx_now();
	struct fx e;
	Leakwatch__V1__Event *ev;
	(void)state;

	ev = fx_listener(&e, 1, now, "h", 80, true);
	assert_null(ingest__validate(ev, (uint64_t)now));
	e.ev.id.len = 15;
	assert_string_equal(ingest__validate(ev, (uint64_t)now), "id not 16 bytes");

	ev = fx_listener(&e, 1, now, "h", 80, true);
	memset(e.id, 0, 16);
	assert_string_equal(ingest__validate(ev, (uint64_t)now), "id all zero");

	ev = fx_listener(&e, 1, now, "h", 80, true);
	e.ev.kind_case = LEAKWATCH__V1__EVENT__KIND__NOT_SET;
	assert_string_equal(ingest__validate(ev, (uint64_t)now), "no kind set");

	ev = fx_listener(&e, 1, 0, "h", 80, true);
	assert_string_equal(ingest__validate(ev, (uint64_t)now), "time unset");
	ev = fx_listener(&e, 1, now + 2 * 24 * 3600 * SEC, "h", 80, true);
	assert_string_equal(ingest__validate(ev, (uint64_t)now), "time more than a day ahead");

	ev = fx_listener(&e, 1, now, "", 80, true);
	assert_string_equal(ingest__validate(ev, (uint64_t)now), "host.hostname empty");
	ev = fx_listener(&e, 1, now, "bad\xc0\xafutf8", 80, true); /* overlong '/' */
	assert_string_equal(ingest__validate(ev, (uint64_t)now), "host.hostname not UTF-8");

	ev = fx_listener(&e, 1, now, "h", 80, true);
	e.l.address.len = 5;
	assert_string_equal(ingest__validate(ev, (uint64_t)now), "listener.address not 4 or 16 bytes");
	ev = fx_listener(&e, 1, now, "h", 70000, true);
	assert_string_equal(ingest__validate(ev, (uint64_t)now), "listener.port above 65535");
	ev = fx_listener(&e, 1, now, "h", 80, true);
	e.l.action = 0;
	assert_non_null(ingest__validate(ev, (uint64_t)now));
	ev = fx_listener(&e, 1, now, "h", 80, true);
	e.l.severity = 9;
	assert_string_equal(ingest__validate(ev, (uint64_t)now), "listener.severity unknown");

	ev = fx_leak(&e, 1, now, "h", "0123456789abcdef", "/p", 1);
	assert_null(ingest__validate(ev, (uint64_t)now));
	ev = fx_leak(&e, 1, now, "h", "not-hex-at-all-but-long", "/p", 1);
	assert_string_equal(ingest__validate(ev, (uint64_t)now), "leak.fingerprint not 16-64 hex digits");
	ev = fx_leak(&e, 1, now, "h", "0123456789abcdef", "/p", 1);
	e.k.rule = S("");
	assert_string_equal(ingest__validate(ev, (uint64_t)now), "leak.rule empty");
}

static void test_invalid_events_counted_not_fatal(void **state)
{
	struct fx a, b;
	Leakwatch__V1__Event *evs[2];
	struct ingest_batch *out;
	uint8_t *raw;
	size_t len;
	(void)state;

	evs[0] = fx_listener(&a, 1, (int64_t)fx_now(), "h", 80, true);
	evs[1] = fx_listener(&b, 2, (int64_t)fx_now(), "h", 80, true);
	b.ev.id.len = 3;
	raw = fx_batch(evs, 2, "a", 1, &len);
	assert_int_equal(ingest__decode(raw, len, INGEST_IDENTITY, &lim, fx_now(), &out), INGEST_OK);
	assert_int_equal(out->n_events, 2);
	assert_int_equal(out->n_invalid, 1);
	assert_null(out->events[0].invalid);
	assert_non_null(out->events[1].invalid);
	ingest__free(out);
	free(raw);
}

/* The stored form of a leak sent with redacted = r: what a query would show. */
static void redacted_as_stored(const char *r, char *out, size_t len, size_t *n_unredacted)
{
	struct fx a;
	Leakwatch__V1__Event *evs[1], *back;
	struct ingest_batch *b;
	uint8_t *raw;
	size_t rlen;

	evs[0] = fx_leak(&a, 1, (int64_t)fx_now(), "h", "0123456789abcdef", "/p", 1);
	a.k.redacted = (char *)r;
	raw = fx_batch(evs, 1, "a", 1, &rlen);
	assert_int_equal(ingest__decode(raw, rlen, INGEST_IDENTITY, &lim, fx_now(), &b), INGEST_OK);
	assert_null(b->events[0].invalid);
	*n_unredacted = b->n_unredacted;
	back = leakwatch__v1__event__unpack(NULL, b->events[0].raw_len, b->events[0].raw);
	assert_non_null(back);
	snprintf(out, len, "%s", back->leak->redacted);
	leakwatch__v1__event__free_unpacked(back, NULL);
	ingest__free(b);
	free(raw);
}

/* A buggy or compromised agent cannot store a whole secret as its redacted form. */
static void test_redaction_contract_enforced_on_ingest(void **state)
{
	static const char *const kept[] = { "ghp_...kpMN", "****", "ab...yz", "x...y", "" };
	static const struct {
		const char *sent, *stored;
	} redone[] = {
		{ "sk_live_4eC39HqLyjWDarjtT1zdp7dcAbCdEfGhIj", "sk_l...GhIj" }, /* 42 characters */
		{ "ghp_1234", "g...4" },
		{ "abcde...vwxyz", "ab...yz" },
		{ "short", "****" },
		{ "sk_l....GhIj", "sk...Ij" },
	};
	char got[64];
	size_t n;
	(void)state;

	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		redacted_as_stored(kept[i], got, sizeof(got), &n);
		assert_string_equal(got, kept[i]);
		assert_int_equal(n, 0);
	}
	for (size_t i = 0; i < sizeof(redone) / sizeof(redone[0]); i++) {
		redacted_as_stored(redone[i].sent, got, sizeof(got), &n);
		assert_string_equal(got, redone[i].stored);
		assert_int_equal(n, 1);
	}
}

/* Appends one length-delimited field, as the exporter splices spooled events. */
static void splice(uint8_t *out, size_t *len, const uint8_t *ev, size_t n)
{
	out[(*len)++] = 0x1a; /* EventBatch.events = 3 */
	for (size_t v = n; ; v >>= 7) {
		out[(*len)++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		if (v <= 0x7f)
			break;
	}
	memcpy(out + *len, ev, n);
	*len += n;
}

/* What the agent's own encoder writes passes the collector's validation. */
static void test_agent_encoder_output_is_valid(void **state)
{
	static const struct lw_rule_info rule = { "github-pat", "github-classic", "GitHub token", LW_SEV_HIGH };
	struct lw_host host = { .hostname = "db-1", .machine_id = "0123abcd", .agent_id = "0123abcd" };
	struct lw_listener l;
	struct lw_leak leak;
	struct lw_health h;
	struct lw_encoded enc[3];
	uint8_t batch[8192];
	size_t len = 0;
	struct ingest_batch *out;
	(void)state;

	memset(&l, 0, sizeof(l));
	l.ts_ns = fx_now();
	l.open = true;
	l.source = "kernel";
	l.protocol = IPPROTO_TCP;
	addr__parse("0.0.0.0", &l.addr);
	l.port = 6379;
	strcpy(l.proc.comm, "redis-server");
	l.exposure.level = LW_CLASS_PUBLIC;
	l.service = (struct lw_service_id){ "redis", "database", "process" };
	l.severity = LW_SEV_HIGH;
	memset(&leak, 0, sizeof(leak));
	leak.rule = &rule;
	strcpy(leak.redacted, "ghp_...AbCd");
	strcpy(leak.fingerprint, "00112233445566778899aabbccddeeff");
	leak.path = "/var/log/app.log";
	leak.count = 1;
	leak.first_ns = leak.last_ns = fx_now();
	leak.syscall = LW_SYS_WRITEV;
	memset(&h, 0, sizeof(h));
	h.drop_names[0] = "ringbuf_full";
	h.n_drops = 1;

	assert_int_equal(encode__listener(&host, &l, LW_ENCODE_BYTES, &enc[0]), 0);
	assert_int_equal(encode__leak(&host, &leak, LW_ENCODE_BYTES, &enc[1]), 0);
	assert_int_equal(encode__health(&host, &h, LW_ENCODE_BYTES, &enc[2]), 0);
	for (int i = 0; i < 3; i++) {
		splice(batch, &len, enc[i].bytes, enc[i].len);
		encode__release(&enc[i]);
	}
	assert_int_equal(ingest__decode(batch, len, INGEST_IDENTITY, &lim, fx_now(), &out), INGEST_OK);
	assert_int_equal(out->n_events, 3);
	for (int i = 0; i < 3; i++)
		if (out->events[i].invalid)
			fail_msg("agent event %d refused: %s", i, out->events[i].invalid);
	ingest__free(out);
}

static void test_encoding_header(void **state)
{
	enum ingest_encoding e;
	(void)state;

	assert_int_equal(ingest__parse_encoding(NULL, &e), 0);
	assert_int_equal(e, INGEST_IDENTITY);
	assert_int_equal(ingest__parse_encoding("identity", &e), 0);
	assert_int_equal(ingest__parse_encoding(" GZIP ", &e), 0);
	assert_int_equal(e, INGEST_GZIP);
	assert_int_equal(ingest__parse_encoding("x-gzip", &e), 0);
	assert_int_equal(ingest__parse_encoding("br", &e), -EINVAL);
	assert_int_equal(ingest__parse_encoding("deflate", &e), -EINVAL);
	assert_int_equal(ingest__parse_encoding("gzip, gzip", &e), -EINVAL);
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(utf8__valid("plain", 5));
	assert_true(utf8__valid("caf\xc3\xa9", 5));
	assert_true(utf8__valid("\xf0\x9f\x94\x91", 4)); /* a key emoji */
	assert_false(utf8__valid("\xc3", 1));             /* truncated */
	assert_false(utf8__valid("\xed\xa0\x80", 3));     /* a surrogate */
	assert_false(utf8__valid("\xe0\x80\xaf", 3));     /* overlong */
	assert_false(utf8__valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
	assert_false(utf8__valid("\xff", 1));
	/* across and after the 8-byte ASCII steps */
	assert_true(utf8__valid("0123456caf\xc3\xa9 and more ASCII", 32));
	assert_true(utf8__valid("0123456\xc3\xa9", 9)); /* split by a step's edge */
	assert_false(utf8__valid("0123456789abcdef\xff", 17));
	assert_false(utf8__valid("0123456789abcdefg\xc3", 18));
	assert_false(utf8__valid("01234567\xed\xa0\x80" "01234567", 19));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_batch_gzip_and_identity),
		cmocka_unit_test(test_empty_body_is_an_empty_batch),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_unknown_fields_are_skipped),
		cmocka_unit_test(test_bomb_and_sizes),
		cmocka_unit_test(test_too_many_events),
		cmocka_unit_test(test_decoded_memory_is_bounded),
		cmocka_unit_test(test_unknown_fields_are_bounded),
		cmocka_unit_test(test_decode_chunks_reused),
		cmocka_unit_test(test_agent_id_checked),
		cmocka_unit_test(test_invalid_events),
		cmocka_unit_test(test_invalid_events_counted_not_fatal),
		cmocka_unit_test(test_redaction_contract_enforced_on_ingest),
		cmocka_unit_test(test_agent_encoder_output_is_valid),
		cmocka_unit_test(test_encoding_header),
		cmocka_unit_test(test_utf8),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
