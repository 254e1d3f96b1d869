/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SQL behind the pages, in one place, and the columns each returns.
 * Every list is bounded (LIMIT/OFFSET) and walks an index: the open
 * listeners by severity and host (listeners_open_rank), or in a namespace
 * (listeners_open_namespace); unacknowledged leaks by severity and time
 * (leaks_open_rank), those of a host or namespace through their locations
 * (leak_locations_host, leak_locations_namespace), all of schema version 8;
 * a finding's history by the rowids its row keeps (store.h).
 */
#ifndef COLLECTOR_UISQL_H
#define COLLECTOR_UISQL_H

/*
 * The lists are put together from parts, so that a filter is a plain
 * equality an index can serve (an "?1 IS NULL OR" form cannot): the
 * query, then the host part when ?1 (host) is given, the namespace part
 * when ?2 (namespace) is, then the order for a list (not for a count).
 * ?3 minimum severity, ?4 limit, ?5 offset.
 */
extern const char UISQL_OPEN_LISTENERS[];
extern const char UISQL_COUNT_OPEN_LISTENERS[];
extern const char UISQL_LISTENERS_HOST[], UISQL_LISTENERS_NAMESPACE[], UISQL_LISTENERS_ORDER[];
enum uisql_listener_col {
	LC_HOST, LC_NETNS, LC_PROTO, LC_ADDRESS, LC_PORT, LC_SEVERITY, LC_EXPOSURE, LC_SERVICE,
	LC_AUTH, LC_COMM, LC_PID, LC_EXE, LC_NAMESPACE, LC_POD, LC_CONTAINER, LC_FIRST_SEEN,
	LC_STATE, LC_STATE_NS, LC_WILDCARD, LC_EXPECTED, LC_SOURCE, LC_REACHABLE, LC_SERVICE_BY,
	LC_AUTH_PROTOCOL, LC_AUTH_EVIDENCE, LC_AUTH_PROBED, LC_USER, LC_IMAGE, LC_NETNS_NAME,
	LC_LAST_SEEN, LC_HOST_VERIFIED, LC_HISTORY,
};
/* one listener: ?1 host, ?2 netns, ?3 protocol, ?4 address (blob), ?5 port */
extern const char UISQL_LISTENER[];

/* the same parts for unacknowledged leaks */
extern const char UISQL_OPEN_LEAKS[];
extern const char UISQL_COUNT_OPEN_LEAKS[];
extern const char UISQL_LEAKS_HOST[], UISQL_LEAKS_NAMESPACE[], UISQL_LEAKS_ORDER[];
enum uisql_leak_col {
	KC_FINGERPRINT, KC_RULE, KC_FAMILY, KC_SEVERITY, KC_REDACTED, KC_FIRST_SEEN, KC_LAST_SEEN,
	KC_COUNT, KC_HOSTS, KC_FILES, KC_TOP_HOST, KC_TOP_PATH, KC_EVENTS, KC_ACKED, KC_ACKED_BY,
};
/* one leak: ?1 fingerprint */
extern const char UISQL_LEAK[];
/* its locations: ?1 fingerprint, most recent first */
extern const char UISQL_LEAK_LOCATIONS[];
enum uisql_location_col {
	XC_HOST, XC_PATH, XC_PREVIOUS_PATH, XC_FIRST_SEEN, XC_LAST_SEEN, XC_COUNT, XC_COMM, XC_PID,
	XC_EXE, XC_NAMESPACE, XC_POD, XC_CONTAINER, XC_IMAGE, XC_SOURCE, XC_UNIT, XC_ORIGIN_COMM,
	XC_WRITER_COMM, XC_HISTORY,
};

/* one event of a history (store.h): ?1 its rowid, if it is still of ?2
 * kind, ?3 host (or NULL) and ?4 fingerprint (or NULL) */
extern const char UISQL_EVENT[];
/* the histories of every location of a leak: ?1 fingerprint */
extern const char UISQL_LEAK_HISTORIES[];
enum uisql_event_col { EC_TIME, EC_RECEIVED, EC_HOST, EC_BODY };

/* alerts of a finding: ?1 key (listener) or fingerprint (leak) */
extern const char UISQL_ALERT_BY_KEY[];
extern const char UISQL_ALERTS_BY_FINGERPRINT[];
enum uisql_alert_col { AC_KEY, AC_STATUS, AC_HOST, AC_STARTS, AC_ENDS, AC_COUNT };

/* agents, silent first: ?1 silence cutoff (ns), ?2 limit, ?3 offset */
extern const char UISQL_AGENTS[];
extern const char UISQL_COUNT_AGENTS[];     /* ?1 cutoff: all, and how many are silent */
enum uisql_agent_col {
	GC_HOST, GC_AGENT, GC_VERSION, GC_HEARD, GC_UPTIME, GC_LISTENERS, GC_DROPS, GC_SPOOL_BYTES,
	GC_SPOOL_RECORDS, GC_SPOOL_AGE, GC_SPOOL_FULL, GC_PROGRAMS, GC_FIRST_SEEN, GC_SILENT,
	GC_DROP_REASONS,
};

#endif
