/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The database's schema: one migration per version, applied in order in one
 * transaction at open (STORE_SCHEMA_VERSION is the newest). Only ever
 * append a migration; a released one never changes. A database newer than
 * this collector is refused, not touched.
 */
#ifndef COLLECTOR_SCHEMA_H
#define COLLECTOR_SCHEMA_H

#include <stddef.h>

struct sqlite3;

/* PRAGMA user_version. 0 or -EIO. */
int schema__version(struct sqlite3 *db, int *v);
/* Brings the schema up to date, all in one transaction; err says why not. */
int schema__migrate(struct sqlite3 *db, char *err, size_t errlen);

#endif
