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

struct db;

/* The version the database is at (SQLite's PRAGMA user_version, PostgreSQL's
 * lw_schema_version; 0 for an empty database). 0 or -EIO. */
int schema__version(struct db *db, int *v);
/* Brings the schema up to date, all in one transaction; err says why not. */
int schema__migrate(struct db *db, char *err, size_t errlen);

/* PostgreSQL's (schema_pg.c), which schema__version and schema__migrate call */
int schema_pg__version(struct db *db, int *v);
int schema_pg__migrate(struct db *db, char *err, size_t errlen);

#endif
