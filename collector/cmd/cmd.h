/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The commands of the leakwatch-collector binary, one file each, and what
 * they share: exit codes, the usage text, errors on stderr, loading the
 * configuration, and opening the database offline.
 */
#ifndef COLLECTOR_CMD_H
#define COLLECTOR_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "settings/config.h"
#include "storage/store.h"

#ifndef LW_VERSION
#define LW_VERSION "0.0.0-dev"
#endif

#define EXIT_OK 0
#define EXIT_ERROR 2

extern const char collector_usage[];

int cmd_serve(int argc, char **argv);
/* `query` prints findings (the derived state); `events` the stored events. */
int cmd_query(int argc, char **argv, bool events);
int cmd_check_config(int argc, char **argv);
int cmd_ack(int argc, char **argv);
/* `token create`: a new named credential, its token printed once. */
int cmd_token(int argc, char **argv);
/* `compact`: the SQLite database rewritten offline with 16 KiB pages. */
int cmd_compact(int argc, char **argv);

/* "leakwatch-collector: error: ..." on stderr; returns EXIT_ERROR. */
__attribute__((format(printf, 1, 2)))
int cmd__error(const char *fmt, ...);
/* The defaults overlaid by file (or, with file NULL, the default file if it
 * exists); 0, or EXIT_ERROR after saying why. */
int cmd__load_config(struct collector_config *cfg, const char *file);
/* A PEM file of at most 1 MiB, as a string to free with cmd__free_secret;
 * NULL with err set. */
char *cmd__read_pem(const char *path, char *err, size_t errlen);
void cmd__free_secret(char *s);
/*
 * Where the offline commands find the database: the one --db names, or the
 * configuration's (cfg, loaded from config_file or the default file; on
 * EXIT_OK the caller frees it, and so's DSN points into it). EXIT_OK, or
 * EXIT_ERROR after saying why.
 */
int cmd__locate_db(const char *cmd, const char *db, const char *config_file, struct collector_config *cfg,
		   struct store_opts *so, char *dbbuf, size_t dblen);
/*
 * query, events and ack: the database cmd__locate_db finds, opened as so
 * says (mode: the access(2) it needs). The configuration's busy timeout applies where it is longer than
 * so's, when config_timeout. EXIT_OK, or the exit status of the error.
 */
int cmd__open_offline(const char *cmd, const char *db, const char *config_file, int mode,
		      bool config_timeout, struct store_opts *so, char *dbbuf, size_t dblen,
		      struct store **out);

#endif
