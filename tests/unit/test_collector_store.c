// SPDX-License-Identifier: Apache-2.0
/*
 * collector store, retention and query: idempotency, listener state,
 * leak aggregation, heartbeats, retention, schema versions, and findings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "query/query.h"
#include "replicas/lease.h"
#include "storage/retention.h"
#include "storage/store.h"
#include "collector_fixtures.h"
#include "db/db.h"

#define FP1 "0123456789abcdef0123456789abcdef"
#define FP2 "fedcba9876543210fedcba9876543210"

struct ctx {
	char dir[64];
	char path[128];
	struct store *s;
	int64_t t0; /* an hour ago */
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct store_opts o = { .busy_timeout_ms = 1000 };
	char err[256];

	strcpy(c->dir, "/tmp/lwc-store.XXXXXX");
	if (!mkdtemp(c->dir))
		return -1;
	snprintf(c->path, sizeof(c->path), "%s/collector.db", c->dir);
	if (fx_store_opts(&o, c->path) || store__open(&o, &c->s, err, sizeof(err))) {
		fprintf(stderr, "store__open: %s\n", err);
		return -1;
	}
	c->t0 = (int64_t)fx_now() - 3600 * SEC;
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	char cmd[160];

	store__close(c->s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", c->dir);
	if (system(cmd))
		return -1;
	free(c);
	return 0;
}

/* Decodes and stores a batch, as the server does. */
static struct store_result put(struct ctx *c, Leakwatch__V1__Event **evs, size_t n, uint64_t received)
{
	struct ingest_limits lim;
	struct ingest_batch *b;
	struct store_result r;
	uint8_t *raw;
	size_t len;

	ingest__default_limits(&lim);
	raw = fx_batch(evs, n, "agent-1", 1, &len);
	assert_int_equal(ingest__decode(raw, len, INGEST_IDENTITY, &lim, fx_now(), &b), INGEST_OK);
	assert_int_equal(store__write_batch(c->s, b, received ? received : fx_now(), &r), 0);
	ingest__free(b);
	free(raw);
	return r;
}

static int64_t count(struct ctx *c, const char *sql)
{
	struct db_stmt *st;
	int64_t v = -1;

	assert_int_equal(db__prepare(store__db(c->s), sql, &st), DB_OK);
	if (db__step(st) == DB_ROW)
		v = db__column_int64(st, 0);
	db__finalize(st);
	return v;
}

static const char *text(struct ctx *c, const char *sql, char *buf, size_t len)
{
	struct db_stmt *st;

	buf[0] = '\0';
	assert_int_equal(db__prepare(store__db(c->s), sql, &st), DB_OK);
	if (db__step(st) == DB_ROW && db__column_text(st, 0))
		snprintf(buf, len, "%s", (const char *)db__column_text(st, 0));
	db__finalize(st);
	return buf;
}

static void test_same_batch_twice(void **state)
{
	struct ctx *c = *state;
	struct fx a, b, h;
	Leakwatch__V1__Event *evs[3];
	struct store_result r;

	evs[0] = fx_listener(&a, 1, c->t0, "db-1", 6379, true);
	evs[1] = fx_leak(&b, 2, c->t0, "db-1", FP1, "/var/log/app.log", 5);
	evs[2] = fx_health(&h, 3, c->t0, "db-1", 7);
	r = put(c, evs, 3, 0);
	assert_int_equal(r.accepted, 3);
	assert_int_equal(r.duplicates, 0);
	r = put(c, evs, 3, 0);
	assert_int_equal(r.accepted, 0);
	assert_int_equal(r.duplicates, 3);

	assert_int_equal(count(c, "SELECT count(*) FROM events"), 3);
	assert_int_equal(count(c, "SELECT count(*) FROM listeners"), 1);
	/* a resend must not count the leak twice */
	assert_int_equal(count(c, "SELECT total_count FROM leaks"), 5);
	assert_int_equal(count(c, "SELECT events FROM leaks"), 1);
	assert_int_equal(count(c, "SELECT count FROM leak_locations"), 5);
	assert_int_equal(count(c, "SELECT drops_total FROM agents"), 7);
	assert_int_equal(count(c, "SELECT count FROM agent_drops WHERE reason = 'ringbuf_full'"), 7);
	/* the raw event is kept byte for byte */
	assert_int_equal(count(c, "SELECT length(body) FROM events WHERE kind = 'leak'"),
			 (int64_t)leakwatch__v1__event__get_packed_size(evs[1]));
}

static void test_duplicates_within_one_batch(void **state)
{
	struct ctx *c = *state;
	struct fx a, b;
	Leakwatch__V1__Event *evs[2];
	struct store_result r;

	evs[0] = fx_leak(&a, 9, c->t0, "db-1", FP1, "/a.log", 2);
	evs[1] = fx_leak(&b, 9, c->t0, "db-1", FP1, "/a.log", 2);
	r = put(c, evs, 2, 0);
	assert_int_equal(r.accepted, 1);
	assert_int_equal(r.duplicates, 1);
	assert_int_equal(count(c, "SELECT total_count FROM leaks"), 2);
}

/*
 * More events than PostgreSQL's store takes in one INSERT, ten of them
 * stored before and the first 203 ids sent again further on (past the
 * first INSERT's rows): each stored once, the first place of a repeat the
 * one kept, counted as one insert each would count them, and rowids in the
 * batch's order.
 */
static void test_large_batch_with_repeats(void **state)
{
	enum { N = 1303, IDS = 1100 };
	struct ctx *c = *state;
	struct fx *f = calloc(N, sizeof(*f));
	Leakwatch__V1__Event **evs = calloc(N, sizeof(*evs));
	struct store_result r;

	assert_non_null(f);
	assert_non_null(evs);
	for (unsigned i = 0; i < 10; i++)
		evs[i] = fx_leak(&f[i], i + 1, c->t0, "db-1", FP1, "/a.log", 1);
	r = put(c, evs, 10, 0);
	assert_int_equal(r.accepted, 10);
	for (unsigned i = 0; i < N; i++)
		evs[i] = fx_leak(&f[i], 1 + i % IDS, c->t0 + i, "db-1", FP1, "/a.log", 1);
	r = put(c, evs, N, 0);
	assert_int_equal(r.accepted, IDS - 10);
	assert_int_equal(r.duplicates, 10 + N - IDS);
	assert_int_equal(count(c, "SELECT count(*) FROM events"), IDS);
	/* the ten stored before kept their time, and no repeat was stored */
	assert_int_equal(count(c, "SELECT count(*) FROM events WHERE time_ns = (SELECT min(time_ns) FROM events)"), 10);
	assert_int_equal(count(c, "SELECT max(time_ns) - min(time_ns) FROM events"), IDS - 1);
	assert_int_equal(count(c, "SELECT count(*) FROM events a JOIN events b"
				  " ON a.time_ns < b.time_ns AND a.rowid > b.rowid"), 0);
	assert_int_equal(count(c, "SELECT events FROM leaks"), IDS);
	assert_int_equal(count(c, "SELECT total_count FROM leaks"), IDS);
	assert_int_equal(count(c, "SELECT events FROM leak_locations"), IDS);
	/* the location's history starts with the newest event's row */
	assert_int_equal(count(c, "SELECT count(*) FROM leak_locations l JOIN events e"
				  " ON substr(l.history, 1, 16) = lw_hex16(e.rowid)"
				  " WHERE e.time_ns = (SELECT max(time_ns) FROM events)"), 1);
	/* stored again whole: all duplicates */
	r = put(c, evs, N, 0);
	assert_int_equal(r.accepted, 0);
	assert_int_equal(r.duplicates, N);
	free(evs);
	free(f);
}

static void test_listener_open_then_close(void **state)
{
	struct ctx *c = *state;
	struct fx a, b, old;
	Leakwatch__V1__Event *ev;
	char buf[64];

	Leakwatch__V1__Reachable r4, r6, *reach[2] = { &r4, &r6 };
	static const uint8_t v4[4] = { 203, 0, 113, 5 }, v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	ev = fx_listener(&a, 1, c->t0, "db-1", 6379, true);
	leakwatch__v1__reachable__init(&r4);
	leakwatch__v1__reachable__init(&r6);
	r4.address = (ProtobufCBinaryData){ sizeof(v4), (uint8_t *)v4 };
	r4.class_ = LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PUBLIC;
	r4.interface = "eth0";
	r6.address = (ProtobufCBinaryData){ sizeof(v6), (uint8_t *)v6 };
	r6.class_ = LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PRIVATE;
	a.l.reachable = reach;
	a.l.n_reachable = a.l.reachable_total = 2;
	put(c, &ev, 1, 0);
	assert_string_equal(text(c, "SELECT state FROM listeners", buf, sizeof(buf)), "open");
	assert_string_equal(text(c, "SELECT reachable FROM listeners", buf, sizeof(buf)),
			    "203.0.113.5|public|eth0 2001:db8::1|private|");
	ev = fx_listener(&b, 2, c->t0 + 10 * SEC, "db-1", 6379, false);
	b.l.service = NULL; /* the process is gone: the close says less */
	b.ev.process = NULL;
	put(c, &ev, 1, 0);
	assert_int_equal(count(c, "SELECT count(*) FROM listeners"), 1);
	assert_string_equal(text(c, "SELECT state FROM listeners", buf, sizeof(buf)), "closed");
	assert_string_equal(text(c, "SELECT service || ' ' || comm FROM listeners", buf, sizeof(buf)),
			    "redis redis-server");
	assert_int_equal(count(c, "SELECT first_seen_ns FROM listeners"), c->t0);
	assert_int_equal(count(c, "SELECT last_seen_ns FROM listeners"), c->t0 + 10 * SEC);
	assert_int_equal(count(c, fx_pg_dsn() ? "SELECT (last_event_id = '\\x01000000000070008000000000000002')::int FROM listeners"
					      : "SELECT last_event_id = X'01000000000070008000000000000002' FROM listeners"),
			 1);

	/* an older "open" arriving late (a retried batch) does not reopen it,
	 * but still widens the seen-window */
	ev = fx_listener(&old, 3, c->t0 - 5 * SEC, "db-1", 6379, true);
	put(c, &ev, 1, 0);
	assert_string_equal(text(c, "SELECT state FROM listeners", buf, sizeof(buf)), "closed");
	assert_int_equal(count(c, "SELECT first_seen_ns FROM listeners"), c->t0 - 5 * SEC);

	/* another port or host is another listener */
	ev = fx_listener(&a, 4, c->t0, "db-1", 5432, true);
	put(c, &ev, 1, 0);
	ev = fx_listener(&b, 5, c->t0, "db-2", 6379, true);
	put(c, &ev, 1, 0);
	assert_int_equal(count(c, "SELECT count(*) FROM listeners"), 3);
	assert_int_equal(count(c, "SELECT count(*) FROM listeners WHERE state = 'open'"), 2);
}

/* A listener's row keeps its latest events' rowids, newest first, whichever
 * way each event came (a late, older one too); at most STORE_HISTORY_MAX. */
static void test_listener_history(void **state)
{
	struct ctx *c = *state;
	struct fx f;
	Leakwatch__V1__Event *ev;
	char buf[1024];
	const char *cur;
	int64_t id, prev = INT64_MAX;
	size_t n = 0;

	for (int i = 0; i < STORE_HISTORY_MAX + 4; i++) {
		/* one among the kept is older than the state: it takes the other statement */
		ev = fx_listener(&f, 10 + i, c->t0 + (i == 10 ? -100 : i) * SEC, "db-1", 6379, i % 2 == 0);
		put(c, &ev, 1, 0);
	}
	/* and is in the history all the same */
	assert_int_equal(count(c, "SELECT count(*) FROM listeners WHERE history LIKE"
				  " '%' || lw_hex16((SELECT rowid FROM events ORDER BY time_ns LIMIT 1)) || '%'"), 1);
	cur = text(c, "SELECT history FROM listeners", buf, sizeof(buf));
	while (store__history_next(&cur, &id)) {
		assert_true(id < prev);
		prev = id;
		n++;
	}
	assert_int_equal(n, STORE_HISTORY_MAX);
	/* the newest is the last event stored */
	assert_int_equal(prev + STORE_HISTORY_MAX - 1, count(c, "SELECT max(rowid) FROM events"));
	/* the rowids are the listener's events */
	cur = buf;
	assert_true(store__history_next(&cur, &id));
	snprintf(buf, sizeof(buf), "SELECT kind = 'listener' FROM events WHERE rowid = %lld", (long long)id);
	assert_int_equal(count(c, buf), 1);
	/* text of another shape ends the walk */
	cur = "0000000000000001 zz";
	assert_true(store__history_next(&cur, &id));
	assert_int_equal(id, 1);
	assert_false(store__history_next(&cur, &id));
}

static void test_leak_across_hosts_and_files(void **state)
{
	struct ctx *c = *state;
	struct fx e[5];
	Leakwatch__V1__Event *evs[5];

	evs[0] = fx_leak(&e[0], 1, c->t0, "db-1", FP1, "/var/log/a.log", 3);
	evs[1] = fx_leak(&e[1], 2, c->t0 + 1 * SEC, "db-1", FP1, "/var/log/a.log", 2);
	evs[2] = fx_leak(&e[2], 3, c->t0 + 2 * SEC, "db-1", FP1, "/var/log/b.log", 1);
	evs[3] = fx_leak(&e[3], 4, c->t0 + 3 * SEC, "web-7", FP1, "/srv/app.log", 4);
	evs[4] = fx_leak(&e[4], 5, c->t0 + 4 * SEC, "web-7", FP2, "/srv/app.log", 1);
	e[4].k.severity = LEAKWATCH__V1__SEVERITY__SEVERITY_MEDIUM;
	e[4].k.count = 0; /* unset counts as one */
	put(c, evs, 5, 0);

	assert_int_equal(count(c, "SELECT count(*) FROM leaks"), 2);
	assert_int_equal(count(c, "SELECT total_count FROM leaks WHERE fingerprint = '" FP1 "'"), 10);
	assert_int_equal(count(c, "SELECT events FROM leaks WHERE fingerprint = '" FP1 "'"), 4);
	assert_int_equal(count(c, "SELECT total_count FROM leaks WHERE fingerprint = '" FP2 "'"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM leak_locations WHERE fingerprint = '" FP1 "'"), 3);
	assert_int_equal(count(c, "SELECT count(DISTINCT hostname) FROM leak_locations WHERE fingerprint = '" FP1 "'"), 2);
	assert_int_equal(count(c, "SELECT count FROM leak_locations WHERE path = '/var/log/a.log'"), 5);
	assert_int_equal(count(c, "SELECT first_seen_ns FROM leaks WHERE fingerprint = '" FP1 "'"), c->t0);
	assert_int_equal(count(c, "SELECT last_seen_ns FROM leaks WHERE fingerprint = '" FP1 "'"), c->t0 + 3 * SEC);
}

/* Journal leaks are kept per unit, named "journal:<unit>", with their entry. */
static void test_journal_leak_location(void **state)
{
	Leakwatch__V1__JournalEntry j = LEAKWATCH__V1__JOURNAL_ENTRY__INIT;
	struct ctx *c = *state;
	struct fx e[2];
	Leakwatch__V1__Event *evs[2];
	char buf[128];

	j.unit = S("postgres.service");
	j.syslog_identifier = S("postgres");
	j.cursor = S("s=abc;i=2a");
	evs[0] = fx_leak(&e[0], 1, c->t0, "db-1", FP1, "", 1);
	evs[1] = fx_leak(&e[1], 2, c->t0 + SEC, "db-1", FP1, "", 2);
	for (int i = 0; i < 2; i++) {
		e[i].k.source = LEAKWATCH__V1__LEAK_EVENT__SOURCE__SOURCE_JOURNAL;
		e[i].k.journal = &j;
	}
	put(c, evs, 2, 0);
	assert_int_equal(count(c, "SELECT count(*) FROM leak_locations"), 1);
	assert_int_equal(count(c, "SELECT count FROM leak_locations WHERE path = 'journal:postgres.service'"), 3);
	assert_string_equal(text(c, "SELECT source || ' ' || journal_unit || ' ' || journal_identifier || ' ' ||"
				    " journal_cursor FROM leak_locations", buf, sizeof(buf)),
			    "journal postgres.service postgres s=abc;i=2a");
}

static void test_health_keeps_the_newest(void **state)
{
	struct ctx *c = *state;
	struct fx a, b;
	Leakwatch__V1__Event *ev;

	ev = fx_health(&a, 1, c->t0 + 60 * SEC, "db-1", 10);
	put(c, &ev, 1, 0);
	ev = fx_health(&b, 2, c->t0, "db-1", 3); /* older, arrives later */
	put(c, &ev, 1, 0);
	assert_int_equal(count(c, "SELECT count(*) FROM agents"), 1);
	assert_int_equal(count(c, "SELECT drops_total FROM agents"), 10);
	assert_int_equal(count(c, "SELECT health_ns FROM agents"), c->t0 + 60 * SEC);
	assert_int_equal(count(c, "SELECT count FROM agent_drops"), 10);
	assert_int_equal(count(c, "SELECT spool_records FROM agents"), 3);
}

static void test_invalid_events_not_stored(void **state)
{
	struct ctx *c = *state;
	struct fx a, b;
	Leakwatch__V1__Event *evs[2];
	struct store_result r;

	evs[0] = fx_listener(&a, 1, c->t0, "db-1", 80, true);
	evs[1] = fx_listener(&b, 2, c->t0, "db-1", 81, true);
	b.l.address.len = 7;
	r = put(c, evs, 2, 0);
	assert_int_equal(r.accepted, 1);
	assert_int_equal(r.rejected, 1);
	assert_int_equal(count(c, "SELECT count(*) FROM events"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM listeners"), 1);
}

static void test_retention(void **state)
{
	struct ctx *c = *state;
	struct retention_opts ro = { .batch_rows = 2 };
	uint64_t now = fx_now(), day = 24ULL * 3600 * SEC, old = now - 40 * day;
	struct fx e[8];
	Leakwatch__V1__Event *ev;

	/* received 40 days ago: a closed and an open listener, a leak, a heartbeat */
	ev = fx_listener(&e[0], 1, (int64_t)old, "db-1", 80, true);
	put(c, &ev, 1, old);
	ev = fx_listener(&e[1], 2, (int64_t)old + SEC, "db-1", 80, false);
	put(c, &ev, 1, old);
	ev = fx_listener(&e[2], 3, (int64_t)old, "db-1", 6379, true);
	put(c, &ev, 1, old);
	ev = fx_leak(&e[3], 4, (int64_t)old, "db-1", FP1, "/old.log", 1);
	put(c, &ev, 1, old);
	ev = fx_health(&e[4], 5, (int64_t)old, "db-1", 0);
	put(c, &ev, 1, old);
	/* and today: a leak, seen on an old file and a new one */
	ev = fx_leak(&e[5], 6, (int64_t)now, "db-1", FP2, "/new.log", 1);
	put(c, &ev, 1, now);
	ev = fx_leak(&e[6], 7, (int64_t)old, "db-2", FP2, "/stale.log", 1);
	put(c, &ev, 1, old);
	assert_int_equal(count(c, "SELECT count(*) FROM events"), 7);

	ro.keep_ms[STORE_LISTENER] = 30 * 24 * 3600 * 1000ULL;
	ro.keep_ms[STORE_LEAK] = 30 * 24 * 3600 * 1000ULL;
	ro.keep_ms[STORE_HEALTH] = 0; /* forever */
	if (fx_pg_dsn()) {
		/* another collector's pass holds retention's lock: this one waits its turn */
		struct db *other;
		char err[256];

		assert_int_equal(db__open(&(struct db_open){ .driver = DB_POSTGRES, .dsn = fx_pg_dsn() }, &other, err,
					  sizeof(err)), 0);
		assert_int_equal(db__begin(other), DB_OK);
		assert_int_equal(db__exec(other, "SELECT pg_advisory_xact_lock(hashtextextended('leakwatch retention', 0))"),
				 DB_OK);
		assert_int_equal(retention__run(c->s, &ro, now), 0);
		assert_int_equal(count(c, "SELECT count(*) FROM events"), 7);
		db__rollback(other);
		db__close(other);
	}
	assert_true(retention__run(c->s, &ro, now) > 0);

	assert_int_equal(count(c, "SELECT count(*) FROM events WHERE kind = 'listener'"), 0);
	assert_int_equal(count(c, "SELECT count(*) FROM events WHERE kind = 'leak'"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM events WHERE kind = 'health'"), 1);
	/* the closed listener goes; the open one is current state and stays */
	assert_int_equal(count(c, "SELECT count(*) FROM listeners"), 1);
	assert_int_equal(count(c, "SELECT port FROM listeners"), 6379);
	/* the leak not seen within retention goes with its location */
	assert_int_equal(count(c, "SELECT count(*) FROM leaks WHERE fingerprint = '" FP1 "'"), 0);
	assert_int_equal(count(c, "SELECT count(*) FROM leak_locations WHERE fingerprint = '" FP1 "'"), 0);
	/* the recent leak stays, minus its stale location */
	assert_int_equal(count(c, "SELECT count(*) FROM leaks WHERE fingerprint = '" FP2 "'"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM leak_locations"), 1);
	assert_int_equal(count(c, "SELECT count(*) FROM agents"), 1);

	ro.keep_ms[STORE_HEALTH] = 7 * 24 * 3600 * 1000ULL;
	assert_int_equal(retention__run(c->s, &ro, now), 3); /* event, agent, its drops */
	assert_int_equal(count(c, "SELECT count(*) FROM agents"), 0);
	assert_int_equal(count(c, "SELECT count(*) FROM agent_drops"), 0);
	assert_int_equal(retention__run(c->s, &ro, now), 0);
}

static void test_schema_version_and_reopen(void **state)
{
	struct ctx *c = *state;
	struct store_opts o = { .busy_timeout_ms = 1000 };
	bool pg = fx_pg_dsn() != NULL;
	const char *version = pg ? "SELECT max(version) FROM lw_schema_version" : "PRAGMA user_version";
	struct store *s2;
	char err[256], path[160], sql[96];
	FILE *f;

	o.path = c->path;
	o.driver = pg ? DB_POSTGRES : DB_SQLITE;
	o.dsn = fx_pg_dsn();
	assert_int_equal(count(c, version), STORE_SCHEMA_VERSION);
	if (!pg) {
		assert_string_equal(text(c, "PRAGMA journal_mode", path, sizeof(path)), "wal");
		assert_int_equal(count(c, "PRAGMA page_size"), DB_SQLITE_PAGE_SIZE);
	}
	/* a second open migrates nothing and works */
	assert_int_equal(store__open(&o, &s2, err, sizeof(err)), 0);
	store__close(s2);
	o.read_only = true;
	assert_int_equal(store__open(&o, &s2, err, sizeof(err)), 0);
	store__close(s2);

	/* a database from a newer collector is refused, not downgraded */
	assert_int_equal(db__exec(store__db(c->s), pg ? "UPDATE lw_schema_version SET version = 99"
							: "PRAGMA user_version = 99"),
			 DB_OK);
	o.read_only = false;
	assert_int_equal(store__open(&o, &s2, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "newer"));
	snprintf(sql, sizeof(sql), pg ? "UPDATE lw_schema_version SET version = %d" : "PRAGMA user_version = %d",
		 STORE_SCHEMA_VERSION);
	db__exec(store__db(c->s), sql);
	if (pg)
		return;

	/* not a database */
	snprintf(path, sizeof(path), "%s/junk.db", c->dir);
	f = fopen(path, "w");
	fputs("this is not sqlite at all, not even close to it............................", f);
	fclose(f);
	o.path = path;
	o.read_only = true;
	assert_int_equal(store__open(&o, &s2, err, sizeof(err)), -EIO);
}

/* A database made with another page size (4 KiB, SQLite's default) keeps it
 * when the collector takes it over, and stores batches as before. */
static void test_an_existing_page_size_is_kept(void **state)
{
	struct ctx *c = *state;
	struct store_opts o = { .busy_timeout_ms = 1000 };
	struct store *mine = c->s;
	struct fx a;
	Leakwatch__V1__Event *ev;
	char path[160], err[256];
	sqlite3 *raw;

	if (fx_pg_dsn())
		skip(); /* SQLite's page size */
	snprintf(path, sizeof(path), "%s/older.db", c->dir);
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE t(x)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(raw);
	assert_int_equal(fx_store_opts(&o, path), 0);
	assert_int_equal(store__open(&o, &c->s, err, sizeof(err)), 0);
	ev = fx_listener(&a, 1, c->t0, "db-1", 6379, true);
	put(c, &ev, 1, 0);
	assert_int_equal(count(c, "PRAGMA page_size"), 4096);
	assert_int_equal(count(c, "SELECT count(*) FROM listeners"), 1);
	store__close(c->s);
	c->s = mine;
}

static void test_database_is_private(void **state)
{
	struct ctx *c = *state;
	struct stat st;

	if (fx_pg_dsn())
		skip(); /* a file's mode: PostgreSQL's access is its own */
	assert_int_equal(stat(c->path, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
}

static bool has(const struct findings *fs, enum store_kind k, const char *needle)
{
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i].kind == k && strstr(fs->v[i].json, needle))
			return true;
	return false;
}

/* The container's image and a rotated log's former name are kept, and read back. */
static void test_image_and_previous_path(void **state)
{
	Leakwatch__V1__Container ctr = LEAKWATCH__V1__CONTAINER__INIT;
	struct ctx *c = *state;
	struct fx e[2];
	Leakwatch__V1__Event *evs[2];
	struct query_filter f = { .limit = 10 };
	struct findings fs;
	char buf[256];

	ctr.id = S("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	ctr.pod_name = S("cache-0");
	ctr.image = S("docker.io/library/redis:7.2");
	evs[0] = fx_listener(&e[0], 1, c->t0, "db-1", 6379, true);
	evs[1] = fx_leak(&e[1], 2, c->t0 + SEC, "db-1", FP1, "/var/log/app.log.1", 1);
	evs[0]->container = &ctr;
	evs[1]->container = &ctr;
	e[1].k.previous_path = S("/var/log/app.log");
	put(c, evs, 2, 0);
	assert_string_equal(text(c, "SELECT container_image FROM listeners", buf, sizeof(buf)),
			    "docker.io/library/redis:7.2");
	assert_string_equal(text(c, "SELECT container_image || ' ' || previous_path FROM leak_locations", buf,
				 sizeof(buf)),
			    "docker.io/library/redis:7.2 /var/log/app.log");
	assert_int_equal(query__findings(store__db(c->s), &f, &fs), 0);
	assert_true(has(&fs, STORE_LISTENER, "\"image\":\"docker.io/library/redis:7.2\""));
	assert_true(has(&fs, STORE_LEAK, "\"previous_path\":\"/var/log/app.log\""));
	assert_true(has(&fs, STORE_LEAK, "\"image\":\"docker.io/library/redis:7.2\""));
	query__free(&fs);
}


static void test_query(void **state)
{
	struct ctx *c = *state;
	struct query_filter f = { .limit = 100 };
	struct findings fs;
	struct fx e[5];
	Leakwatch__V1__Event *evs[5];
	char *doc;

	evs[0] = fx_listener(&e[0], 1, c->t0, "db-1", 6379, true);
	evs[1] = fx_leak(&e[1], 2, c->t0 + SEC, "db-1", FP1, "/var/log/a.log", 3);
	evs[2] = fx_leak(&e[2], 3, c->t0 + 2 * SEC, "web-7", FP1, "/srv/b.log", 1);
	evs[3] = fx_health(&e[3], 4, c->t0 + 3 * SEC, "db-1", 0);
	evs[4] = fx_listener(&e[4], 5, c->t0 + 4 * SEC, "web-7", 8080, true);
	e[4].l.severity = LEAKWATCH__V1__SEVERITY__SEVERITY_INFO;
	e[4].ev.listener->service = NULL;
	put(c, evs, 5, 0);

	assert_int_equal(query__findings(store__db(c->s), &f, &fs), 0);
	assert_int_equal(fs.n, 4);
	/* most severe first: the critical leak, the high listener, then info */
	assert_int_equal(fs.v[0].kind, STORE_LEAK);
	assert_int_equal(fs.v[1].kind, STORE_LISTENER);
	assert_true(has(&fs, STORE_LEAK, "\"count\":4"));
	assert_true(has(&fs, STORE_LEAK, "\"hosts\":[\"db-1\",\"web-7\"]"));
	assert_true(has(&fs, STORE_LEAK, "\"locations_total\":2"));
	assert_string_equal(fs.v[0].host, "2 hosts");
	/* the table's words: "4 times", a port-named service marked "redis?" */
	assert_non_null(strstr(fs.v[0].what, ", 4 times in 2 files"));
	for (size_t i = 0; i < fs.n; i++)
		if (fs.v[i].kind == STORE_LISTENER && strstr(fs.v[i].what, ":6379 "))
			assert_non_null(strstr(fs.v[i].what, ", redis,"));
	assert_true(has(&fs, STORE_LISTENER, "\"port\":6379"));
	assert_true(has(&fs, STORE_LISTENER, "\"exposure\":\"public\""));
	assert_true(has(&fs, STORE_HEALTH, "\"drops\":{\"ringbuf_full\":0}"));
	doc = query__json_document(&fs);
	assert_non_null(strstr(doc, "{\"count\":4,\"findings\":[{"));
	free(doc);
	query__free(&fs);

	/* filters */
	f.host = "web-7";
	assert_int_equal(query__findings(store__db(c->s), &f, &fs), 0);
	assert_int_equal(fs.n, 2); /* its listener, and the leak seen there */
	assert_true(has(&fs, STORE_LEAK, "\"locations_total\":1"));
	query__free(&fs);
	f.host = NULL;
	f.kinds[STORE_LISTENER] = true;
	assert_int_equal(query__findings(store__db(c->s), &f, &fs), 0);
	assert_int_equal(fs.n, 2);
	query__free(&fs);
	f.since_ns = (uint64_t)(c->t0 + 4 * SEC);
	assert_int_equal(query__findings(store__db(c->s), &f, &fs), 0);
	assert_int_equal(fs.n, 1);
	assert_true(has(&fs, STORE_LISTENER, "\"port\":8080"));
	query__free(&fs);
	f.kinds[STORE_LISTENER] = false;
	f.since_ns = 0;
	f.limit = 1;
	/* once: "1 time"; named by its port alone: "redis?" */
	e[0].l.service->identified_by = LEAKWATCH__V1__SERVICE__IDENTIFIED_BY__IDENTIFIED_BY_PORT;
	evs[0] = fx_listener(&e[0], 6, c->t0 + 5 * SEC, "db-2", 6379, true);
	e[0].l.service->identified_by = LEAKWATCH__V1__SERVICE__IDENTIFIED_BY__IDENTIFIED_BY_PORT;
	evs[1] = fx_leak(&e[1], 7, c->t0 + 5 * SEC, "db-2", FP2, "/var/log/c.log", 1);
	put(c, evs, 2, 0);
	f.limit = 100;
	f.host = "db-2";
	assert_int_equal(query__findings(store__db(c->s), &f, &fs), 0);
	for (size_t i = 0; i < fs.n; i++) {
		if (fs.v[i].kind == STORE_LEAK)
			assert_non_null(strstr(fs.v[i].what, ", 1 time in 1 file"));
		else
			assert_non_null(strstr(fs.v[i].what, ", redis?,"));
	}
	query__free(&fs);
	f.host = NULL;
	f.limit = 1;
	assert_int_equal(query__findings(store__db(c->s), &f, &fs), 0);
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.v[0].kind, STORE_LEAK);
	query__free(&fs);
}

/* What query shows by default, and its filters; the table's fingerprint column. */
static void test_query_filters_and_table(void **state)
{
	struct ctx *c = *state;
	struct query_filter f = { .limit = 100, .hide_closed = true };
	struct findings fs;
	struct fx e[4];
	Leakwatch__V1__Event *evs[4];
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	evs[0] = fx_listener(&e[0], 1, c->t0, "db-1", 6379, true);
	evs[1] = fx_listener(&e[1], 2, c->t0, "db-1", 5432, true);
	evs[2] = fx_leak(&e[2], 3, c->t0, "db-1", FP1, "/var/log/a.log", 1);
	evs[3] = fx_leak(&e[3], 4, c->t0, "db-1", FP2, "/var/log/b.log", 1);
	e[3].k.severity = LEAKWATCH__V1__SEVERITY__SEVERITY_LOW;
	put(c, evs, 4, 0);
	evs[0] = fx_listener(&e[0], 5, c->t0 + SEC, "db-1", 5432, false); /* 5432 closes */
	put(c, evs, 1, 0);

	/* closed listeners hidden by default */
	assert_int_equal(query__findings(store__db(c->s), &f, &fs), 0);
	assert_int_equal(fs.n, 3);
	for (size_t i = 0; i < fs.n; i++)
		assert_null(strstr(fs.v[i].what, ":5432 "));
	out = open_memstream(&text, &len);
	query__print_table(out, &fs);
	fclose(out);
	assert_non_null(strstr(text, "FINGERPRINT"));
	assert_non_null(strstr(text, FP1));
	assert_non_null(strstr(text, " - ")); /* a listener has none */
	free(text);
	query__free(&fs);
	/* --all shows it */
	f.hide_closed = false;
	assert_int_equal(query__findings(store__db(c->s), &f, &fs), 0);
	assert_int_equal(fs.n, 4);
	query__free(&fs);
	/* --severity high: the low leak goes */
	f.min_severity = LEAKWATCH__V1__SEVERITY__SEVERITY_HIGH;
	assert_int_equal(query__findings(store__db(c->s), &f, &fs), 0);
	for (size_t i = 0; i < fs.n; i++)
		assert_true(fs.v[i].severity >= LEAKWATCH__V1__SEVERITY__SEVERITY_HIGH);
	assert_int_equal(fs.n, 3);
	query__free(&fs);
	/* --open: an acknowledged leak is no longer a problem */
	f.min_severity = 0;
	f.open_only = true;
	assert_int_equal(db__exec(store__db(c->s), "UPDATE leaks SET acked_ns = 1 WHERE fingerprint = '" FP1 "'"), DB_OK);
	assert_int_equal(query__findings(store__db(c->s), &f, &fs), 0);
	assert_int_equal(fs.n, 2); /* the open listener and the unacknowledged leak */
	for (size_t i = 0; i < fs.n; i++)
		assert_true(!fs.v[i].id || !strcmp(fs.v[i].id, FP2));
	query__free(&fs);
}

static void test_parse_since(void **state)
{
	uint64_t now = 1800000000ULL * SEC, v;
	(void)state;

	assert_int_equal(query__parse_since("1700000000", now, &v), 0);
	assert_int_equal(v, 1700000000ULL * SEC);
	assert_int_equal(query__parse_since("2023-11-14T22:13:20Z", now, &v), 0);
	assert_int_equal(v, 1700000000ULL * SEC);
	assert_int_equal(query__parse_since("2023-11-14T23:13:20.5+01:00", now, &v), 0);
	assert_int_equal(v, 1700000000ULL * SEC + SEC / 2);
	assert_int_equal(query__parse_since("2023-11-14", now, &v), 0);
	assert_int_equal(v, 1699920000ULL * SEC);
	assert_int_equal(query__parse_since("24h", now, &v), 0);
	assert_int_equal(v, now - 24ULL * 3600 * SEC);
	assert_int_equal(query__parse_since("2023-11-14T22:13:20", now, &v), -EINVAL); /* no offset */
	assert_int_equal(query__parse_since("yesterday", now, &v), -EINVAL);
	assert_int_equal(query__parse_since("", now, &v), -EINVAL);
}

/* --- leases: work one collector at a time does --- */

struct lease_try {
	const char *holder;
	uint64_t now_s;
	bool held;
};

static int try_lease(struct db *db, void *arg)
{
	struct lease_try *t = arg;

	return lease__take(db, "sink/pager", t->holder, t->now_s * SEC, 10 * SEC, &t->held);
}

static bool holds(struct store *s, const char *holder, uint64_t now_s)
{
	struct lease_try t = { .holder = holder, .now_s = now_s };

	assert_int_equal(store__tx(s, try_lease, &t), 0);
	return t.held;
}

static int release(struct db *db, void *arg)
{
	return lease__release_all(db, arg);
}

/*
 * PostgreSQL: a deferred statement's failure is the error of the next
 * statement that waits for an answer, with its SQLSTATE (a deadlock may
 * run again), and the connection works afterwards. Run twice first, so
 * that it is prepared and goes in the pipeline.
 */
static void test_deferred_failure(void **state)
{
	struct ctx *c = *state;
	struct db *db = store__db(c->s);
	struct db_stmt *fail, *read;

	if (!fx_pg_dsn())
		skip(); /* SQLite runs a deferred statement at once */
	assert_int_equal(db__exec(db, "CREATE FUNCTION lw_test_fail(x bigint) RETURNS bigint AS $$ BEGIN"
				      " IF x = 1 THEN RAISE EXCEPTION 'deadlock in test' USING ERRCODE = '40P01';"
				      " END IF; RETURN x; END $$ LANGUAGE plpgsql"), DB_OK);
	assert_int_equal(db__prepare(db, "SELECT lw_test_fail(?1)", &fail), DB_OK);
	assert_int_equal(db__prepare(db, "SELECT 42", &read), DB_OK);
	for (int i = 0; i < 2; i++) {
		db__bind_int64(fail, 1, 0);
		assert_int_equal(db__defer(fail), DB_DONE);
		db__clear_bindings(fail);
	}
	/* deferred and fine: answered with the read */
	assert_int_equal(db__begin(db), DB_OK);
	db__bind_int64(fail, 1, 0);
	assert_int_equal(db__defer(fail), DB_DONE);
	assert_int_equal(db__step(read), DB_ROW);
	assert_int_equal(db__column_int64(read, 0), 42);
	db__reset(read);
	/* deferred and failing: the read fails with its error */
	db__bind_int64(fail, 1, 1);
	assert_int_equal(db__defer(fail), DB_DONE);
	assert_int_equal(db__step(read), DB_ERROR);
	assert_non_null(strstr(db__errmsg(db), "deadlock in test"));
	assert_true(db__retryable(db));
	db__reset(read);
	assert_int_equal(db__rollback(db), DB_OK);
	/* deferred last: commit fails with its error */
	assert_int_equal(db__begin(db), DB_OK);
	assert_int_equal(db__defer(fail), DB_DONE);
	assert_int_equal(db__commit(db), DB_ERROR);
	assert_true(db__retryable(db));
	db__rollback(db);
	/* and the connection goes on */
	assert_int_equal(db__begin(db), DB_OK);
	assert_int_equal(db__step(read), DB_ROW);
	db__reset(read);
	assert_int_equal(db__commit(db), DB_OK);
	db__finalize(fail);
	db__finalize(read);
}

/* Two collectors on one database: one holds a lease until it lapses. */
static void test_leases(void **state)
{
	struct ctx *c = *state;
	struct store_opts o = { .path = c->path, .busy_timeout_ms = 1000 };
	struct store *other;
	char err[256];

	o.driver = fx_pg_dsn() ? DB_POSTGRES : DB_SQLITE;
	o.dsn = fx_pg_dsn();
	assert_int_equal(store__open(&o, &other, err, sizeof(err)), 0);
	assert_string_not_equal(store__holder(c->s), store__holder(other));
	if (fx_pg_dsn()) {
		/* PostgreSQL times leases by its own clock, which a test cannot
		 * move: one holder at a time, and given-up leases taken at once
		 * (lapsing ones: tests/integration/collectors_pg.sh) */
		assert_true(holds(c->s, "a", 0));
		assert_false(holds(other, "b", 0));
		assert_int_equal(store__tx(c->s, release, "a"), 0);
		assert_true(holds(other, "b", 0));
		assert_int_equal(store__tx(other, release, "b"), 0);
		/* a store's own leases go when it closes */
		assert_true(holds(other, store__holder(other), 0));
		assert_false(holds(c->s, "a", 0));
		store__close(other);
		assert_true(holds(c->s, "a", 0));
		return;
	}
	assert_true(holds(c->s, "a", 100));
	assert_false(holds(other, "b", 105));  /* a holds it until 110 */
	assert_true(holds(c->s, "a", 108));    /* renewed until 118 */
	assert_false(holds(other, "b", 117));
	assert_true(holds(other, "b", 119));   /* a stopped renewing: b takes over */
	assert_false(holds(c->s, "a", 120));
	assert_int_equal(store__tx(other, release, "b"), 0);
	assert_true(holds(c->s, "a", 121));    /* given up: taken at once */
	/* a store's own leases go when it closes */
	assert_true(holds(other, store__holder(other), 200));
	assert_false(holds(c->s, "a", 201));
	store__close(other);
	assert_true(holds(c->s, "a", 202));
	assert_true(store__reachable(c->s));
	/* on SQLite the collector holds its leases whoever else is named */
	if (!fx_pg_dsn()) {
		struct lease_try t = { 0 };

		assert_int_equal(store__lease(c->s, store__db(c->s), "sink/pager", 203 * SEC, SEC, &t.held), 0);
		assert_true(t.held);
	}
}

/* How many events a reader sees, by one statement it then finishes. */
static int64_t reader_events(struct store *ro)
{
	struct db_stmt *st;
	int64_t v = -1;

	assert_int_equal(db__prepare(store__db(ro), "SELECT count(*) FROM events", &st), DB_OK);
	if (db__step(st) == DB_ROW)
		v = db__column_int64(st, 0);
	db__finalize(st);
	return v;
}

/* Readers for requests: one given back serves the next request, sees
 * what was written since, and is kept only when nothing holds it in a
 * statement or a transaction; the writer keeps a bounded number. */
static void test_readers_kept(void **state)
{
	struct ctx *c = *state;
	struct store_opts where = { .path = c->path, .busy_timeout_ms = 1000 };
	struct store *ro, *again, *held[STORE_IDLE_READERS + 2];
	struct db_stmt *st;
	char err[256];
	struct fx e[2];
	Leakwatch__V1__Event *ev;

	where.driver = fx_pg_dsn() ? DB_POSTGRES : DB_SQLITE;
	where.dsn = fx_pg_dsn();
	ev = fx_listener(&e[0], 1, c->t0, "db-1", 80, true);
	put(c, &ev, 1, 0);
	assert_int_equal(store__reader_get(c->s, &where, &ro, err, sizeof(err)), 0);
	assert_int_equal(reader_events(ro), 1);
	store__reader_put(c->s, ro);

	/* the same reader again, and it sees the event written since */
	ev = fx_listener(&e[1], 2, c->t0 + SEC, "db-1", 81, true);
	put(c, &ev, 1, 0);
	assert_int_equal(store__reader_get(c->s, &where, &again, err, sizeof(err)), 0);
	assert_ptr_equal(again, ro);
	assert_int_equal(reader_events(again), 2);

	/* in the middle of a statement (SQLite steps rows as they are read;
	 * libpq has them all at once) or a transaction: not idle, not kept */
	assert_int_equal(db__prepare(store__db(again), "SELECT id FROM events", &st), DB_OK);
	assert_int_equal(db__step(st), DB_ROW);
	assert_true(db__idle(store__db(again)) == (fx_pg_dsn() != NULL));
	db__finalize(st);
	assert_true(db__idle(store__db(again)));
	assert_int_equal(db__begin(store__db(again)), DB_OK);
	assert_false(db__idle(store__db(again)));
	store__reader_put(c->s, again);
	assert_int_equal(store__idle_readers(c->s), 0);

	/* many at once: all given back, the writer keeps its bound and closes the rest */
	for (int i = 0; i < STORE_IDLE_READERS + 2; i++)
		assert_int_equal(store__reader_get(c->s, &where, &held[i], err, sizeof(err)), 0);
	for (int i = 0; i < STORE_IDLE_READERS + 2; i++)
		store__reader_put(c->s, held[i]);
	assert_int_equal(store__idle_readers(c->s), STORE_IDLE_READERS);

	/* no writer: opened and closed each time */
	assert_int_equal(store__reader_get(NULL, &where, &ro, err, sizeof(err)), 0);
	assert_int_equal(reader_events(ro), 2);
	store__reader_put(NULL, ro);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_same_batch_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates_within_one_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_batch_with_repeats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listener_open_then_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listener_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leak_across_hosts_and_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_leak_location, setup, teardown),
		cmocka_unit_test_setup_teardown(test_image_and_previous_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_keeps_the_newest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_events_not_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_version_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_existing_page_size_is_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_database_is_private, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_filters_and_table, setup, teardown),
		cmocka_unit_test(test_parse_since),
		cmocka_unit_test_setup_teardown(test_leases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readers_kept, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
