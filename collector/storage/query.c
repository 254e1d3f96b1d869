// SPDX-License-Identifier: Apache-2.0
#include "storage/query.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "addr.h"
#include "clock.h"
#include "jsonw.h"
#include "names.h"
#include "leakwatch/v1/leakwatch.pb-c.h"
#include "render.h"
#include "yamlcfg.h"

#define MAX_LOCATIONS 100

/* --- column readers --- */

static const char *text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static uint64_t u64(sqlite3_stmt *st, int i)
{
	return (uint64_t)sqlite3_column_int64(st, i);
}

static void kv_time(struct jsonw *w, const char *key, uint64_t ns)
{
	char buf[LW_RFC3339_LEN];

	jsonw__kv_str(w, key, clock__rfc3339(ns, buf));
}

/* A 16-byte id as a UUID string; other lengths as plain hex. */
static void kv_id(struct jsonw *w, const char *key, sqlite3_stmt *st, int i)
{
	const uint8_t *b = sqlite3_column_blob(st, i);
	int n = sqlite3_column_bytes(st, i);
	char out[40];
	size_t len = 0;

	if (!b || n <= 0 || n > 16) {
		jsonw__kv_str(w, key, NULL);
		return;
	}
	for (int k = 0; k < n; k++) {
		if (n == 16 && (k == 4 || k == 6 || k == 8 || k == 10))
			out[len++] = '-';
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%02x", b[k]);
	}
	jsonw__kv_str(w, key, out);
}

static void kv_opt(struct jsonw *w, const char *key, sqlite3_stmt *st, int i)
{
	jsonw__kv_str(w, key, text(st, i)); /* NULL column: null */
}

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

__attribute__((format(printf, 1, 2)))
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static int push(struct findings *fs, const struct finding *f)
{
	struct finding *v = realloc(fs->v, (fs->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	fs->v = v;
	fs->v[fs->n++] = *f;
	return 0;
}

/* Takes what jsonw built, and the strings, into a finding; frees on failure. */
static int add(struct findings *fs, struct finding *f, struct jsonw *w)
{
	const char *json = jsonw__str(w);

	f->json = json ? strdup(json) : NULL;
	jsonw__free(w);
	if (!f->json || !f->host || !f->what || push(fs, f)) {
		free(f->json);
		free(f->host);
		free(f->what);
		return -ENOMEM;
	}
	return 0;
}

static void bind_filter(sqlite3_stmt *st, const struct query_filter *f)
{
	sqlite3_bind_int64(st, 1, (sqlite3_int64)f->since_ns);
	if (f->host)
		sqlite3_bind_text(st, 2, f->host, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int(st, 3, (int)f->limit);
}

/* --- listeners --- */

#define LISTENERS_SQL(v4)                                                                          \
	"SELECT hostname, netns, protocol, address, port, state, first_seen_ns, last_seen_ns,"      \
	" state_ns, last_event_id, machine_id, severity, exposure, wildcard, expected, unexpected," \
	" source, reachable, reachable_total, service, service_category, service_by, comm, pid, exe," \
	" uid, user, container_id, container_runtime, pod_uid, pod_name, pod_namespace,"            \
	" container_name, " v4                                                                       \
	" FROM listeners WHERE last_seen_ns >= ?1 AND (?2 IS NULL OR hostname = ?2)"                \
	" ORDER BY severity DESC, state = 'open' DESC, last_seen_ns DESC LIMIT ?3"
static const char listeners_sql[] = LISTENERS_SQL(
	"auth_state, auth_protocol, auth_evidence, auth_probed_ns, auth_tls, auth_client_cert");
/* a database of schema version 3 or older, never opened by a collector that migrates */
static const char listeners_v3_sql[] = LISTENERS_SQL("NULL, NULL, NULL, NULL, NULL, NULL");

static void format_address(sqlite3_stmt *st, int i, char buf[LW_ADDR_STRLEN])
{
	const void *b = sqlite3_column_blob(st, i);
	int n = sqlite3_column_bytes(st, i);
	struct lw_addr a;

	if (!b || (n != 4 && n != 16)) {
		snprintf(buf, LW_ADDR_STRLEN, "?");
		return;
	}
	addr__from_bytes(&a, n == 16 ? AF_INET6 : AF_INET, b);
	addr__format(&a, buf);
}

/* "addr|class|interface addr|class|interface" back into objects */
static void reachable_json(struct jsonw *w, const char *s)
{
	jsonw__key(w, "reachable");
	jsonw__begin_array(w);
	while (s && *s) {
		size_t n = strcspn(s, " ");
		const char *bar1 = memchr(s, '|', n), *bar2 = bar1 ? memchr(bar1 + 1, '|', n - (size_t)(bar1 + 1 - s)) : NULL;

		if (bar1 && bar2) {
			jsonw__begin_object(w);
			jsonw__key(w, "address");
			jsonw__string_len(w, s, (size_t)(bar1 - s));
			jsonw__key(w, "class");
			jsonw__string_len(w, bar1 + 1, (size_t)(bar2 - bar1 - 1));
			jsonw__key(w, "interface");
			jsonw__string_len(w, bar2 + 1, n - (size_t)(bar2 + 1 - s));
			jsonw__end_object(w);
		}
		s += n;
		s += strspn(s, " ");
	}
	jsonw__end_array(w);
}

/* "auth" from the columns from i on: state, protocol, evidence, probed_at, tls, client_cert */
static void auth_json(struct jsonw *w, sqlite3_stmt *st, int i)
{
	jsonw__key(w, "auth");
	if (!text(st, i)) {
		jsonw__null(w);
		return;
	}
	jsonw__begin_object(w);
	kv_opt(w, "state", st, i);
	kv_opt(w, "protocol", st, i + 1);
	kv_opt(w, "evidence", st, i + 2);
	kv_time(w, "probed_at", u64(st, i + 3));
	jsonw__kv_bool(w, "tls", sqlite3_column_int(st, i + 4));
	kv_opt(w, "client_cert", st, i + 5);
	jsonw__end_object(w);
}

static int load_listeners(sqlite3 *db, const struct query_filter *f, struct findings *fs)
{
	sqlite3_stmt *st;
	int rc, err = 0;

	if (sqlite3_prepare_v2(db, listeners_sql, -1, &st, NULL) != SQLITE_OK &&
	    sqlite3_prepare_v2(db, listeners_v3_sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	bind_filter(st, f);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct finding fd = { .kind = STORE_LISTENER };
		char addr[LW_ADDR_STRLEN];
		const char *proto = text(st, 2), *state = text(st, 5), *svc = text(st, 19);
		struct jsonw w;
		bool v6 = sqlite3_column_bytes(st, 3) == 16;

		format_address(st, 3, addr);
		fd.severity = sqlite3_column_int(st, 11);
		fd.active = state && !strcmp(state, "open");
		fd.last_seen_ns = u64(st, 7);
		jsonw__init(&w);
		jsonw__begin_object(&w);
		jsonw__kv_str(&w, "kind", "listener");
		jsonw__kv_str(&w, "severity", severity__wire_name(fd.severity));
		jsonw__kv_str(&w, "host", text(st, 0));
		jsonw__kv_str(&w, "machine_id", text(st, 10));
		jsonw__kv_str(&w, "state", state);
		jsonw__kv_str(&w, "protocol", proto);
		jsonw__kv_str(&w, "address", addr);
		jsonw__kv_u64(&w, "port", u64(st, 4));
		jsonw__kv_u64(&w, "netns", u64(st, 1));
		jsonw__kv_str(&w, "exposure", text(st, 12));
		jsonw__kv_bool(&w, "wildcard", sqlite3_column_int(st, 13));
		jsonw__kv_bool(&w, "expected", sqlite3_column_int(st, 14));
		jsonw__kv_bool(&w, "unexpected", sqlite3_column_int(st, 15));
		jsonw__kv_str(&w, "source", text(st, 16));
		reachable_json(&w, text(st, 17));
		jsonw__kv_u64(&w, "reachable_total", u64(st, 18));
		jsonw__key(&w, "service");
		if (svc) {
			jsonw__begin_object(&w);
			jsonw__kv_str(&w, "name", svc);
			kv_opt(&w, "category", st, 20);
			kv_opt(&w, "identified_by", st, 21);
			jsonw__end_object(&w);
		} else {
			jsonw__null(&w);
		}
		jsonw__key(&w, "process");
		jsonw__begin_object(&w);
		kv_opt(&w, "comm", st, 22);
		jsonw__kv_u64(&w, "pid", u64(st, 23));
		kv_opt(&w, "exe", st, 24);
		jsonw__kv_u64(&w, "uid", u64(st, 25));
		kv_opt(&w, "user", st, 26);
		jsonw__end_object(&w);
		jsonw__key(&w, "container");
		if (text(st, 27) || text(st, 29)) {
			jsonw__begin_object(&w);
			kv_opt(&w, "id", st, 27);
			kv_opt(&w, "runtime", st, 28);
			kv_opt(&w, "pod_uid", st, 29);
			kv_opt(&w, "pod_name", st, 30);
			kv_opt(&w, "pod_namespace", st, 31);
			kv_opt(&w, "container_name", st, 32);
			jsonw__end_object(&w);
		} else {
			jsonw__null(&w);
		}
		auth_json(&w, st, 33);
		kv_time(&w, "first_seen", u64(st, 6));
		kv_time(&w, "last_seen", u64(st, 7));
		kv_time(&w, "state_since", u64(st, 8));
		kv_id(&w, "last_event_id", st, 9);
		jsonw__end_object(&w);

		fd.host = xstrdup(text(st, 0));
		/* "redis?": named by its port alone, the weaker identity */
		fd.what = xasprintf("%s %s%s%s:%" PRIu64 " %s, %s%s%s%s, %s pid %" PRIu64 "%s%s%s", proto ?: "?",
				    v6 ? "[" : "", addr, v6 ? "]" : "", u64(st, 4), state ?: "?",
				    text(st, 12) ?: "?", svc ? ", " : "", svc ?: "",
				    svc && text(st, 21) && !strcmp(text(st, 21), "port") ? "?" : "", text(st, 22) ?: "?",
				    u64(st, 23), sqlite3_column_int(st, 15) ? ", unexpected" : "",
				    text(st, 33) ? ", auth " : "", text(st, 33) ?: "");
		err = add(fs, &fd, &w);
	}
	if (!err && rc != SQLITE_DONE)
		err = -EIO;
	sqlite3_finalize(st);
	return err;
}

/* --- leaks --- */

#define LEAKS_SQL(acked)                                                                           \
	"SELECT fingerprint, rule, family, severity, redacted, first_seen_ns, last_seen_ns,"       \
	" total_count, events, " acked " FROM leaks WHERE last_seen_ns >= ?1 AND (?2 IS NULL OR"   \
	" fingerprint IN (SELECT fingerprint FROM leak_locations WHERE hostname = ?2))"            \
	" ORDER BY severity DESC, last_seen_ns DESC LIMIT ?3"
static const char leaks_sql[] = LEAKS_SQL("acked_ns, acked_by");
/* a database of schema version 1, never opened by a collector that migrates */
static const char leaks_v1_sql[] = LEAKS_SQL("NULL, NULL");

static const char hosts_sql[] =
	"SELECT hostname, count(*) FROM leak_locations WHERE fingerprint = ?1"
	" GROUP BY hostname ORDER BY hostname";

#define LOCATIONS_SQL(v3)                                                                          \
	"SELECT hostname, path, first_seen_ns, last_seen_ns, count, events, last_event_id, device,"  \
	" inode, last_offset, comm, pid, exe, container_id, pod_uid, pod_name, pod_namespace,"       \
	" container_name, count(*) OVER (), " v3 " FROM leak_locations"                              \
	" WHERE fingerprint = ?1 AND (?2 IS NULL OR hostname = ?2)"                                  \
	" ORDER BY last_seen_ns DESC LIMIT ?3"
static const char locations_sql[] = LOCATIONS_SQL(
	"source, journal_unit, journal_identifier, journal_cursor, origin_comm, origin_pid, writer_comm");
/* a database of schema version 2 or older, never opened by a collector that migrates */
static const char locations_v2_sql[] = LOCATIONS_SQL("NULL, NULL, NULL, NULL, NULL, NULL, NULL");

/* A journal location names its entry; a relayed line its origin and writer. */
static void location_source(struct jsonw *w, sqlite3_stmt *st)
{
	bool journal = text(st, 19) && !strcmp(text(st, 19), "journal");
	bool catchup = text(st, 19) && !strcmp(text(st, 19), "catchup");

	jsonw__kv_str(w, "source", journal ? "journal" : catchup ? "catchup" : "file");
	if (journal) {
		jsonw__key(w, "journal");
		jsonw__begin_object(w);
		kv_opt(w, "unit", st, 20);
		kv_opt(w, "identifier", st, 21);
		kv_opt(w, "cursor", st, 22);
		jsonw__end_object(w);
	}
	if (text(st, 23)) {
		jsonw__key(w, "origin");
		jsonw__begin_object(w);
		kv_opt(w, "comm", st, 23);
		jsonw__kv_u64(w, "pid", u64(st, 24));
		jsonw__end_object(w);
	}
	if (text(st, 25)) {
		jsonw__key(w, "writer");
		jsonw__begin_object(w);
		kv_opt(w, "comm", st, 25);
		jsonw__end_object(w);
	}
}

/* Writes "hosts" and "locations"; sets the table's host column and first path. */
static int leak_locations(sqlite3 *db, const struct query_filter *f, const char *fp,
			  struct jsonw *w, struct finding *fd, char **first_place, uint64_t *n_files)
{
	sqlite3_stmt *st;
	size_t n_hosts = 0;
	char *one_host = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, hosts_sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
	jsonw__key(w, "hosts");
	jsonw__begin_array(w);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!n_hosts++)
			one_host = xstrdup(text(st, 0));
		jsonw__string(w, text(st, 0));
	}
	jsonw__end_array(w);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(one_host);
		return -EIO;
	}
	if (n_hosts == 1) {
		fd->host = one_host;
	} else {
		free(one_host);
		fd->host = xasprintf("%zu hosts", n_hosts);
	}

	if (sqlite3_prepare_v2(db, locations_sql, -1, &st, NULL) != SQLITE_OK &&
	    sqlite3_prepare_v2(db, locations_v2_sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
	if (f->host)
		sqlite3_bind_text(st, 2, f->host, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, MAX_LOCATIONS);
	*n_files = 0;
	jsonw__key(w, "locations");
	jsonw__begin_array(w);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!*first_place)
			*first_place = xasprintf("%s:%s", text(st, 0) ?: "", text(st, 1) ?: "");
		*n_files = u64(st, 18);
		jsonw__begin_object(w);
		jsonw__kv_str(w, "host", text(st, 0));
		jsonw__kv_str(w, "path", text(st, 1));
		location_source(w, st);
		jsonw__kv_u64(w, "count", u64(st, 4));
		jsonw__kv_u64(w, "events", u64(st, 5));
		kv_time(w, "first_seen", u64(st, 2));
		kv_time(w, "last_seen", u64(st, 3));
		kv_opt(w, "device", st, 7);
		jsonw__kv_u64(w, "inode", u64(st, 8));
		jsonw__kv_u64(w, "last_offset", u64(st, 9));
		jsonw__key(w, "process");
		jsonw__begin_object(w);
		kv_opt(w, "comm", st, 10);
		jsonw__kv_u64(w, "pid", u64(st, 11));
		kv_opt(w, "exe", st, 12);
		jsonw__end_object(w);
		jsonw__key(w, "container");
		if (text(st, 13) || text(st, 14)) {
			jsonw__begin_object(w);
			kv_opt(w, "id", st, 13);
			kv_opt(w, "pod_uid", st, 14);
			kv_opt(w, "pod_name", st, 15);
			kv_opt(w, "pod_namespace", st, 16);
			kv_opt(w, "container_name", st, 17);
			jsonw__end_object(w);
		} else {
			jsonw__null(w);
		}
		kv_id(w, "last_event_id", st, 6);
		jsonw__end_object(w);
	}
	jsonw__end_array(w);
	sqlite3_finalize(st);
	jsonw__kv_u64(w, "locations_total", *n_files);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static int load_leaks(sqlite3 *db, const struct query_filter *f, struct findings *fs)
{
	sqlite3_stmt *st;
	int rc, err = 0;

	if (sqlite3_prepare_v2(db, leaks_sql, -1, &st, NULL) != SQLITE_OK &&
	    sqlite3_prepare_v2(db, leaks_v1_sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	bind_filter(st, f);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct finding fd = { .kind = STORE_LEAK, .active = true };
		char *place = NULL;
		uint64_t n_files = 0;
		struct jsonw w;

		fd.severity = sqlite3_column_int(st, 3);
		fd.last_seen_ns = u64(st, 6);
		jsonw__init(&w);
		jsonw__begin_object(&w);
		jsonw__kv_str(&w, "kind", "leak");
		jsonw__kv_str(&w, "severity", severity__wire_name(fd.severity));
		jsonw__kv_str(&w, "fingerprint", text(st, 0));
		jsonw__kv_str(&w, "rule", text(st, 1));
		jsonw__kv_str(&w, "family", text(st, 2));
		jsonw__kv_str(&w, "redacted", text(st, 4));
		jsonw__kv_u64(&w, "count", u64(st, 7));
		jsonw__kv_u64(&w, "events", u64(st, 8));
		kv_time(&w, "first_seen", u64(st, 5));
		kv_time(&w, "last_seen", u64(st, 6));
		jsonw__key(&w, "acknowledged");
		if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
			jsonw__begin_object(&w);
			kv_time(&w, "at", u64(st, 9));
			kv_opt(&w, "by", st, 10);
			jsonw__end_object(&w);
		} else {
			jsonw__null(&w);
		}
		err = leak_locations(db, f, text(st, 0), &w, &fd, &place, &n_files);
		jsonw__end_object(&w);
		if (err) {
			jsonw__free(&w);
			free(fd.host);
			free(place);
			break;
		}
		fd.what = xasprintf("%s %s, %" PRIu64 " time%s in %" PRIu64 " file%s%s%s%s", text(st, 1) ?: "?",
				    text(st, 4) ?: "", u64(st, 7), u64(st, 7) == 1 ? "" : "s", n_files,
				    n_files == 1 ? "" : "s",
				    place ? ": " : "", place ?: "",
				    sqlite3_column_type(st, 9) != SQLITE_NULL ? " (acknowledged)" : "");
		free(place);
		err = add(fs, &fd, &w);
	}
	if (!err && rc != SQLITE_DONE)
		err = -EIO;
	sqlite3_finalize(st);
	return err;
}

/* --- agent heartbeats --- */

static const char agents_sql[] =
	"SELECT agent_id, hostname, machine_id, boot_id, agent_version, node_name, first_seen_ns,"
	" health_ns, last_event_id, uptime_s, listeners_open, bytes_scanned, events_listener,"
	" events_leak, export_batches, export_retries, drops_total, programs, spool_bytes,"
	" spool_records, spool_oldest_age_s, spool_dropped_full, spool_dropped_corrupt,"
	" spool_write_errors FROM agents WHERE health_ns >= ?1 AND (?2 IS NULL OR hostname = ?2)"
	" ORDER BY health_ns DESC LIMIT ?3";

static int agent_drops(sqlite3 *db, const char *agent_id, struct jsonw *w)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT reason, count FROM agent_drops WHERE agent_id = ?1 ORDER BY reason",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, agent_id, -1, SQLITE_STATIC);
	jsonw__key(w, "drops");
	jsonw__begin_object(w);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		jsonw__kv_u64(w, text(st, 0) ?: "", u64(st, 1));
	jsonw__end_object(w);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static int load_agents(sqlite3 *db, const struct query_filter *f, struct findings *fs)
{
	sqlite3_stmt *st;
	int rc, err = 0;

	if (sqlite3_prepare_v2(db, agents_sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	bind_filter(st, f);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct finding fd = { .kind = STORE_HEALTH, .active = true };
		uint64_t drops = u64(st, 16), lost = u64(st, 21) + u64(st, 22) + u64(st, 23);
		const char *programs = text(st, 17);
		struct jsonw w;

		/* lost records mean findings that never arrived: worth a look */
		fd.severity = drops || lost ? 2 : 1;
		fd.last_seen_ns = u64(st, 7);
		jsonw__init(&w);
		jsonw__begin_object(&w);
		jsonw__kv_str(&w, "kind", "health");
		jsonw__kv_str(&w, "severity", severity__wire_name(fd.severity));
		jsonw__kv_str(&w, "agent_id", text(st, 0));
		jsonw__kv_str(&w, "host", text(st, 1));
		jsonw__kv_str(&w, "machine_id", text(st, 2));
		jsonw__kv_str(&w, "boot_id", text(st, 3));
		jsonw__kv_str(&w, "agent_version", text(st, 4));
		jsonw__kv_str(&w, "node_name", text(st, 5));
		kv_time(&w, "first_seen", u64(st, 6));
		kv_time(&w, "last_seen", u64(st, 7));
		kv_id(&w, "last_event_id", st, 8);
		jsonw__kv_u64(&w, "uptime_seconds", u64(st, 9));
		jsonw__kv_u64(&w, "listeners_open", u64(st, 10));
		jsonw__kv_u64(&w, "bytes_scanned", u64(st, 11));
		jsonw__kv_u64(&w, "events_listener", u64(st, 12));
		jsonw__kv_u64(&w, "events_leak", u64(st, 13));
		jsonw__kv_u64(&w, "export_batches", u64(st, 14));
		jsonw__kv_u64(&w, "export_retries", u64(st, 15));
		jsonw__key(&w, "programs");
		jsonw__begin_array(&w);
		for (const char *p = programs; p && *p;) {
			size_t n = strcspn(p, " ");

			jsonw__string_len(&w, p, n);
			p += n;
			p += strspn(p, " ");
		}
		jsonw__end_array(&w);
		err = agent_drops(db, text(st, 0), &w);
		jsonw__kv_u64(&w, "drops_total", drops);
		jsonw__key(&w, "spool");
		jsonw__begin_object(&w);
		jsonw__kv_u64(&w, "bytes", u64(st, 18));
		jsonw__kv_u64(&w, "records", u64(st, 19));
		jsonw__kv_u64(&w, "oldest_age_seconds", u64(st, 20));
		jsonw__kv_u64(&w, "dropped_full", u64(st, 21));
		jsonw__kv_u64(&w, "dropped_corrupt", u64(st, 22));
		jsonw__kv_u64(&w, "write_errors", u64(st, 23));
		jsonw__end_object(&w);
		jsonw__end_object(&w);
		if (err) {
			jsonw__free(&w);
			break;
		}
		fd.host = xstrdup(text(st, 1));
		fd.what = xasprintf("agent %s %s: up %" PRIu64 "s, %" PRIu64 " dropped, spool %" PRIu64
				    " records (%" PRIu64 " lost)", text(st, 0) ?: "?", text(st, 4) ?: "",
				    u64(st, 9), drops, u64(st, 19), lost);
		err = add(fs, &fd, &w);
	}
	if (!err && rc != SQLITE_DONE)
		err = -EIO;
	sqlite3_finalize(st);
	return err;
}

/* --- all together --- */

static int by_urgency(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;

	if (x->severity != y->severity)
		return y->severity - x->severity;
	if (x->active != y->active)
		return (int)y->active - (int)x->active;
	if (x->last_seen_ns != y->last_seen_ns)
		return y->last_seen_ns > x->last_seen_ns ? 1 : -1;
	return (int)x->kind - (int)y->kind;
}

int query__findings(sqlite3 *db, const struct query_filter *f, struct findings *out)
{
	static int (*const load[STORE_KIND_COUNT])(sqlite3 *, const struct query_filter *,
						    struct findings *) = {
		[STORE_LISTENER] = load_listeners,
		[STORE_LEAK] = load_leaks,
		[STORE_HEALTH] = load_agents,
	};
	struct query_filter q = *f;
	bool any = false;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!q.limit)
		q.limit = QUERY_DEFAULT_LIMIT;
	if (q.limit > QUERY_MAX_LIMIT)
		q.limit = QUERY_MAX_LIMIT;
	for (int k = 0; k < STORE_KIND_COUNT; k++)
		any |= q.kinds[k];
	/* one consistent snapshot across the three tables */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return -EIO;
	for (int k = 0; k < STORE_KIND_COUNT && !err; k++)
		if (!any || q.kinds[k])
			err = load[k](db, &q, out);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (err) {
		query__free(out);
		return err;
	}
	qsort(out->v, out->n, sizeof(*out->v), by_urgency);
	while (out->n > q.limit) {
		struct finding *d = &out->v[--out->n];

		free(d->json);
		free(d->host);
		free(d->what);
	}
	return 0;
}

void query__free(struct findings *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->v[i].json);
		free(fs->v[i].host);
		free(fs->v[i].what);
	}
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
}

char *query__json_document(const struct findings *fs)
{
	size_t len = 64;
	char *doc, *p;

	for (size_t i = 0; i < fs->n; i++)
		len += strlen(fs->v[i].json) + 1;
	doc = malloc(len);
	if (!doc)
		return NULL;
	p = doc + sprintf(doc, "{\"count\":%zu,\"findings\":[", fs->n);
	for (size_t i = 0; i < fs->n; i++) {
		size_t n = strlen(fs->v[i].json);

		if (i)
			*p++ = ',';
		memcpy(p, fs->v[i].json, n);
		p += n;
	}
	strcpy(p, "]}\n");
	return doc;
}

/* Agents send these strings: keep their control characters off the terminal. */
static void print_clean(FILE *out, const char *s, int width)
{
	int n = 0;

	for (; s && *s; s++, n++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
	for (; n < width; n++)
		fputc(' ', out);
}

void query__print_table(FILE *out, const struct findings *fs)
{
	int host_w = 4;

	for (size_t i = 0; i < fs->n; i++) {
		int n = (int)strlen(fs->v[i].host);

		if (n > host_w)
			host_w = n < 40 ? n : 40;
	}
	fprintf(out, "%-9s %-9s %-*s %-24s %s\n", "SEVERITY", "KIND", host_w, "HOST", "LAST SEEN", "FINDING");
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		char when[LW_RFC3339_LEN];

		fprintf(out, "%-9s %-9s ", severity__wire_name(f->severity), store_kind__name(f->kind));
		print_clean(out, f->host, host_w);
		fprintf(out, " %-24s ", clock__rfc3339(f->last_seen_ns, when));
		print_clean(out, f->what, 0);
		fputc('\n', out);
	}
	if (!fs->n)
		fprintf(out, "(no findings)\n");
}

void query__print_json_lines(FILE *out, const struct findings *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		fprintf(out, "%s\n", fs->v[i].json);
}

/* --- time arguments --- */

static int parse_rfc3339(const char *s, uint64_t *out_ns)
{
	struct tm tm;
	const char *p;
	uint64_t frac = 0, scale = 1000000000ULL;
	long offset = 0;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%d", &tm);
	if (!p)
		return -EINVAL;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p = strptime(p + 1, "%H:%M:%S", &tm);
		if (!p)
			return -EINVAL;
		if (*p == '.') {
			for (p++; *p >= '0' && *p <= '9'; p++) {
				if (scale > 1) {
					scale /= 10;
					frac += (uint64_t)(*p - '0') * scale;
				}
			}
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p == '-' ? -1 : 1, hh, mm;

			if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2 || hh > 23 || mm > 59)
				return -EINVAL;
			offset = sign * (hh * 3600L + mm * 60L);
			p += 6;
		} else {
			return -EINVAL; /* RFC 3339 wants the offset */
		}
	}
	if (*p)
		return -EINVAL;
	t = timegm(&tm);
	if (t < 0 || t - offset < 0)
		return -EINVAL;
	*out_ns = (uint64_t)(t - offset) * 1000000000ULL + frac;
	return 0;
}

int query__parse_kinds(const char *list, struct query_filter *f, const char **bad, size_t *bad_len)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		char one[16];
		enum store_kind k;

		if (n >= sizeof(one) || (memcpy(one, p, n), one[n] = '\0', store_kind__parse(one, &k))) {
			*bad = p;
			*bad_len = n;
			return -EINVAL;
		}
		f->kinds[k] = true;
		p += n;
		p += *p == ',';
	}
	return 0;
}

int query__parse_limit(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !v || v > QUERY_MAX_LIMIT)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

int query__parse_since(const char *s, uint64_t now_ns, uint64_t *out_ns)
{
	uint64_t ms;

	if (!s || !*s)
		return -EINVAL;
	if (strspn(s, "0123456789") == strlen(s)) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno || v > 9000000000ULL)
			return -EINVAL;
		*out_ns = (uint64_t)v * 1000000000ULL;
		return 0;
	}
	if (!parse_rfc3339(s, out_ns))
		return 0;
	if (!parse_duration_ms(s, &ms) && ms <= now_ns / 1000000ULL) {
		*out_ns = now_ns - ms * 1000000ULL;
		return 0;
	}
	return -EINVAL;
}

int query__print_events(sqlite3 *db, const struct query_filter *f, FILE *out)
{
	static const char *const sql =
		"SELECT body FROM events WHERE time_ns >= ?1 AND (?2 IS NULL OR hostname = ?2)"
		" AND (?3 OR kind IN (?4, ?5, ?6)) ORDER BY time_ns, id LIMIT ?7";
	const char *kinds[STORE_KIND_COUNT] = { "", "", "" };
	bool any = false;
	sqlite3_stmt *st;
	int n = 0, rc;

	for (int k = 0; k < STORE_KIND_COUNT; k++) {
		any |= f->kinds[k];
		if (f->kinds[k])
			kinds[k] = store_kind__name((enum store_kind)k);
	}
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)f->since_ns);
	if (f->host)
		sqlite3_bind_text(st, 2, f->host, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, !any);
	for (int k = 0; k < STORE_KIND_COUNT; k++)
		sqlite3_bind_text(st, 4 + k, kinds[k], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, f->limit ? (sqlite3_int64)f->limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *body = sqlite3_column_blob(st, 0);
		size_t len = (size_t)sqlite3_column_bytes(st, 0);
		Leakwatch__V1__Event *ev = leakwatch__v1__event__unpack(NULL, len, body);
		char *json = ev ? render__event_string(ev) : NULL;

		if (json) {
			fprintf(out, "%s\n", json);
			n++;
		}
		free(json);
		if (ev)
			leakwatch__v1__event__free_unpacked(ev, NULL);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? n : -EIO;
}
