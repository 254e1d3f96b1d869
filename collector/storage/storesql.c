// SPDX-License-Identifier: Apache-2.0
#include "storage/storesql.h"

#include <stdio.h>
#include <stdlib.h>

/* the stored listener and the event are in two namespaces that had one inode */
#define OTHER_NETNS                                                                           \
	"(listeners.netns_cookie != 0 AND excluded.netns_cookie != 0"                             \
	" AND listeners.netns_cookie != excluded.netns_cookie)"

#define AUTH_KEEP(col)                                                                        \
	" " col " = CASE WHEN excluded.auth_state IS NOT NULL THEN excluded." col                    \
	" WHEN listeners.state = 'open' OR excluded.state = 'closed' THEN listeners." col " END"



/* "col = the newer event's value": for columns that describe the latest state */
#define LATEST(t, c) c " = CASE WHEN excluded.last_seen_ns >= " t ".last_seen_ns THEN excluded." c " ELSE " t "." c " END, "

#define EVENT_COLUMNS                                                                            \
	"INSERT INTO events (id, kind, time_ns, received_ns, hostname, machine_id,"                \
	" agent_id, batch_sequence, severity, fingerprint, body) VALUES "
#define EVENT_CONFLICT " ON CONFLICT (id) DO NOTHING"
#define EVENT_INSERT EVENT_COLUMNS "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)" EVENT_CONFLICT

/* the same without RETURNING: SQLite's costs more than reading changes() and
 * last_insert_rowid() after it */
const char store_event_sql_sqlite[] = EVENT_INSERT;

const char *const store_sql[ST__COUNT] = {
	[ST_EVENT] =
		EVENT_INSERT " RETURNING rowid",
	/* applied only when the event is at least as new as the state it replaces,
	 * so a resent old "open" cannot reopen a listener closed since */
	[ST_LISTENER] =
		"INSERT INTO listeners (hostname, netns, protocol, address, port, state,"
		" first_seen_ns, last_seen_ns, state_ns, updated_ns, last_event_id, machine_id,"
		" severity, exposure, wildcard, expected, unexpected, source, reachable, reachable_total,"
		" service, service_category, service_by, comm, pid, exe, uid, \"user\","
		" container_id, container_runtime, pod_uid, pod_name, pod_namespace, container_name,"
		" auth_state, auth_protocol, auth_evidence, auth_probed_ns, auth_tls, auth_client_cert,"
		" netns_cookie, netns_name, host_verified, container_image, history)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32,"
		" ?33, ?34, ?35, ?36, ?37, ?38, ?39, ?40, ?41, ?42, " HISTORY_PUSH("?43", "NULL") ")"
		" ON CONFLICT (hostname, netns, protocol, address, port) DO UPDATE SET"
		" state = excluded.state, host_verified = excluded.host_verified,"
		/* another namespace's listener starts a history of its own */
		" history = CASE WHEN " OTHER_NETNS " THEN " HISTORY_PUSH("?43", "NULL")
		"  ELSE " HISTORY_PUSH("?43", "listeners.history") " END,"
		/* another namespace that got the inode of a deleted one: its own listener */
		" first_seen_ns = CASE WHEN " OTHER_NETNS " THEN excluded.first_seen_ns"
		"  ELSE least(listeners.first_seen_ns, excluded.first_seen_ns) END,"
		" netns_name = CASE WHEN " OTHER_NETNS " THEN excluded.netns_name"
		"  ELSE coalesce(excluded.netns_name, listeners.netns_name) END,"
		" netns_cookie = CASE excluded.netns_cookie WHEN 0 THEN listeners.netns_cookie ELSE excluded.netns_cookie END,"
		" last_seen_ns = greatest(listeners.last_seen_ns, excluded.last_seen_ns),"
		" state_ns = excluded.state_ns, updated_ns = excluded.updated_ns,"
		" last_event_id = excluded.last_event_id, machine_id = excluded.machine_id,"
		" severity = excluded.severity, exposure = excluded.exposure,"
		" wildcard = excluded.wildcard, expected = excluded.expected,"
		" unexpected = excluded.unexpected, source = excluded.source,"
		" reachable = CASE excluded.reachable WHEN '' THEN listeners.reachable ELSE excluded.reachable END,"
		" reachable_total = CASE excluded.reachable WHEN '' THEN listeners.reachable_total"
		"  ELSE excluded.reachable_total END,"
		/* who listens: the last known answer, since a close may come after
		 * the process is gone and say less */
		" service = coalesce(excluded.service, listeners.service),"
		" service_category = coalesce(excluded.service_category, listeners.service_category),"
		" service_by = coalesce(excluded.service_by, listeners.service_by),"
		" comm = coalesce(excluded.comm, listeners.comm), pid = coalesce(excluded.pid, listeners.pid),"
		" exe = coalesce(excluded.exe, listeners.exe), uid = coalesce(excluded.uid, listeners.uid),"
		" \"user\" = coalesce(excluded.\"user\", listeners.\"user\"),"
		" container_id = coalesce(excluded.container_id, listeners.container_id),"
		" container_runtime = coalesce(excluded.container_runtime, listeners.container_runtime),"
		" pod_uid = coalesce(excluded.pod_uid, listeners.pod_uid),"
		" pod_name = coalesce(excluded.pod_name, listeners.pod_name),"
		" pod_namespace = coalesce(excluded.pod_namespace, listeners.pod_namespace),"
		" container_name = coalesce(excluded.container_name, listeners.container_name),"
		" container_image = coalesce(excluded.container_image, listeners.container_image),"
		/* the probe's verdict: an event without one (an open reported before its
		 * probe ended, a close) keeps the last, unless the listener reopened */
		AUTH_KEEP("auth_state") "," AUTH_KEEP("auth_protocol") "," AUTH_KEEP("auth_evidence") ","
		AUTH_KEEP("auth_probed_ns") "," AUTH_KEEP("auth_tls") "," AUTH_KEEP("auth_client_cert")
		" WHERE excluded.state_ns >= listeners.state_ns"
		/* the close of a namespace's listener cannot close another's */
		" AND NOT (excluded.state = 'closed' AND " OTHER_NETNS ")",
	/* an older event still widens the seen-window */
	[ST_LISTENER_SEEN] =
		"UPDATE listeners SET first_seen_ns = least(first_seen_ns, ?6),"
		" last_seen_ns = greatest(last_seen_ns, ?6), updated_ns = greatest(updated_ns, ?7),"
		" history = " HISTORY_PUSH("?8", "history")
		" WHERE hostname = ?1 AND netns = ?2 AND protocol = ?3 AND address = ?4 AND port = ?5",
	[ST_LEAK] =
		"INSERT INTO leaks (fingerprint, rule, family, severity, redacted, first_seen_ns,"
		" last_seen_ns, total_count, events, updated_ns)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9)"
		" ON CONFLICT (fingerprint) DO UPDATE SET"
		" severity = greatest(leaks.severity, excluded.severity),"
		" first_seen_ns = least(leaks.first_seen_ns, excluded.first_seen_ns),"
		" last_seen_ns = greatest(leaks.last_seen_ns, excluded.last_seen_ns),"
		" total_count = leaks.total_count + excluded.total_count, events = leaks.events + 1,"
		" updated_ns = greatest(leaks.updated_ns, excluded.updated_ns)",
	[ST_LOCATION] =
		"INSERT INTO leak_locations (fingerprint, hostname, path, first_seen_ns, last_seen_ns,"
		" count, events, updated_ns, last_event_id, machine_id, device, inode, last_offset,"
		" comm, pid, exe, container_id, pod_uid, pod_name, pod_namespace, container_name,"
		" source, journal_unit, journal_identifier, journal_cursor, origin_comm, origin_pid,"
		" writer_comm, host_verified, container_image, previous_path, history)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, " HISTORY_PUSH("?31", "NULL") ")"
		" ON CONFLICT (fingerprint, hostname, path) DO UPDATE SET "
		" history = " HISTORY_PUSH("?31", "leak_locations.history") ","
		LATEST("leak_locations", "host_verified")
		LATEST("leak_locations", "source") LATEST("leak_locations", "journal_unit")
		LATEST("leak_locations", "journal_identifier") LATEST("leak_locations", "journal_cursor")
		LATEST("leak_locations", "origin_comm") LATEST("leak_locations", "origin_pid")
		LATEST("leak_locations", "writer_comm")
		LATEST("leak_locations", "last_event_id") LATEST("leak_locations", "machine_id")
		LATEST("leak_locations", "device") LATEST("leak_locations", "inode")
		LATEST("leak_locations", "last_offset") LATEST("leak_locations", "comm")
		LATEST("leak_locations", "pid") LATEST("leak_locations", "exe")
		LATEST("leak_locations", "container_id") LATEST("leak_locations", "pod_uid")
		LATEST("leak_locations", "pod_name") LATEST("leak_locations", "pod_namespace")
		LATEST("leak_locations", "container_name")
		LATEST("leak_locations", "container_image") LATEST("leak_locations", "previous_path")
		" first_seen_ns = least(leak_locations.first_seen_ns, excluded.first_seen_ns),"
		" last_seen_ns = greatest(leak_locations.last_seen_ns, excluded.last_seen_ns),"
		" count = leak_locations.count + excluded.count, events = leak_locations.events + 1,"
		" updated_ns = greatest(leak_locations.updated_ns, excluded.updated_ns)",
	[ST_AGENT] =
		"INSERT INTO agents (agent_id, hostname, machine_id, boot_id, agent_version, node_name,"
		" first_seen_ns, health_ns, updated_ns, last_event_id, uptime_s, listeners_open,"
		" bytes_scanned, events_listener, events_leak, export_batches, export_retries,"
		" drops_total, programs, spool_bytes, spool_records, spool_oldest_age_s,"
		" spool_dropped_full, spool_dropped_corrupt, spool_write_errors)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)"
		" ON CONFLICT (agent_id) DO UPDATE SET"
		" hostname = excluded.hostname, machine_id = excluded.machine_id,"
		" boot_id = excluded.boot_id, agent_version = excluded.agent_version,"
		" node_name = excluded.node_name,"
		" first_seen_ns = least(agents.first_seen_ns, excluded.first_seen_ns),"
		" health_ns = excluded.health_ns, updated_ns = excluded.updated_ns,"
		" last_event_id = excluded.last_event_id, uptime_s = excluded.uptime_s,"
		" listeners_open = excluded.listeners_open, bytes_scanned = excluded.bytes_scanned,"
		" events_listener = excluded.events_listener, events_leak = excluded.events_leak,"
		" export_batches = excluded.export_batches, export_retries = excluded.export_retries,"
		" drops_total = excluded.drops_total, programs = excluded.programs,"
		" spool_bytes = excluded.spool_bytes, spool_records = excluded.spool_records,"
		" spool_oldest_age_s = excluded.spool_oldest_age_s,"
		" spool_dropped_full = excluded.spool_dropped_full,"
		" spool_dropped_corrupt = excluded.spool_dropped_corrupt,"
		" spool_write_errors = excluded.spool_write_errors"
		" WHERE excluded.health_ns >= agents.health_ns",
	[ST_AGENT_SEEN] = ("UPDATE agents SET first_seen_ns = least(first_seen_ns, ?2),"
			   " updated_ns = greatest(updated_ns, ?3) WHERE agent_id = ?1"),
	[ST_DROPS_CLEAR] = "DELETE FROM agent_drops WHERE agent_id = ?1",
	[ST_DROP] = "INSERT INTO agent_drops (agent_id, reason, count) VALUES (?1, ?2, ?3)"
		    " ON CONFLICT (agent_id, reason) DO UPDATE SET count = excluded.count",
};

char *store_event_rows_sql(int n)
{
	/* per row: "(" and STORE_EVENT_PARAMS of "?NNNNN, " and ")," */
	size_t cap = sizeof(EVENT_COLUMNS EVENT_CONFLICT " RETURNING id, rowid") +
		     (size_t)n * (3 + STORE_EVENT_PARAMS * 8);
	char *sql = n > 0 && n <= STORE_EVENT_ROWS ? malloc(cap) : NULL;
	size_t len;

	if (!sql)
		return NULL;
	len = (size_t)snprintf(sql, cap, "%s", EVENT_COLUMNS);
	for (int r = 0; r < n; r++) {
		if (r)
			sql[len++] = ',';
		sql[len++] = '(';
		for (int c = 1; c <= STORE_EVENT_PARAMS; c++)
			len += (size_t)snprintf(sql + len, cap - len, "?%d%s", r * STORE_EVENT_PARAMS + c,
						c < STORE_EVENT_PARAMS ? ", " : ")");
	}
	snprintf(sql + len, cap - len, "%s", EVENT_CONFLICT " RETURNING id, rowid");
	return sql;
}

/* Retention: per kind, each statement takes (?1 cutoff_ns, ?2 max rows). */
const char *const store_expire_sql[STORE_KIND_COUNT][3] = {
	[STORE_LISTENER] = {
		"DELETE FROM events WHERE rowid IN (SELECT rowid FROM events"
		" WHERE kind = 'listener' AND received_ns < ?1 LIMIT ?2)",
		/* open listeners are current state: they stay however old */
		"DELETE FROM listeners WHERE rowid IN (SELECT rowid FROM listeners"
		" WHERE state = 'closed' AND updated_ns < ?1 LIMIT ?2)",
	},
	[STORE_LEAK] = {
		"DELETE FROM events WHERE rowid IN (SELECT rowid FROM events"
		" WHERE kind = 'leak' AND received_ns < ?1 LIMIT ?2)",
		"DELETE FROM leak_locations WHERE rowid IN (SELECT rowid FROM leak_locations"
		" WHERE updated_ns < ?1 LIMIT ?2)",
		/* a leak goes with its last location, so counts never restart half-way */
		"DELETE FROM leaks WHERE fingerprint IN (SELECT fingerprint FROM leaks"
		" WHERE updated_ns < ?1 AND NOT EXISTS (SELECT 1 FROM leak_locations l"
		" WHERE l.fingerprint = leaks.fingerprint) LIMIT ?2)",
	},
	[STORE_HEALTH] = {
		"DELETE FROM events WHERE rowid IN (SELECT rowid FROM events"
		" WHERE kind = 'health' AND received_ns < ?1 LIMIT ?2)",
		"DELETE FROM agent_drops WHERE agent_id IN (SELECT agent_id FROM agents"
		" WHERE updated_ns < ?1 ORDER BY agent_id LIMIT ?2)",
		"DELETE FROM agents WHERE agent_id IN (SELECT agent_id FROM agents"
		" WHERE updated_ns < ?1 ORDER BY agent_id LIMIT ?2)",
	},
};
