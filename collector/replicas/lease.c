// SPDX-License-Identifier: Apache-2.0
#include "replicas/lease.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db.h"

/* the pid namespace a pid means something in (0 when unknown) */
static unsigned long pid_ns(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) ? 0 : (unsigned long)st.st_ino;
}

void lease__holder_id(char out[LEASE_HOLDER_MAX])
{
	char host[64] = "";
	uint32_t nonce = 0;

	gethostname(host, sizeof(host) - 1);
	/* a restarted process with the same pid is another holder */
	if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce))
		nonce = (uint32_t)getpid() * 2654435761u;
	snprintf(out, LEASE_HOLDER_MAX, "%.40s/%d/%08" PRIx32 "/%lu", host, (int)getpid(), nonce, pid_ns());
}

/* A row comes back only when the lease is this holder's: new, renewed, or
 * taken over from one whose time ran out. ?3 is the lease's length, ?4 now. */
#define TAKE_SQL(now)                                                                               \
	"INSERT INTO leases (name, holder, until_ns) VALUES (?1, ?2, " now " + ?3)"                     \
	" ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until_ns = excluded.until_ns"      \
	" WHERE leases.holder = excluded.holder OR leases.until_ns < " now " RETURNING holder"
static const char take_sql[] = TAKE_SQL("?4");
/* several collectors' clocks may disagree: on PostgreSQL, the server's is
 * the one time they all read (?4 is then unused) */
static const char take_sql_pg[] =
	TAKE_SQL("(extract(epoch FROM clock_timestamp()) * 1000000000)::bigint");

/* A holder on this host and in this pid namespace whose process is gone
 * (a collector killed and restarted here): its leases need not run out
 * first. Another namespace's pid says nothing here (two containers that
 * share the host's name). */
static bool dead_here(const char *holder)
{
	char host[64] = "";
	const char *ns;
	size_t n;
	long pid;

	gethostname(host, sizeof(host) - 1);
	n = strnlen(host, 40);
	ns = strrchr(holder, '/');
	if (!n || strncmp(holder, host, n) || holder[n] != '/' || !ns || !pid_ns() ||
	    strtoul(ns + 1, NULL, 10) != pid_ns())
		return false;
	pid = strtol(holder + n + 1, NULL, 10);
	return pid > 0 && kill((pid_t)pid, 0) && errno == ESRCH;
}

/* Takes the lease from a dead holder of this host, if it still has it. */
static int take_from_dead(struct db *db, const char *name, const char *holder, uint64_t until_ns, bool *held)
{
	struct db_stmt *st;
	char old[LEASE_HOLDER_MAX] = "";
	int rc;

	if (db__prepare(db, "SELECT holder FROM leases WHERE name = ?1", &st) != DB_OK)
		return -EIO;
	db__bind_text(st, 1, name, -1);
	rc = db__step(st);
	if (rc == DB_ROW && db__column_text(st, 0))
		snprintf(old, sizeof(old), "%s", (const char *)db__column_text(st, 0));
	db__finalize(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return -EIO;
	if (!old[0] || !dead_here(old))
		return 0;
	if (db__prepare(db, "UPDATE leases SET holder = ?2, until_ns = ?3 WHERE name = ?1 AND holder = ?4",
			&st) != DB_OK)
		return -EIO;
	db__bind_text(st, 1, name, -1);
	db__bind_text(st, 2, holder, -1);
	db__bind_int64(st, 3, (int64_t)until_ns);
	db__bind_text(st, 4, old, -1);
	rc = db__step(st);
	db__finalize(st);
	*held = rc == DB_DONE && db__changes(db) == 1;
	return rc == DB_DONE ? 0 : -EIO;
}

int lease__take(struct db *db, const char *name, const char *holder, uint64_t now_ns, uint64_t ttl_ns,
		bool *held)
{
	struct db_stmt *st;
	int rc;

	*held = false;
	if (db__prepare(db, db__driver(db) == DB_POSTGRES ? take_sql_pg : take_sql, &st) != DB_OK)
		return -EIO;
	db__bind_text(st, 1, name, -1);
	db__bind_text(st, 2, holder, -1);
	db__bind_int64(st, 3, (int64_t)ttl_ns);
	db__bind_int64(st, 4, (int64_t)now_ns);
	rc = db__step(st);
	*held = rc == DB_ROW;
	db__finalize(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return -EIO;
	return *held ? 0 : take_from_dead(db, name, holder, now_ns + ttl_ns, held);
}

int lease__release_all(struct db *db, const char *holder)
{
	struct db_stmt *st;
	int rc;

	if (db__prepare(db, "DELETE FROM leases WHERE holder = ?1", &st) != DB_OK)
		return -EIO;
	db__bind_text(st, 1, holder, -1);
	rc = db__step(st);
	db__finalize(st);
	return rc == DB_DONE ? 0 : -EIO;
}
