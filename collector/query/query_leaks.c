// SPDX-License-Identifier: Apache-2.0
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "net/addr.h"
#include "wire/names.h"
#include "leakwatch/v1/leakwatch.pb-c.h"
#include "wire/render.h"
#include "query/queryrow.h"

#define MAX_LOCATIONS 100

/* --- leaks --- */

#define LEAKS_SQL(acked, unacked)                                                                  \
	"SELECT fingerprint, rule, family, severity, redacted, first_seen_ns, last_seen_ns,"       \
	" total_count, events, " acked " FROM leaks WHERE last_seen_ns >= ?1 AND ("                \
	" fingerprint IN (SELECT fingerprint FROM leak_locations WHERE hostname = ?2) OR ?2 IS NULL)" \
	" AND severity >= ?4 AND (?6 = 0 OR " unacked ")"                                         \
	" ORDER BY severity DESC, last_seen_ns DESC LIMIT ?3"
static const char leaks_sql[] = LEAKS_SQL("acked_ns, acked_by", "acked_ns IS NULL");
/* a database of schema version 1, never opened by a collector that migrates */
static const char leaks_v1_sql[] = LEAKS_SQL("NULL, NULL", "1 = 1");

static const char hosts_sql[] =
	"SELECT hostname, count(*) FROM leak_locations WHERE fingerprint = ?1"
	" GROUP BY hostname ORDER BY hostname";

/* one statement per schema a database may still have, as query_listeners.c has for its own columns */
#define LOCATIONS_SQL(v3)                                                                          \
	"SELECT hostname, path, first_seen_ns, last_seen_ns, count, events, last_event_id, device,"  \
	" inode, last_offset, comm, pid, exe, container_id, pod_uid, pod_name, pod_namespace,"       \
	" container_name, count(*) OVER (), " v3 " FROM leak_locations"                              \
	" WHERE fingerprint = ?1 AND (hostname = ?2 OR ?2 IS NULL)"                                  \
	" ORDER BY last_seen_ns DESC LIMIT ?3"
static const char locations_sql[] = LOCATIONS_SQL(
	"source, journal_unit, journal_identifier, journal_cursor, origin_comm, origin_pid, writer_comm,"
	" host_verified, container_image, previous_path");
/* databases never opened by a collector that migrates: schema 3 to 6, and 2 or older */
static const char locations_v6_sql[] = LOCATIONS_SQL(
	"source, journal_unit, journal_identifier, journal_cursor, origin_comm, origin_pid, writer_comm,"
	" host_verified, NULL, NULL");
static const char locations_v2_sql[] = LOCATIONS_SQL("NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL");

/* A journal location names its entry; a relayed line its origin and writer. */
static void location_source(struct jsonw *w, struct db_stmt *st)
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
static int leak_locations(struct db *db, const struct query_filter *f, const char *fp,
			  struct jsonw *w, struct finding *fd, char **first_place, uint64_t *n_files)
{
	struct db_stmt *st;
	size_t n_hosts = 0;
	char *one_host = NULL;
	int rc;

	if (db__prepare(db, hosts_sql, &st) != DB_OK)
		return -EIO;
	db__bind_text(st, 1, fp, -1);
	jsonw__key(w, "hosts");
	jsonw__begin_array(w);
	while ((rc = db__step(st)) == DB_ROW) {
		if (!n_hosts++)
			one_host = xstrdup(text(st, 0));
		jsonw__string(w, text(st, 0));
	}
	jsonw__end_array(w);
	db__finalize(st);
	if (rc != DB_DONE) {
		free(one_host);
		return -EIO;
	}
	if (n_hosts == 1) {
		fd->host = one_host;
	} else {
		free(one_host);
		fd->host = xasprintf("%zu hosts", n_hosts);
	}

	if (db__prepare(db, locations_sql, &st) != DB_OK &&
	    db__prepare(db, locations_v6_sql, &st) != DB_OK &&
	    db__prepare(db, locations_v2_sql, &st) != DB_OK)
		return -EIO;
	db__bind_text(st, 1, fp, -1);
	if (f->host)
		db__bind_text(st, 2, f->host, -1);
	db__bind_int(st, 3, MAX_LOCATIONS);
	*n_files = 0;
	jsonw__key(w, "locations");
	jsonw__begin_array(w);
	while ((rc = db__step(st)) == DB_ROW) {
		if (!*first_place)
			*first_place = xasprintf("%s:%s", text(st, 0) ?: "", text(st, 1) ?: "");
		*n_files = u64(st, 18);
		jsonw__begin_object(w);
		jsonw__kv_str(w, "host", text(st, 0));
		jsonw__kv_str(w, "path", text(st, 1));
		kv_opt(w, "previous_path", st, 28);
		jsonw__kv_bool(w, "host_verified", db__column_int(st, 26));
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
		kv_container(w, st, &(struct container_cols){ .id = 13, .runtime = -1, .pod_uid = 14, .pod_name = 15,
							      .pod_namespace = 16, .name = 17, .image = 27 });
		kv_id(w, "last_event_id", st, 6);
		jsonw__end_object(w);
	}
	jsonw__end_array(w);
	db__finalize(st);
	jsonw__kv_u64(w, "locations_total", *n_files);
	return rc == DB_DONE ? 0 : -EIO;
}

int query_rows__leaks(struct db *db, const struct query_filter *f, struct findings *fs)
{
	struct db_stmt *st;
	int rc, err = 0;

	if (db__prepare(db, leaks_sql, &st) != DB_OK &&
	    db__prepare(db, leaks_v1_sql, &st) != DB_OK)
		return -EIO;
	bind_filter(st, f);
	while (!err && (rc = db__step(st)) == DB_ROW) {
		struct finding fd = { .kind = STORE_LEAK, .active = true };
		char *place = NULL;
		uint64_t n_files = 0;
		struct jsonw w;

		fd.severity = db__column_int(st, 3);
		fd.last_seen_ns = u64(st, 6);
		begin_finding(&w, "leak", fd.severity);
		jsonw__kv_str(&w, "fingerprint", text(st, 0));
		jsonw__kv_str(&w, "rule", text(st, 1));
		jsonw__kv_str(&w, "family", text(st, 2));
		jsonw__kv_str(&w, "redacted", text(st, 4));
		jsonw__kv_u64(&w, "count", u64(st, 7));
		jsonw__kv_u64(&w, "events", u64(st, 8));
		kv_time(&w, "first_seen", u64(st, 5));
		kv_time(&w, "last_seen", u64(st, 6));
		jsonw__key(&w, "acknowledged");
		if (db__column_type(st, 9) != DB_NULL) {
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
		fd.id = xstrdup(text(st, 0));
		fd.what = xasprintf("%s %s, %" PRIu64 " time%s in %" PRIu64 " file%s%s%s%s", text(st, 1) ?: "?",
				    text(st, 4) ?: "", u64(st, 7), u64(st, 7) == 1 ? "" : "s", n_files,
				    n_files == 1 ? "" : "s",
				    place ? ": " : "", place ?: "",
				    db__column_type(st, 9) != DB_NULL ? " (acknowledged)" : "");
		free(place);
		err = add(fs, &fd, &w);
	}
	if (!err && rc != DB_DONE)
		err = -EIO;
	db__finalize(st);
	return err;
}
