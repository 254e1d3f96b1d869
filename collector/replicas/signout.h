/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sign-outs that every collector on one database honours: a session signed
 * out of on one replica is refused by the others, from the next request.
 * The database keeps each session's id (web/session.h's session__id, half
 * its MAC: it names the session, and cannot be turned back into a cookie)
 * until the session would have expired; expired rows go as new ones come.
 */
#ifndef COLLECTOR_SIGNOUT_H
#define COLLECTOR_SIGNOUT_H

#include <stdbool.h>
#include <stdint.h>

struct db;
struct store;

/* Records that the session of cookie ended. 0; -EINVAL for what is not a
 * session cookie; -EIO when the database fails. */
int signout__record(struct store *s, const char *cookie, uint64_t now_s);
/* Was the session of cookie signed out of, here or on another collector?
 * db: a read-only store's (store__reader_get). -EIO when the database
 * cannot say (the caller refuses the session). */
int signout__recorded(struct db *db, const char *cookie, bool *out);

#endif
