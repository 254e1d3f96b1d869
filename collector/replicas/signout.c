// SPDX-License-Identifier: Apache-2.0
#include "replicas/signout.h"

#include <errno.h>

#include "db/db.h"
#include "storage/store.h"
#include "web/session.h"

#define NS_PER_S 1000000000ULL

struct signout {
	char id[SESSION_ID_LEN + 1];
	uint64_t expires_s, now_s;
};

static int step_done(struct db *db, const char *sql, const struct signout *o, bool with_expiry)
{
	struct db_stmt *st;
	int rc;

	if (db__prepare(db, sql, &st) != DB_OK)
		return -EIO;
	if (with_expiry) {
		db__bind_text(st, 1, o->id, -1);
		db__bind_int64(st, 2, (int64_t)(o->expires_s * NS_PER_S));
	} else {
		db__bind_int64(st, 1, (int64_t)(o->now_s * NS_PER_S));
	}
	rc = db__step(st);
	db__finalize(st);
	return rc == DB_DONE ? 0 : -EIO;
}

static int record_tx(struct db *db, void *arg)
{
	const struct signout *o = arg;
	int err = step_done(db, "DELETE FROM signed_out WHERE expires_ns <= ?1", o, false);

	return err ? err
		   : step_done(db,
			       "INSERT INTO signed_out (mac, expires_ns) VALUES (?1, ?2) ON CONFLICT (mac) DO NOTHING",
			       o, true);
}

int signout__record(struct store *s, const char *cookie, uint64_t now_s)
{
	struct signout o = { .now_s = now_s };

	if (session__id(cookie, o.id, &o.expires_s))
		return -EINVAL;
	return store__tx(s, record_tx, &o);
}

/* One statement, so a read of its own: no write transaction, and no wait
 * behind the writer's batches. */
int signout__recorded(struct db *db, const char *cookie, bool *out)
{
	char id[SESSION_ID_LEN + 1];
	struct db_stmt *st;
	uint64_t expires_s;
	int rc;

	*out = false;
	if (session__id(cookie, id, &expires_s))
		return 0; /* not a session: nothing to sign out of */
	if (db__prepare(db, "SELECT 1 FROM signed_out WHERE mac = ?1", &st) != DB_OK)
		return -EIO;
	db__bind_text(st, 1, id, -1);
	rc = db__step(st);
	db__finalize(st);
	*out = rc == DB_ROW;
	return rc == DB_ROW || rc == DB_DONE ? 0 : -EIO;
}
