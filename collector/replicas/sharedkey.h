/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys that every collector on one database must hold alike: the pages'
 * session key, so that a sign-in on one replica is one on the others. The
 * first collector to ask makes the key (random) and stores it with an
 * insert that does nothing when a row is there; every collector, that one
 * included, then uses the row the database kept. So two starting at once
 * agree. A row deleted is made again, new, at the next start: that is how
 * the key is rotated.
 */
#ifndef COLLECTOR_SHAREDKEY_H
#define COLLECTOR_SHAREDKEY_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define SHAREDKEY_SESSION "ui_session"

/*
 * The key `name`, len bytes (16 to 64), made if the database has none.
 * 0; -EIO when the database fails or its row is not len bytes long;
 * -EROFS on a read-only store.
 */
int sharedkey__get(struct store *s, const char *name, uint8_t *out, size_t len);

#endif
