/* SPDX-License-Identifier: Apache-2.0 */
/*
 * On PostgreSQL, the locks a batch's rows need, taken first and in one
 * order: the hosts it names (their listeners, leak locations, alert groups,
 * and the events they sent, which two collectors may both be given) and
 * its leaks' fingerprints. Two collectors' batches that share a host or a
 * leak then wait for each other at the start, instead of meeting half-way
 * in a deadlock that PostgreSQL finds only after deadlock_timeout (1 s)
 * and settles by aborting one: two collectors on batches that overlapped
 * took 2 s a batch. Batches that share nothing run at once. SQLite, with
 * one writer, needs none of it.
 */
#ifndef COLLECTOR_ROWLOCKS_H
#define COLLECTOR_ROWLOCKS_H

struct db;
struct db_stmt;
struct ingest_batch;

/* The statement rowlocks__take runs, or NULL where none is needed (SQLite). */
int rowlocks__prepare(struct db *db, struct db_stmt **out);
/* Takes b's locks, in the order of their keys; they last until the
 * transaction ends. 0, -ENOMEM, or -EIO. */
int rowlocks__take(struct db_stmt *lock, const struct ingest_batch *b);

#endif
