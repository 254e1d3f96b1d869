// SPDX-License-Identifier: Apache-2.0
#include "replicas/sharedkey.h"

#include <errno.h>
#include <string.h>

#include "db/db.h"
#include "os/clock.h"
#include "os/random.h"
#include "storage/store.h"

#define KEY_MAX 64

struct get {
	const char *name;
	uint8_t *out;
	size_t len;
};

static int get_tx(struct db *db, void *arg)
{
	struct get *g = arg;
	uint8_t fresh[KEY_MAX];
	struct db_stmt *st = NULL;
	int rc, err = -EIO;

	if (random__fill(fresh, g->len))
		return -EIO;
	/* another collector may have made it a moment ago: its key wins */
	if (db__prepare(db,
			"INSERT INTO shared_keys (name, value, created_ns) VALUES (?1, ?2, ?3)"
			" ON CONFLICT (name) DO NOTHING",
			&st) != DB_OK)
		goto out;
	db__bind_text(st, 1, g->name, -1);
	db__bind_blob(st, 2, fresh, (int)g->len);
	db__bind_int64(st, 3, (int64_t)clock__realtime_ns());
	rc = db__step(st);
	db__finalize(st);
	st = NULL;
	if (rc != DB_DONE)
		goto out;
	if (db__prepare(db, "SELECT value FROM shared_keys WHERE name = ?1", &st) != DB_OK)
		goto out;
	db__bind_text(st, 1, g->name, -1);
	if (db__step(st) == DB_ROW && db__column_type(st, 0) == DB_BLOB &&
	    db__column_bytes(st, 0) == (int)g->len) {
		memcpy(g->out, db__column_blob(st, 0), g->len);
		err = 0;
	}
out:
	db__finalize(st);
	explicit_bzero(fresh, sizeof(fresh));
	return err;
}

int sharedkey__get(struct store *s, const char *name, uint8_t *out, size_t len)
{
	struct get g = { .name = name, .out = out, .len = len };

	if (len < 16 || len > KEY_MAX)
		return -EINVAL;
	return store__tx(s, get_tx, &g);
}
