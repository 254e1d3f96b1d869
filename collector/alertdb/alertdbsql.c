// SPDX-License-Identifier: Apache-2.0
#include "alertdb/alertdbsql.h"

/* One string per statement: entries alike in shape are other queries on other tables. */
const char *const alertdb_sql[Q__COUNT] = {
	[Q_STATE] = "SELECT status FROM alerts WHERE key = ?1",
	[Q_FIRING_DETAILS] = "SELECT details FROM alerts WHERE key = ?1 AND status = 'firing'",
	[Q_FIRE] =
		"INSERT INTO alerts (key, kind, status, severity, alertname, hostname, namespace, pod,"
		" service, rule, fingerprint, agent_id, labels, details, summary, description, count,"
		" starts_ns, last_ns, ends_ns, updated_ns)"
		" VALUES (?1, ?2, 'firing', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" ?17, ?17, NULL, ?18)"
		" ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, status = 'firing',"
		" severity = excluded.severity, alertname = excluded.alertname,"
		" hostname = excluded.hostname, namespace = excluded.namespace, pod = excluded.pod,"
		" service = excluded.service, rule = excluded.rule, fingerprint = excluded.fingerprint,"
		" agent_id = excluded.agent_id, labels = excluded.labels, details = excluded.details,"
		" summary = excluded.summary, description = excluded.description, count = excluded.count,"
		" starts_ns = excluded.starts_ns, last_ns = excluded.last_ns, ends_ns = NULL,"
		" updated_ns = excluded.updated_ns, prev_labels = NULL",
	[Q_UNROUTE] = "DELETE FROM alert_sinks WHERE key = ?1",
	[Q_ROUTE] = "INSERT INTO alert_sinks (key, sink, group_row, group_key) VALUES (?1, ?2, ?3, NULL)"
		    " ON CONFLICT (key, sink) DO UPDATE SET group_row = excluded.group_row, group_key = NULL",
	[Q_BUMP] = "UPDATE alerts SET count = count + ?2, last_ns = greatest(last_ns, ?3), updated_ns = ?4"
		   " WHERE key = ?1",
	[Q_RESOLVE] = "UPDATE alerts SET status = 'resolved', ends_ns = greatest(?2, starts_ns), updated_ns = ?3"
		      " WHERE key = ?1 AND status = 'firing'",
	[Q_SINKS_OF] = "SELECT sink, coalesce(group_row, 0), coalesce(group_key, '') FROM alert_sinks"
		       " WHERE key = ?1",
	[Q_GROUP_FIRING] = "SELECT 1 FROM alert_sinks s JOIN alerts a ON a.key = s.key"
			   " WHERE s.sink = ?1 AND s.group_key = ?2 AND a.status = 'firing' LIMIT 1",
	[Q_ROW_STATE] = "SELECT state FROM outbox WHERE id = ?1",
	[Q_GROUP_GET] = "SELECT window_end_ns, coalesce(held, 0) FROM alert_groups"
			" WHERE sink = ?1 AND hostname = ?2",
	[Q_GROUP_PUT] = "INSERT INTO alert_groups (sink, hostname, window_end_ns, held)"
			" VALUES (?1, ?2, ?3, nullif(?4, 0)) ON CONFLICT (sink, hostname) DO UPDATE"
			" SET window_end_ns = excluded.window_end_ns, held = excluded.held",
	[Q_GROUPS_DUE] = "SELECT id, ref, sink FROM outbox WHERE state = 'held' AND due_ns <= ?1"
			 " ORDER BY id LIMIT 64",
	/* every member, closed ones too: grouping may delay a notice, never swallow it */
	[Q_GROUP_COUNT] = "SELECT count(*), coalesce(sum(CASE WHEN a.status = 'firing' THEN 1 ELSE 0 END), 0), min(s.key),"
			  " coalesce(max(a.ends_ns), 0)"
			  " FROM alert_sinks s JOIN alerts a ON a.key = s.key WHERE s.group_row = ?1",
	[Q_GROUP_SINGLE] = "UPDATE outbox SET state = 'pending', action = 'trigger', ref = ?2, due_ns = ?3"
			   " WHERE id = ?1",
	[Q_GROUP_RELEASE] = "UPDATE alert_sinks SET group_row = NULL WHERE group_row = ?1",
	[Q_GROUP_SEND] = "UPDATE outbox SET state = 'pending', due_ns = ?2 WHERE id = ?1",
	[Q_GROUP_MARK] = "UPDATE alert_sinks SET group_key = ?2 WHERE group_row = ?1",
	[Q_GROUP_WINDOW] = "UPDATE alert_groups SET held = NULL,"
			   " window_end_ns = CASE WHEN ?2 > 0 THEN ?2 ELSE window_end_ns END WHERE held = ?1",
	[Q_ROW_DELETE] = "DELETE FROM outbox WHERE id = ?1",
	[Q_LEAK_ACKED] = "SELECT acked_ns IS NOT NULL FROM leaks WHERE fingerprint = ?1",
	[Q_LEAK_ACK] = "UPDATE leaks SET acked_ns = ?2, acked_by = ?3 WHERE fingerprint = ?1",
	[Q_LEAK_ALERTS] = "SELECT key FROM alerts WHERE fingerprint = ?1 AND kind = 'leak'"
			  " AND status = 'firing' LIMIT 64",
	[Q_LISTENER_CUR] = "SELECT last_event_id = ?6 FROM listeners WHERE hostname = ?1 AND netns = ?2"
			   " AND protocol = ?3 AND address = ?4 AND port = ?5",
	[Q_AGENT_CUR] = "SELECT last_event_id = ?2 FROM agents WHERE agent_id = ?1",
	[Q_WATCH_GET] = "SELECT drops_total, uptime_s, dropped_full, drop_streak, clean_streak,"
			" streak_drops FROM agent_watch WHERE agent_id = ?1",
	[Q_WATCH_PUT] = "INSERT INTO agent_watch (agent_id, drops_total, uptime_s,"
			" dropped_full, drop_streak, clean_streak, streak_drops)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (agent_id) DO UPDATE"
			" SET drops_total = excluded.drops_total, uptime_s = excluded.uptime_s,"
			" dropped_full = excluded.dropped_full, drop_streak = excluded.drop_streak,"
			" clean_streak = excluded.clean_streak, streak_drops = excluded.streak_drops",
	[Q_SILENT] = "SELECT agent_id, hostname, agent_version, updated_ns FROM agents"
		     " WHERE updated_ns < ?1 ORDER BY updated_ns LIMIT 1000",
	[Q_ORPHANS] = "SELECT key FROM alerts a WHERE status = 'firing' AND ("
		      " (kind = 'health' AND NOT EXISTS (SELECT 1 FROM agents g WHERE g.agent_id = a.agent_id))"
		      " OR (kind = 'leak' AND NOT EXISTS (SELECT 1 FROM leaks l WHERE l.fingerprint = a.fingerprint)))"
		      " LIMIT 64",
	[Q_SINK_FIRING] = "SELECT 1 FROM alert_sinks s JOIN alerts a ON a.key = s.key"
			  " WHERE s.sink = ?1 AND a.status = 'firing' LIMIT 1",
	/* an alert a notification still refers to stays until it is delivered */
	[Q_EXPIRE_SINKS] = "DELETE FROM alert_sinks WHERE key IN (SELECT key FROM alerts"
			   " WHERE status = 'resolved' AND updated_ns < ?1"
			   " AND key NOT IN (SELECT ref FROM outbox))",
	[Q_EXPIRE_ALERTS] = "DELETE FROM alerts WHERE status = 'resolved' AND updated_ns < ?1"
			    " AND key NOT IN (SELECT ref FROM outbox)",
	[Q_EXPIRE_GROUPS] = "DELETE FROM alert_groups WHERE held IS NULL AND window_end_ns < ?1",
	[Q_EXPIRE_WATCH] = "DELETE FROM agent_watch WHERE agent_id NOT IN (SELECT agent_id FROM agents)",
	/* a firing alert whose severity or summary changed; the labels it was
	 * announced with are kept, so that Alertmanager can be told they ended */
	[Q_UPDATE] = "UPDATE alerts SET prev_labels = CASE WHEN labels != ?3 THEN labels ELSE prev_labels END,"
		     " severity = ?2, labels = ?3, details = ?4, summary = ?5, description = ?6,"
		     " last_ns = greatest(last_ns, ?7), updated_ns = ?8"
		     " WHERE key = ?1 AND status = 'firing' AND (severity != ?2 OR summary != ?5)",
	[Q_ROUTED] = "SELECT 1 FROM alert_sinks WHERE key = ?1 AND sink = ?2",
	[Q_UNROUTE_SINK] = "DELETE FROM alert_sinks WHERE key = ?1 AND sink = ?2",
};
