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

/* --- listeners --- */

#define LISTENERS_SQL(v4)                                                                          \
	"SELECT hostname, netns, protocol, address, port, state, first_seen_ns, last_seen_ns,"      \
	" state_ns, last_event_id, machine_id, severity, exposure, wildcard, expected, unexpected," \
	" source, reachable, reachable_total, service, service_category, service_by, comm, pid, exe," \
	" uid, \"user\", container_id, container_runtime, pod_uid, pod_name, pod_namespace,"            \
	" container_name, " v4                                                                       \
	" FROM listeners WHERE last_seen_ns >= ?1 AND (hostname = ?2 OR ?2 IS NULL)"                \
	" AND severity >= ?4 AND NOT (?5 <> 0 AND state != 'open')"                                      \
	" ORDER BY severity DESC, state = 'open' DESC, last_seen_ns DESC LIMIT ?3"
static const char listeners_sql[] = LISTENERS_SQL(
	"auth_state, auth_protocol, auth_evidence, auth_probed_ns, auth_tls, auth_client_cert, host_verified,"
	" container_image");
/* databases never opened by a collector that migrates: schema 4 to 6, and 3 or older */
static const char listeners_v6_sql[] = LISTENERS_SQL(
	"auth_state, auth_protocol, auth_evidence, auth_probed_ns, auth_tls, auth_client_cert, host_verified, NULL");
static const char listeners_v3_sql[] = LISTENERS_SQL("NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL");

static void format_address(struct db_stmt *st, int i, char buf[LW_ADDR_STRLEN])
{
	const void *b = db__column_blob(st, i);
	int n = db__column_bytes(st, i);
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
static void auth_json(struct jsonw *w, struct db_stmt *st, int i)
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
	jsonw__kv_bool(w, "tls", db__column_int(st, i + 4));
	kv_opt(w, "client_cert", st, i + 5);
	jsonw__end_object(w);
}

/* Who listens: the process, and the container and pod where there is one. */
static void who_json(struct jsonw *w, struct db_stmt *st)
{
	jsonw__key(w, "process");
	jsonw__begin_object(w);
	kv_opt(w, "comm", st, 22);
	jsonw__kv_u64(w, "pid", u64(st, 23));
	kv_opt(w, "exe", st, 24);
	jsonw__kv_u64(w, "uid", u64(st, 25));
	kv_opt(w, "user", st, 26);
	jsonw__end_object(w);
	kv_container(w, st, &(struct container_cols){ .id = 27, .runtime = 28, .pod_uid = 29, .pod_name = 30,
						      .pod_namespace = 31, .name = 32, .image = 40 });
}

int query_rows__listeners(struct db *db, const struct query_filter *f, struct findings *fs)
{
	struct db_stmt *st;
	int rc, err = 0;

	if (db__prepare(db, listeners_sql, &st) != DB_OK &&
	    db__prepare(db, listeners_v6_sql, &st) != DB_OK &&
	    db__prepare(db, listeners_v3_sql, &st) != DB_OK)
		return -EIO;
	bind_filter(st, f);
	while (!err && (rc = db__step(st)) == DB_ROW) {
		struct finding fd = { .kind = STORE_LISTENER };
		char addr[LW_ADDR_STRLEN];
		const char *proto = text(st, 2), *state = text(st, 5), *svc = text(st, 19);
		struct jsonw w;
		bool v6 = db__column_bytes(st, 3) == 16;

		format_address(st, 3, addr);
		fd.severity = db__column_int(st, 11);
		fd.active = state && !strcmp(state, "open");
		fd.last_seen_ns = u64(st, 7);
		begin_finding(&w, "listener", fd.severity);
		jsonw__kv_str(&w, "host", text(st, 0));
		jsonw__kv_str(&w, "machine_id", text(st, 10));
		jsonw__kv_str(&w, "state", state);
		jsonw__kv_str(&w, "protocol", proto);
		jsonw__kv_str(&w, "address", addr);
		jsonw__kv_u64(&w, "port", u64(st, 4));
		jsonw__kv_u64(&w, "netns", u64(st, 1));
		jsonw__kv_str(&w, "exposure", text(st, 12));
		jsonw__kv_bool(&w, "wildcard", db__column_int(st, 13));
		jsonw__kv_bool(&w, "expected", db__column_int(st, 14));
		jsonw__kv_bool(&w, "unexpected", db__column_int(st, 15));
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
		who_json(&w, st);
		auth_json(&w, st, 33);
		/* the host name was checked against the sending credential's hosts */
		jsonw__kv_bool(&w, "host_verified", db__column_int(st, 39));
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
				    u64(st, 23), db__column_int(st, 15) ? ", unexpected" : "",
				    text(st, 33) ? ", auth " : "", text(st, 33) ?: "");
		err = add(fs, &fd, &w);
	}
	if (!err && rc != DB_DONE)
		err = -EIO;
	db__finalize(st);
	return err;
}
