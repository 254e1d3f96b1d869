/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Leases: work that one collector at a time must do when several share a
 * database (PostgreSQL): a sink's deliveries, so that each notification is
 * sent once and in order; the alert engine's ticker. A lease is
 * a row naming its holder and when it ends. The holder renews it each time
 * it works; a collector that died lets it run out, and another takes over
 * (at once when it is a new collector on the dead one's host).
 * With one collector (SQLite) it always holds them.
 */
#ifndef COLLECTOR_LEASE_H
#define COLLECTOR_LEASE_H

#include <stdbool.h>
#include <stdint.h>

struct db;

#define LEASE_NAME_MAX 96
#define LEASE_HOLDER_MAX 96

/* This process's name as a holder: host, pid and a random part. */
void lease__holder_id(char out[LEASE_HOLDER_MAX]);

/*
 * Takes or renews the lease `name` until now_ns + ttl_ns, inside the
 * caller's transaction. *held: whether this holder has it now (false: another
 * holds it and it has not run out). 0, or -EIO.
 */
int lease__take(struct db *db, const char *name, const char *holder, uint64_t now_ns, uint64_t ttl_ns,
		bool *held);
/* Gives up every lease of holder (a clean stop), so another takes over at once. */
int lease__release_all(struct db *db, const char *holder);

#endif
