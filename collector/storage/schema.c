// SPDX-License-Identifier: Apache-2.0
#include "storage/schema.h"

#include <errno.h>
#include <stdio.h>

#include "db/db.h"
#include "storage/store.h"

/*
 * Migrations, in order: migrations[i] takes a database from version i to
 * i + 1. Only ever append; a released step never changes.
 */
static const char *const migrations[] = {
	/* 1: events, listener state, leaks and their locations, agent heartbeats */
	"CREATE TABLE events ("
	"  id BLOB PRIMARY KEY NOT NULL,"  /* 16-byte UUIDv7 from the agent */
	"  kind TEXT NOT NULL,"            /* listener | leak | health */
	"  time_ns INTEGER NOT NULL,"      /* when it happened, agent's clock */
	"  received_ns INTEGER NOT NULL,"  /* when stored, collector's clock */
	"  hostname TEXT NOT NULL,"
	"  machine_id TEXT NOT NULL,"
	"  agent_id TEXT NOT NULL,"
	"  batch_sequence INTEGER NOT NULL,"
	"  severity INTEGER NOT NULL,"     /* leakwatch.v1.Severity */
	"  fingerprint TEXT,"              /* leaks only */
	"  body BLOB NOT NULL"             /* the encoded Event as received */
	");"                               /* rowid: rows of ~1 KB pack badly WITHOUT ROWID */
	"CREATE INDEX events_kind_received ON events(kind, received_ns);"

	"CREATE TABLE listeners ("
	"  hostname TEXT NOT NULL,"
	"  netns INTEGER NOT NULL,"
	"  protocol TEXT NOT NULL,"        /* tcp | udp */
	"  address BLOB NOT NULL,"         /* 4 or 16 bytes, network order */
	"  port INTEGER NOT NULL,"
	"  state TEXT NOT NULL,"           /* open | closed */
	"  first_seen_ns INTEGER NOT NULL,"
	"  last_seen_ns INTEGER NOT NULL,"
	"  state_ns INTEGER NOT NULL,"     /* time of the event that set state */
	"  updated_ns INTEGER NOT NULL,"   /* collector's clock, for retention */
	"  last_event_id BLOB NOT NULL,"
	"  machine_id TEXT NOT NULL,"
	"  severity INTEGER NOT NULL,"
	"  exposure TEXT NOT NULL,"        /* loopback | link-local | private | public */
	"  wildcard INTEGER NOT NULL,"
	"  expected INTEGER NOT NULL,"
	"  unexpected INTEGER NOT NULL,"
	"  source TEXT NOT NULL,"          /* kernel | inventory | reload | restart */
	"  reachable TEXT NOT NULL,"       /* \"addr|class|interface\" items, space-separated */
	"  reachable_total INTEGER NOT NULL,"
	"  service TEXT, service_category TEXT, service_by TEXT,"
	"  comm TEXT, pid INTEGER, exe TEXT, uid INTEGER, user TEXT,"
	"  container_id TEXT, container_runtime TEXT, pod_uid TEXT,"
	"  pod_name TEXT, pod_namespace TEXT, container_name TEXT,"
	"  PRIMARY KEY (hostname, netns, protocol, address, port)"
	");"
	"CREATE INDEX listeners_closed ON listeners(updated_ns) WHERE state = 'closed';"

	"CREATE TABLE leaks ("
	"  fingerprint TEXT PRIMARY KEY NOT NULL,"
	"  rule TEXT NOT NULL,"
	"  family TEXT NOT NULL,"
	"  severity INTEGER NOT NULL,"
	"  redacted TEXT NOT NULL,"
	"  first_seen_ns INTEGER NOT NULL,"
	"  last_seen_ns INTEGER NOT NULL,"
	"  total_count INTEGER NOT NULL,"  /* sum of the events' counts */
	"  events INTEGER NOT NULL,"
	"  updated_ns INTEGER NOT NULL"
	");"
	"CREATE INDEX leaks_updated ON leaks(updated_ns);"
	"CREATE TABLE leak_locations ("
	"  fingerprint TEXT NOT NULL,"
	"  hostname TEXT NOT NULL,"
	"  path TEXT NOT NULL,"
	"  first_seen_ns INTEGER NOT NULL,"
	"  last_seen_ns INTEGER NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  events INTEGER NOT NULL,"
	"  updated_ns INTEGER NOT NULL,"
	"  last_event_id BLOB NOT NULL,"
	"  machine_id TEXT NOT NULL,"
	"  device TEXT, inode INTEGER, last_offset INTEGER,"
	"  comm TEXT, pid INTEGER, exe TEXT,"
	"  container_id TEXT, pod_uid TEXT, pod_name TEXT, pod_namespace TEXT, container_name TEXT,"
	"  PRIMARY KEY (fingerprint, hostname, path)"
	");"
	"CREATE INDEX leak_locations_host ON leak_locations(hostname);"
	"CREATE INDEX leak_locations_updated ON leak_locations(updated_ns);"

	"CREATE TABLE agents ("
	"  agent_id TEXT PRIMARY KEY NOT NULL,"
	"  hostname TEXT NOT NULL, machine_id TEXT NOT NULL, boot_id TEXT NOT NULL,"
	"  agent_version TEXT NOT NULL, node_name TEXT NOT NULL,"
	"  first_seen_ns INTEGER NOT NULL,"
	"  health_ns INTEGER NOT NULL,"    /* time of the latest health event */
	"  updated_ns INTEGER NOT NULL,"
	"  last_event_id BLOB NOT NULL,"
	"  uptime_s INTEGER, listeners_open INTEGER, bytes_scanned INTEGER,"
	"  events_listener INTEGER, events_leak INTEGER,"
	"  export_batches INTEGER, export_retries INTEGER,"
	"  drops_total INTEGER NOT NULL, programs TEXT NOT NULL,"
	"  spool_bytes INTEGER, spool_records INTEGER, spool_oldest_age_s INTEGER,"
	"  spool_dropped_full INTEGER, spool_dropped_corrupt INTEGER, spool_write_errors INTEGER"
	");"
	"CREATE INDEX agents_updated ON agents(updated_ns);"
	"CREATE TABLE agent_drops ("
	"  agent_id TEXT NOT NULL, reason TEXT NOT NULL, count INTEGER NOT NULL,"
	"  PRIMARY KEY (agent_id, reason)"
	") WITHOUT ROWID;",

	/* 2: alerting: acknowledged leaks, alert state, the outbox, agent watch */
	"ALTER TABLE leaks ADD COLUMN acked_ns INTEGER;"  /* collector's clock; NULL: not acked */
	"ALTER TABLE leaks ADD COLUMN acked_by TEXT;"

	/* one row per problem, by dedup key: what was announced, and whether it still holds */
	"CREATE TABLE alerts ("
	"  key TEXT PRIMARY KEY NOT NULL,"
	"  kind TEXT NOT NULL,"            /* listener | leak | health */
	"  status TEXT NOT NULL,"          /* firing | resolved */
	"  severity INTEGER NOT NULL,"
	"  alertname TEXT NOT NULL,"
	"  hostname TEXT NOT NULL,"
	"  namespace TEXT, pod TEXT, service TEXT, rule TEXT, fingerprint TEXT, agent_id TEXT,"
	"  labels TEXT NOT NULL,"          /* \"name=value\" lines, fixed while firing */
	"  details TEXT NOT NULL,"
	"  summary TEXT NOT NULL,"
	"  description TEXT NOT NULL,"
	"  count INTEGER NOT NULL,"        /* sightings while firing */
	"  starts_ns INTEGER NOT NULL,"
	"  last_ns INTEGER NOT NULL,"
	"  ends_ns INTEGER,"
	"  updated_ns INTEGER NOT NULL"    /* collector's clock */
	");"
	"CREATE INDEX alerts_status ON alerts(status, kind);"
	"CREATE INDEX alerts_fingerprint ON alerts(fingerprint) WHERE fingerprint IS NOT NULL;"
	/* the sinks an alert was routed to, so that its end reaches the same ones */
	"CREATE TABLE alert_sinks ("
	"  key TEXT NOT NULL, sink TEXT NOT NULL,"
	"  group_row INTEGER,"             /* the outbox row of the group notification carrying it */
	"  group_key TEXT,"                /* set once that group went out as a group */
	"  PRIMARY KEY (key, sink)"
	") WITHOUT ROWID;"
	"CREATE INDEX alert_sinks_group ON alert_sinks(sink, group_key);"
	"CREATE INDEX alert_sinks_group_row ON alert_sinks(group_row) WHERE group_row IS NOT NULL;"
	/* new-listener storms: per sink and host, the window in which they are grouped */
	"CREATE TABLE alert_groups ("
	"  sink TEXT NOT NULL, hostname TEXT NOT NULL,"
	"  window_end_ns INTEGER NOT NULL,"
	"  held INTEGER,"                  /* the group row waiting for the window's end */
	"  PRIMARY KEY (sink, hostname)"
	") WITHOUT ROWID;"
	/* every notification, written in the transaction that caused it, deleted once delivered */
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  sink TEXT NOT NULL,"
	"  action TEXT NOT NULL,"          /* trigger | resolve | group | group-resolve | resend | late-resolve */
	"  ref TEXT NOT NULL,"             /* the alert's key, or the group's */
	"  at_ns INTEGER NOT NULL,"        /* when the problem began or ended */
	"  created_ns INTEGER NOT NULL,"
	"  due_ns INTEGER NOT NULL,"
	"  state TEXT NOT NULL,"           /* pending | held | dead */
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT"
	");"
	"CREATE INDEX outbox_queue ON outbox(sink, state, id);"
	/* each agent's previous heartbeat, to tell new drops from old */
	"CREATE TABLE agent_watch ("
	"  agent_id TEXT PRIMARY KEY NOT NULL,"
	"  drops_total INTEGER NOT NULL, uptime_s INTEGER NOT NULL, dropped_full INTEGER NOT NULL,"
	"  drop_streak INTEGER NOT NULL, clean_streak INTEGER NOT NULL, streak_drops INTEGER NOT NULL"
	") WITHOUT ROWID;",

	/* 3: leaks found in the systemd journal, and lines relayed by a syslog daemon */
	"ALTER TABLE leak_locations ADD COLUMN source TEXT;"      /* file | catchup | journal; NULL: file */
	"ALTER TABLE leak_locations ADD COLUMN journal_unit TEXT;"
	"ALTER TABLE leak_locations ADD COLUMN journal_identifier TEXT;"
	"ALTER TABLE leak_locations ADD COLUMN journal_cursor TEXT;"
	"ALTER TABLE leak_locations ADD COLUMN origin_comm TEXT;" /* the relayed line's program */
	"ALTER TABLE leak_locations ADD COLUMN origin_pid INTEGER;"
	"ALTER TABLE leak_locations ADD COLUMN writer_comm TEXT;",

	/* 4: whether a listener answers without credentials, as the agent's probe found;
	 * and the labels an alert was last announced with, when an update changed them */
	"ALTER TABLE listeners ADD COLUMN auth_state TEXT;"      /* none | required | tls | unknown; NULL: not probed */
	"ALTER TABLE listeners ADD COLUMN auth_protocol TEXT;"
	"ALTER TABLE listeners ADD COLUMN auth_evidence TEXT;"
	"ALTER TABLE listeners ADD COLUMN auth_probed_ns INTEGER;"
	"ALTER TABLE listeners ADD COLUMN auth_tls INTEGER;"
	"ALTER TABLE listeners ADD COLUMN auth_client_cert TEXT;"
	"ALTER TABLE alerts ADD COLUMN prev_labels TEXT;",

	/* 5: the listener's namespace by its cookie, which is never reused (its
	 * inode is, once the namespace is gone), and by its `ip netns` name */
	"ALTER TABLE listeners ADD COLUMN netns_cookie INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE listeners ADD COLUMN netns_name TEXT;",

	/* 6: the host name was checked against the sending credential's hosts */
	"ALTER TABLE listeners ADD COLUMN host_verified INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE leak_locations ADD COLUMN host_verified INTEGER NOT NULL DEFAULT 0;",

	/* 7: the container's image, and a log's name before logrotate renamed it */
	"ALTER TABLE listeners ADD COLUMN container_image TEXT;"
	"ALTER TABLE leak_locations ADD COLUMN container_image TEXT;"
	"ALTER TABLE leak_locations ADD COLUMN previous_path TEXT;",

	/* 8: the pages' lists and histories, each an index walk however large the fleet */
	"CREATE INDEX listeners_open_rank ON listeners(severity DESC, hostname, port) WHERE state = 'open';"
	"CREATE INDEX listeners_open_namespace ON listeners(pod_namespace, severity DESC, hostname, port)"
	"  WHERE state = 'open' AND pod_namespace IS NOT NULL;"
	"CREATE INDEX leaks_open_rank ON leaks(severity DESC, last_seen_ns DESC) WHERE acked_ns IS NULL;"
	"CREATE INDEX leak_locations_namespace ON leak_locations(pod_namespace) WHERE pod_namespace IS NOT NULL;"
	/* the rowids of a listener's, or a leak location's, latest events: one
	 * point lookup each for its history, where an index over events would
	 * cost every insert a random page write (ingest fell to 40%) */
	"ALTER TABLE listeners ADD COLUMN history TEXT;"
	"ALTER TABLE leak_locations ADD COLUMN history TEXT;",

	/* 9: work one collector at a time does, when several share a database (lease.h) */
	"CREATE TABLE leases ("
	"  name TEXT PRIMARY KEY NOT NULL, holder TEXT NOT NULL, until_ns INTEGER NOT NULL"
	") WITHOUT ROWID;",

	/* 10: keys every collector on the database signs with (the pages'
	 * sessions), made by the first one and read back by all (sharedkey.h) */
	"CREATE TABLE shared_keys ("
	"  name TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL, created_ns INTEGER NOT NULL"
	") WITHOUT ROWID;",

	/* 11: sessions signed out of, until they would have expired, so that
	 * every collector on the database refuses them (signout.h) */
	"CREATE TABLE signed_out ("
	"  mac TEXT PRIMARY KEY NOT NULL, expires_ns INTEGER NOT NULL"
	") WITHOUT ROWID;",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == STORE_SCHEMA_VERSION,
	       "one migration per schema version");

static int sqlite_version(struct db *db, int *v)
{
	struct db_stmt *st;
	int rc;

	if (db__prepare(db, "PRAGMA user_version", &st) != DB_OK)
		return -EIO;
	rc = db__step(st);
	if (rc == DB_ROW)
		*v = db__column_int(st, 0);
	db__finalize(st);
	return rc == DB_ROW ? 0 : -EIO;
}

static int sqlite_migrate(struct db *db, char *err, size_t errlen)
{
	char sql[64];
	int v = 0;

	if (db__begin(db) != DB_OK) {
		snprintf(err, errlen, "cannot lock the database: %s", db__errmsg(db));
		return -EIO;
	}
	if (sqlite_version(db, &v))
		goto failed;
	if (v > STORE_SCHEMA_VERSION) {
		db__exec(db, "ROLLBACK");
		snprintf(err, errlen, "schema version %d is newer than this collector's (%d)", v,
			 STORE_SCHEMA_VERSION);
		return -EIO;
	}
	for (; v < STORE_SCHEMA_VERSION; v++) {
		if (db__exec(db, migrations[v]) != DB_OK)
			goto failed;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (db__exec(db, sql) != DB_OK)
			goto failed;
	}
	if (db__exec(db, "COMMIT") != DB_OK)
		goto failed;
	return 0;
failed:
	snprintf(err, errlen, "migrating to schema version %d: %s", v + 1, db__errmsg(db));
	db__exec(db, "ROLLBACK");
	return -EIO;
}

int schema__version(struct db *db, int *v)
{
	return db__driver(db) == DB_POSTGRES ? schema_pg__version(db, v) : sqlite_version(db, v);
}

int schema__migrate(struct db *db, char *err, size_t errlen)
{
	return db__driver(db) == DB_POSTGRES ? schema_pg__migrate(db, err, errlen) : sqlite_migrate(db, err, errlen);
}
