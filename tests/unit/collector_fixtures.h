/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Events and batches for the collector's unit tests, built with protobuf-c
 * the way the agent builds them, then packed to bytes.
 */
#ifndef COLLECTOR_TEST_FIXTURES_H
#define COLLECTOR_TEST_FIXTURES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "os/clock.h"
#include "ingest/ingest.h"
#include "storage/store.h"
#include "leakwatch/v1/leakwatch.pb-c.h"

#define S(x) ((char *)(x))
#define SEC 1000000000LL

/*
 * The backend the collector's unit tests run on: SQLite in a test's own
 * folder, or, with LW_STORAGE=postgres and LW_PG_DSN set (tests/run.sh's
 * pass on PostgreSQL), the database that DSN names.
 */
static inline const char *fx_pg_dsn(void)
{
	const char *storage = getenv("LW_STORAGE"), *dsn = getenv("LW_PG_DSN");

	return storage && !strcmp(storage, "postgres") && dsn && *dsn ? dsn : NULL;
}

/*
 * Points o at the test's backend: the SQLite file at path, or the
 * PostgreSQL database, emptied first so that each test starts from nothing
 * as one in a fresh folder does. -1 if it cannot be emptied.
 */
static inline int fx_store_opts(struct store_opts *o, const char *path)
{
	const char *dsn = fx_pg_dsn();
	struct db *db;
	char err[256];
	int rc;

	o->path = path;
	if (!dsn)
		return 0;
	o->driver = DB_POSTGRES;
	o->dsn = dsn;
	if (db__open(&(struct db_open){ .driver = DB_POSTGRES, .dsn = dsn }, &db, err, sizeof(err)))
		return -1;
	rc = db__exec(db, "SET client_min_messages = warning") || db__exec(db, "DROP SCHEMA public CASCADE") || db__exec(db, "CREATE SCHEMA public") ? -1 : 0;
	db__close(db);
	return rc;
}

/* Everything one event points to. */
struct fx {
	Leakwatch__V1__Event ev;
	Leakwatch__V1__Host host;
	Leakwatch__V1__Process proc;
	Leakwatch__V1__ListenerEvent l;
	Leakwatch__V1__Service svc;
	Leakwatch__V1__LeakEvent k;
	Leakwatch__V1__AgentHealth h;
	Leakwatch__V1__SpoolState sp;
	Leakwatch__V1__AgentHealth__DropsEntry drop, *drops[1];
	uint8_t id[16];
	uint8_t addr[4];
};

/* A UUIDv7-shaped id whose last bytes are n, so tests can name events. */
static inline void fx_init(struct fx *e, unsigned n, int64_t t, const char *hostname)
{
	memset(e, 0, sizeof(*e));
	leakwatch__v1__event__init(&e->ev);
	leakwatch__v1__host__init(&e->host);
	leakwatch__v1__process__init(&e->proc);
	e->id[0] = 0x01;
	e->id[6] = 0x70;
	e->id[8] = 0x80;
	e->id[12] = (uint8_t)(n >> 24);
	e->id[13] = (uint8_t)(n >> 16);
	e->id[14] = (uint8_t)(n >> 8);
	e->id[15] = (uint8_t)n;
	e->ev.id.data = e->id;
	e->ev.id.len = sizeof(e->id);
	e->ev.time_unix_nano = t;
	e->host.hostname = S(hostname);
	e->host.machine_id = S("machine-of-");
	e->host.agent_version = S("0.2.0");
	e->ev.host = &e->host;
	e->proc.pid = 4242;
	e->proc.comm = S("redis-server");
	e->ev.process = &e->proc;
}

static inline Leakwatch__V1__Event *fx_listener(struct fx *e, unsigned n, int64_t t,
						 const char *hostname, uint32_t port, bool open)
{
	fx_init(e, n, t, hostname);
	leakwatch__v1__listener_event__init(&e->l);
	e->l.action = open ? LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_OPEN
			   : LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_CLOSE;
	e->l.source = LEAKWATCH__V1__LISTENER_EVENT__SOURCE__SOURCE_KERNEL;
	e->l.protocol = LEAKWATCH__V1__PROTOCOL__PROTOCOL_TCP;
	e->l.address.data = e->addr; /* 0.0.0.0 */
	e->l.address.len = 4;
	e->l.port = port;
	e->l.wildcard = true;
	e->l.netns = 4026531840u;
	e->l.exposure = LEAKWATCH__V1__ADDRESS_CLASS__ADDRESS_CLASS_PUBLIC;
	e->l.severity = LEAKWATCH__V1__SEVERITY__SEVERITY_HIGH;
	e->l.unexpected = true;
	leakwatch__v1__service__init(&e->svc);
	e->svc.name = S("redis");
	e->svc.category = S("database");
	e->l.service = &e->svc;
	e->ev.kind_case = LEAKWATCH__V1__EVENT__KIND_LISTENER;
	e->ev.listener = &e->l;
	return &e->ev;
}

static inline Leakwatch__V1__Event *fx_leak(struct fx *e, unsigned n, int64_t t, const char *hostname,
					    const char *fingerprint, const char *path, uint64_t count)
{
	fx_init(e, n, t, hostname);
	leakwatch__v1__leak_event__init(&e->k);
	e->k.rule = S("github-pat");
	e->k.family = S("github-classic");
	e->k.severity = LEAKWATCH__V1__SEVERITY__SEVERITY_CRITICAL;
	e->k.redacted = S("ghp_...9xYz");
	e->k.fingerprint = S(fingerprint);
	e->k.path = S(path);
	e->k.count = count;
	e->k.first_seen_unix_nano = t;
	e->k.last_seen_unix_nano = t;
	e->ev.kind_case = LEAKWATCH__V1__EVENT__KIND_LEAK;
	e->ev.leak = &e->k;
	return &e->ev;
}

static inline Leakwatch__V1__Event *fx_health(struct fx *e, unsigned n, int64_t t,
					      const char *hostname, uint64_t ringbuf_drops)
{
	fx_init(e, n, t, hostname);
	e->ev.process = NULL;
	leakwatch__v1__agent_health__init(&e->h);
	leakwatch__v1__spool_state__init(&e->sp);
	leakwatch__v1__agent_health__drops_entry__init(&e->drop);
	e->drop.key = S("ringbuf_full");
	e->drop.value = ringbuf_drops;
	e->drops[0] = &e->drop;
	e->h.drops = e->drops;
	e->h.n_drops = 1;
	e->h.uptime_seconds = 60;
	e->sp.records = 3;
	e->h.spool = &e->sp;
	e->ev.kind_case = LEAKWATCH__V1__EVENT__KIND_HEALTH;
	e->ev.health = &e->h;
	return &e->ev;
}

/* Packs an EventBatch; free() the result. */
static inline uint8_t *fx_batch(Leakwatch__V1__Event **evs, size_t n, const char *agent,
				uint64_t seq, size_t *len)
{
	Leakwatch__V1__EventBatch b = LEAKWATCH__V1__EVENT_BATCH__INIT;
	uint8_t *out;

	b.agent_id = S(agent);
	b.sequence = seq;
	b.events = evs;
	b.n_events = n;
	*len = leakwatch__v1__event_batch__get_packed_size(&b);
	out = malloc(*len + 1);
	leakwatch__v1__event_batch__pack(&b, out);
	return out;
}

static inline uint64_t fx_now(void)
{
	return clock__realtime_ns();
}

#endif
