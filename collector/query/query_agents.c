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

/* --- agent heartbeats --- */

static const char agents_sql[] =
	"SELECT agent_id, hostname, machine_id, boot_id, agent_version, node_name, first_seen_ns,"
	" health_ns, last_event_id, uptime_s, listeners_open, bytes_scanned, events_listener,"
	" events_leak, export_batches, export_retries, drops_total, programs, spool_bytes,"
	" spool_records, spool_oldest_age_s, spool_dropped_full, spool_dropped_corrupt,"
	" spool_write_errors FROM agents WHERE health_ns >= ?1 AND (hostname = ?2 OR ?2 IS NULL)"
	" ORDER BY health_ns DESC LIMIT ?3";

static int agent_drops(struct db *db, const char *agent_id, struct jsonw *w)
{
	struct db_stmt *st;
	int rc;

	if (db__prepare(db, "SELECT reason, count FROM agent_drops WHERE agent_id = ?1 ORDER BY reason", &st) != DB_OK)
		return -EIO;
	db__bind_text(st, 1, agent_id, -1);
	jsonw__key(w, "drops");
	jsonw__begin_object(w);
	while ((rc = db__step(st)) == DB_ROW)
		jsonw__kv_u64(w, text(st, 0) ?: "", u64(st, 1));
	jsonw__end_object(w);
	db__finalize(st);
	return rc == DB_DONE ? 0 : -EIO;
}

int query_rows__agents(struct db *db, const struct query_filter *f, struct findings *fs)
{
	struct db_stmt *st;
	int rc, err = 0;

	if (db__prepare(db, agents_sql, &st) != DB_OK)
		return -EIO;
	bind_filter(st, f);
	while (!err && (rc = db__step(st)) == DB_ROW) {
		struct finding fd = { .kind = STORE_HEALTH, .active = true };
		uint64_t drops = u64(st, 16), lost = u64(st, 21) + u64(st, 22) + u64(st, 23);
		const char *programs = text(st, 17);
		struct jsonw w;

		/* lost records mean findings that never arrived: worth a look */
		fd.severity = drops || lost ? 2 : 1;
		fd.last_seen_ns = u64(st, 7);
		/* this kind's fields: the other readers list theirs alike */
		begin_finding(&w, "health", fd.severity);
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
	if (!err && rc != DB_DONE)
		err = -EIO;
	db__finalize(st);
	return err;
}
