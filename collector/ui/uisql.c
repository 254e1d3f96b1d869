// SPDX-License-Identifier: Apache-2.0
#include "ui/uisql.h"

#define LISTENER_COLS                                                                              \
	"hostname, netns, protocol, address, port, severity, exposure, service, auth_state, comm, "  \
	"pid, exe, pod_namespace, pod_name, container_name, first_seen_ns, state, state_ns, "       \
	"wildcard, expected, source, reachable, service_by, auth_protocol, auth_evidence, "         \
	"auth_probed_ns, \"user\", container_image, netns_name, last_seen_ns, host_verified, history"

#define OPEN_LISTENERS_WHERE " FROM listeners WHERE state = 'open' AND severity >= ?3"

const char UISQL_OPEN_LISTENERS[] = "SELECT " LISTENER_COLS OPEN_LISTENERS_WHERE;
const char UISQL_COUNT_OPEN_LISTENERS[] = "SELECT COUNT(*)" OPEN_LISTENERS_WHERE;
const char UISQL_LISTENERS_HOST[] = " AND hostname = ?1";
const char UISQL_LISTENERS_NAMESPACE[] = " AND pod_namespace = ?2";
const char UISQL_LISTENERS_ORDER[] = " ORDER BY severity DESC, hostname, port LIMIT ?4 OFFSET ?5";
const char UISQL_LISTENER[] =
	"SELECT " LISTENER_COLS " FROM listeners"
	" WHERE hostname = ?1 AND netns = ?2 AND protocol = ?3 AND address = ?4 AND port = ?5";

#define OPEN_LEAKS_WHERE " FROM leaks l WHERE acked_ns IS NULL AND severity >= ?3"

#define LEAK_COLS                                                                                  \
	"l.fingerprint, l.rule, l.family, l.severity, l.redacted, l.first_seen_ns, l.last_seen_ns, " \
	"l.total_count, "                                                                          \
	"(SELECT COUNT(DISTINCT hostname) FROM leak_locations x WHERE x.fingerprint = l.fingerprint), " \
	"(SELECT COUNT(*) FROM leak_locations x WHERE x.fingerprint = l.fingerprint), "            \
	"(SELECT hostname FROM leak_locations x WHERE x.fingerprint = l.fingerprint "              \
	"  ORDER BY last_seen_ns DESC LIMIT 1), "                                                  \
	"(SELECT path FROM leak_locations x WHERE x.fingerprint = l.fingerprint "                  \
	"  ORDER BY last_seen_ns DESC LIMIT 1), "                                                  \
	"l.events, l.acked_ns, l.acked_by"

const char UISQL_OPEN_LEAKS[] = "SELECT " LEAK_COLS OPEN_LEAKS_WHERE;
const char UISQL_COUNT_OPEN_LEAKS[] = "SELECT COUNT(*)" OPEN_LEAKS_WHERE;
/* from the locations' side, so that their indexes choose the few leaks */
const char UISQL_LEAKS_HOST[] =
	" AND l.fingerprint IN (SELECT fingerprint FROM leak_locations WHERE hostname = ?1)";
const char UISQL_LEAKS_NAMESPACE[] =
	" AND l.fingerprint IN (SELECT fingerprint FROM leak_locations WHERE pod_namespace = ?2)";
const char UISQL_LEAKS_ORDER[] = " ORDER BY severity DESC, last_seen_ns DESC LIMIT ?4 OFFSET ?5";
const char UISQL_LEAK[] = "SELECT " LEAK_COLS " FROM leaks l WHERE l.fingerprint = ?1";
const char UISQL_LEAK_LOCATIONS[] =
	"SELECT hostname, path, previous_path, first_seen_ns, last_seen_ns, count, comm, pid, exe, "
	"pod_namespace, pod_name, container_name, container_image, source, journal_unit, origin_comm, "
	"writer_comm, history FROM leak_locations WHERE fingerprint = ?1 ORDER BY last_seen_ns DESC LIMIT 200";

/* the owner too: a rowid that retention freed can be another finding's now */
const char UISQL_EVENT[] = "SELECT time_ns, received_ns, hostname, body FROM events WHERE rowid = ?1"
			   " AND kind = ?2 AND (hostname = ?3 OR ?3 IS NULL) AND (fingerprint = ?4 OR ?4 IS NULL)";
const char UISQL_LEAK_HISTORIES[] =
	"SELECT history FROM leak_locations WHERE fingerprint = ?1 ORDER BY last_seen_ns DESC LIMIT 200";

const char UISQL_ALERT_BY_KEY[] =
	"SELECT key, status, hostname, starts_ns, ends_ns, count FROM alerts WHERE key = ?1";
const char UISQL_ALERTS_BY_FINGERPRINT[] =
	"SELECT key, status, hostname, starts_ns, ends_ns, count FROM alerts WHERE fingerprint = ?1"
	" ORDER BY starts_ns DESC LIMIT 100";

/* silence by the collector's clock (updated_ns: any event of the agent),
 * as the alert engine judges it, never the agent's own */
const char UISQL_AGENTS[] =
	"SELECT hostname, agent_id, agent_version, updated_ns, uptime_s, listeners_open, drops_total, "
	"spool_bytes, spool_records, spool_oldest_age_s, spool_dropped_full, programs, first_seen_ns, "
	"updated_ns < ?1, "
	"(SELECT group_concat(reason || ' ' || count, ', ') FROM agent_drops d"
	"  WHERE d.agent_id = a.agent_id AND count > 0) "
	"FROM agents a ORDER BY updated_ns < ?1 DESC, CASE WHEN updated_ns < ?1 THEN updated_ns END, hostname"
	" LIMIT ?2 OFFSET ?3";
const char UISQL_COUNT_AGENTS[] = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN updated_ns < ?1 THEN 1 ELSE 0 END), 0) FROM agents";
