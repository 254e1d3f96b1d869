/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The statements alertdb.c prepares once: the alerts, their routes to
 * sinks, the listener groups, acknowledgements and the agents watched for
 * silence. Kept apart from the code that binds and runs them. Private to
 * alertdb/.
 */
#ifndef COLLECTOR_ALERTDBSQL_H
#define COLLECTOR_ALERTDBSQL_H

enum alertdb_query {
	Q_STATE,
	Q_FIRE,
	Q_UNROUTE,
	Q_ROUTE,
	Q_BUMP,
	Q_RESOLVE,
	Q_SINKS_OF,
	Q_GROUP_FIRING,
	Q_FIRING_DETAILS,
	Q_ROW_STATE,
	Q_GROUP_GET,
	Q_GROUP_PUT,
	Q_GROUPS_DUE,
	Q_GROUP_COUNT,
	Q_GROUP_SINGLE,
	Q_GROUP_RELEASE,
	Q_GROUP_SEND,
	Q_GROUP_MARK,
	Q_GROUP_WINDOW,
	Q_ROW_DELETE,
	Q_LEAK_ACKED,
	Q_LEAK_ACK,
	Q_LEAK_ALERTS,
	Q_LISTENER_CUR,
	Q_AGENT_CUR,
	Q_WATCH_GET,
	Q_WATCH_PUT,
	Q_SILENT,
	Q_ORPHANS,
	Q_SINK_FIRING,
	Q_EXPIRE_SINKS,
	Q_EXPIRE_ALERTS,
	Q_EXPIRE_GROUPS,
	Q_EXPIRE_WATCH,
	Q_UPDATE,
	Q_ROUTED,
	Q_UNROUTE_SINK,
	Q__COUNT,
};

extern const char *const alertdb_sql[Q__COUNT];

#endif
