// SPDX-License-Identifier: Apache-2.0
/*
 * The schema in PostgreSQL: the same tables, columns and indexes as
 * schema.c's SQLite migrations, in PostgreSQL's types (BIGINT for SQLite's
 * 64-bit INTEGER, BYTEA for BLOB), with the rowid SQLite gives every table
 * made an identity column, so that the shared SQL (histories, retention)
 * reads the same. A new database is created at version 8 in one step,
 * then migrated as SQLite's; later versions append to both lists.
 *
 * Several collectors may start at once: migrations run in one transaction
 * under an advisory lock, so one migrates and the others find it done.
 */
#include "storage/schema.h"

#include <errno.h>
#include <stdio.h>

#include "db/db.h"
#include "storage/store.h"

/* the first version pg_migrations[0] makes */
#define PG_FIRST 8

/* pg_advisory_xact_lock's key: "lwschema" in ASCII */
#define PG_SCHEMA_LOCK "7526447200394946925"

static const char *const pg_migrations[] = {
	/* 8: everything up to SQLite's version 8 */
	"CREATE FUNCTION lw_hex16(bigint) RETURNS text LANGUAGE sql IMMUTABLE STRICT"
	"  AS $$ SELECT lpad(to_hex($1), 16, '0') $$;"
	/* SQLite's group_concat(value, separator), NULLs skipped, for the pages */
	"CREATE FUNCTION lw_concat_step(acc text, v text, sep text) RETURNS text LANGUAGE sql IMMUTABLE"
	"  AS $$ SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v ELSE acc || sep || v END $$;"
	"CREATE AGGREGATE group_concat(text, text) (SFUNC = lw_concat_step, STYPE = text);"

	"CREATE TABLE events ("
	"  id BYTEA PRIMARY KEY NOT NULL,"
	"  rowid BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,"
	"  kind TEXT NOT NULL, time_ns BIGINT NOT NULL, received_ns BIGINT NOT NULL,"
	"  hostname TEXT NOT NULL, machine_id TEXT NOT NULL, agent_id TEXT NOT NULL,"
	"  batch_sequence BIGINT NOT NULL, severity BIGINT NOT NULL, fingerprint TEXT,"
	"  body BYTEA NOT NULL"
	");"
	"CREATE INDEX events_kind_received ON events(kind, received_ns);"

	"CREATE TABLE listeners ("
	"  rowid BIGINT GENERATED ALWAYS AS IDENTITY,"
	"  hostname TEXT NOT NULL, netns BIGINT NOT NULL, protocol TEXT NOT NULL,"
	"  address BYTEA NOT NULL, port BIGINT NOT NULL, state TEXT NOT NULL,"
	"  first_seen_ns BIGINT NOT NULL, last_seen_ns BIGINT NOT NULL, state_ns BIGINT NOT NULL,"
	"  updated_ns BIGINT NOT NULL, last_event_id BYTEA NOT NULL, machine_id TEXT NOT NULL,"
	"  severity BIGINT NOT NULL, exposure TEXT NOT NULL, wildcard BIGINT NOT NULL,"
	"  expected BIGINT NOT NULL, unexpected BIGINT NOT NULL, source TEXT NOT NULL,"
	"  reachable TEXT NOT NULL, reachable_total BIGINT NOT NULL,"
	"  service TEXT, service_category TEXT, service_by TEXT,"
	"  comm TEXT, pid BIGINT, exe TEXT, uid BIGINT, \"user\" TEXT,"
	"  container_id TEXT, container_runtime TEXT, pod_uid TEXT,"
	"  pod_name TEXT, pod_namespace TEXT, container_name TEXT,"
	"  auth_state TEXT, auth_protocol TEXT, auth_evidence TEXT, auth_probed_ns BIGINT,"
	"  auth_tls BIGINT, auth_client_cert TEXT,"
	"  netns_cookie BIGINT NOT NULL DEFAULT 0, netns_name TEXT,"
	"  host_verified BIGINT NOT NULL DEFAULT 0, container_image TEXT, history TEXT,"
	"  PRIMARY KEY (hostname, netns, protocol, address, port)"
	");"
	"CREATE INDEX listeners_closed ON listeners(updated_ns) WHERE state = 'closed';"
	"CREATE INDEX listeners_open_rank ON listeners(severity DESC, hostname, port) WHERE state = 'open';"
	"CREATE INDEX listeners_open_namespace ON listeners(pod_namespace, severity DESC, hostname, port)"
	"  WHERE state = 'open' AND pod_namespace IS NOT NULL;"

	"CREATE TABLE leaks ("
	"  fingerprint TEXT PRIMARY KEY NOT NULL, rule TEXT NOT NULL, family TEXT NOT NULL,"
	"  severity BIGINT NOT NULL, redacted TEXT NOT NULL, first_seen_ns BIGINT NOT NULL,"
	"  last_seen_ns BIGINT NOT NULL, total_count BIGINT NOT NULL, events BIGINT NOT NULL,"
	"  updated_ns BIGINT NOT NULL, acked_ns BIGINT, acked_by TEXT"
	");"
	"CREATE INDEX leaks_updated ON leaks(updated_ns);"
	"CREATE INDEX leaks_open_rank ON leaks(severity DESC, last_seen_ns DESC) WHERE acked_ns IS NULL;"

	"CREATE TABLE leak_locations ("
	"  rowid BIGINT GENERATED ALWAYS AS IDENTITY,"
	"  fingerprint TEXT NOT NULL, hostname TEXT NOT NULL, path TEXT NOT NULL,"
	"  first_seen_ns BIGINT NOT NULL, last_seen_ns BIGINT NOT NULL, count BIGINT NOT NULL,"
	"  events BIGINT NOT NULL, updated_ns BIGINT NOT NULL, last_event_id BYTEA NOT NULL,"
	"  machine_id TEXT NOT NULL, device TEXT, inode BIGINT, last_offset BIGINT,"
	"  comm TEXT, pid BIGINT, exe TEXT,"
	"  container_id TEXT, pod_uid TEXT, pod_name TEXT, pod_namespace TEXT, container_name TEXT,"
	"  source TEXT, journal_unit TEXT, journal_identifier TEXT, journal_cursor TEXT,"
	"  origin_comm TEXT, origin_pid BIGINT, writer_comm TEXT,"
	"  host_verified BIGINT NOT NULL DEFAULT 0, container_image TEXT, previous_path TEXT,"
	"  history TEXT,"
	"  PRIMARY KEY (fingerprint, hostname, path)"
	");"
	"CREATE INDEX leak_locations_host ON leak_locations(hostname);"
	"CREATE INDEX leak_locations_updated ON leak_locations(updated_ns);"
	"CREATE INDEX leak_locations_namespace ON leak_locations(pod_namespace) WHERE pod_namespace IS NOT NULL;"

	"CREATE TABLE agents ("
	"  agent_id TEXT PRIMARY KEY NOT NULL,"
	"  hostname TEXT NOT NULL, machine_id TEXT NOT NULL, boot_id TEXT NOT NULL,"
	"  agent_version TEXT NOT NULL, node_name TEXT NOT NULL,"
	"  first_seen_ns BIGINT NOT NULL, health_ns BIGINT NOT NULL, updated_ns BIGINT NOT NULL,"
	"  last_event_id BYTEA NOT NULL,"
	"  uptime_s BIGINT, listeners_open BIGINT, bytes_scanned BIGINT,"
	"  events_listener BIGINT, events_leak BIGINT, export_batches BIGINT, export_retries BIGINT,"
	"  drops_total BIGINT NOT NULL, programs TEXT NOT NULL,"
	"  spool_bytes BIGINT, spool_records BIGINT, spool_oldest_age_s BIGINT,"
	"  spool_dropped_full BIGINT, spool_dropped_corrupt BIGINT, spool_write_errors BIGINT"
	");"
	"CREATE INDEX agents_updated ON agents(updated_ns);"
	"CREATE TABLE agent_drops ("
	"  agent_id TEXT NOT NULL, reason TEXT NOT NULL, count BIGINT NOT NULL,"
	"  PRIMARY KEY (agent_id, reason)"
	");"

	"CREATE TABLE alerts ("
	"  key TEXT PRIMARY KEY NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,"
	"  severity BIGINT NOT NULL, alertname TEXT NOT NULL, hostname TEXT NOT NULL,"
	"  namespace TEXT, pod TEXT, service TEXT, rule TEXT, fingerprint TEXT, agent_id TEXT,"
	"  labels TEXT NOT NULL, details TEXT NOT NULL, summary TEXT NOT NULL,"
	"  description TEXT NOT NULL, count BIGINT NOT NULL, starts_ns BIGINT NOT NULL,"
	"  last_ns BIGINT NOT NULL, ends_ns BIGINT, updated_ns BIGINT NOT NULL, prev_labels TEXT"
	");"
	"CREATE INDEX alerts_status ON alerts(status, kind);"
	"CREATE INDEX alerts_fingerprint ON alerts(fingerprint) WHERE fingerprint IS NOT NULL;"
	"CREATE TABLE alert_sinks ("
	"  key TEXT NOT NULL, sink TEXT NOT NULL, group_row BIGINT, group_key TEXT,"
	"  PRIMARY KEY (key, sink)"
	");"
	"CREATE INDEX alert_sinks_group ON alert_sinks(sink, group_key);"
	"CREATE INDEX alert_sinks_group_row ON alert_sinks(group_row) WHERE group_row IS NOT NULL;"
	"CREATE TABLE alert_groups ("
	"  sink TEXT NOT NULL, hostname TEXT NOT NULL, window_end_ns BIGINT NOT NULL, held BIGINT,"
	"  PRIMARY KEY (sink, hostname)"
	");"
	"CREATE TABLE outbox ("
	"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  sink TEXT NOT NULL, action TEXT NOT NULL, ref TEXT NOT NULL, at_ns BIGINT NOT NULL,"
	"  created_ns BIGINT NOT NULL, due_ns BIGINT NOT NULL, state TEXT NOT NULL,"
	"  attempts BIGINT NOT NULL DEFAULT 0, last_error TEXT"
	");"
	"CREATE INDEX outbox_queue ON outbox(sink, state, id);"
	"CREATE TABLE agent_watch ("
	"  agent_id TEXT PRIMARY KEY NOT NULL,"
	"  drops_total BIGINT NOT NULL, uptime_s BIGINT NOT NULL, dropped_full BIGINT NOT NULL,"
	"  drop_streak BIGINT NOT NULL, clean_streak BIGINT NOT NULL, streak_drops BIGINT NOT NULL"
	");",

	/* 9: as SQLite's 9 */
	"CREATE TABLE leases ("
	"  name TEXT PRIMARY KEY NOT NULL, holder TEXT NOT NULL, until_ns BIGINT NOT NULL"
	");",

	/* 10: as SQLite's 10 */
	"CREATE TABLE shared_keys ("
	"  name TEXT PRIMARY KEY NOT NULL, value BYTEA NOT NULL, created_ns BIGINT NOT NULL"
	");",

	/* 11: as SQLite's 11 */
	"CREATE TABLE signed_out ("
	"  mac TEXT PRIMARY KEY NOT NULL, expires_ns BIGINT NOT NULL"
	");",
};

_Static_assert(PG_FIRST + sizeof(pg_migrations) / sizeof(pg_migrations[0]) - 1 == STORE_SCHEMA_VERSION,
	       "one PostgreSQL migration per schema version from PG_FIRST");

static int one_int(struct db *db, const char *sql, int *v)
{
	struct db_stmt *st;
	int rc;

	if (db__prepare(db, sql, &st) != DB_OK)
		return -EIO;
	rc = db__step(st);
	if (rc == DB_ROW)
		*v = db__column_int(st, 0);
	db__finalize(st);
	return rc == DB_ROW ? 0 : -EIO;
}

int schema_pg__version(struct db *db, int *v)
{
	int exists = 0;

	*v = 0;
	if (one_int(db, "SELECT (to_regclass('lw_schema_version') IS NOT NULL)::int", &exists))
		return -EIO;
	return exists ? one_int(db, "SELECT coalesce(max(version), 0) FROM lw_schema_version", v) : 0;
}

int schema_pg__migrate(struct db *db, char *err, size_t errlen)
{
	char sql[96];
	int v = 0;

	/* the lock first: the table it guards may not exist yet */
	if (db__begin(db) != DB_OK || db__exec(db, "SELECT pg_advisory_xact_lock(" PG_SCHEMA_LOCK ")") != DB_OK ||
	    db__exec(db, "CREATE TABLE IF NOT EXISTS lw_schema_version (version BIGINT NOT NULL)") != DB_OK) {
		snprintf(err, errlen, "cannot lock the database: %s", db__errmsg(db));
		db__rollback(db);
		return -EIO;
	}
	if (schema_pg__version(db, &v))
		goto failed;
	if (v > STORE_SCHEMA_VERSION) {
		db__rollback(db);
		snprintf(err, errlen, "schema version %d is newer than this collector's (%d)", v,
			 STORE_SCHEMA_VERSION);
		return -EIO;
	}
	if (v > 0 && v < PG_FIRST) {
		db__rollback(db);
		snprintf(err, errlen, "schema version %d was never written by a collector on PostgreSQL", v);
		return -EIO;
	}
	for (v = v ? v : PG_FIRST - 1; v < STORE_SCHEMA_VERSION; v++) {
		if (db__exec(db, pg_migrations[v + 1 - PG_FIRST]) != DB_OK)
			goto failed;
		snprintf(sql, sizeof(sql), "DELETE FROM lw_schema_version; INSERT INTO lw_schema_version VALUES (%d)",
			 v + 1);
		if (db__exec(db, sql) != DB_OK)
			goto failed;
	}
	if (db__commit(db) != DB_OK)
		goto failed;
	return 0;
failed:
	snprintf(err, errlen, "migrating to schema version %d: %s", v + 1, db__errmsg(db));
	db__rollback(db);
	return -EIO;
}
