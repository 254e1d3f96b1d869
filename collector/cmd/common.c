// SPDX-License-Identifier: Apache-2.0
#include "cmd/cmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os/log.h"

#define MAX_PEM (1 << 20)

int cmd__error(const char *fmt, ...)
{
	va_list ap;

	fputs("leakwatch-collector: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_ERROR;
}

int cmd__load_config(struct collector_config *cfg, const char *file)
{
	char err[512];

	collector_config__defaults(cfg);
	if (collector_config__load(cfg, file ? file : COLLECTOR_DEFAULT_CONFIG, file != NULL, err, sizeof(err)))
		return cmd__error("config %s: %s", file ? file : COLLECTOR_DEFAULT_CONFIG, err);
	return 0;
}

char *cmd__read_pem(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(MAX_PEM + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, MAX_PEM + 1, f);
	fclose(f);
	buf[n <= MAX_PEM ? n : MAX_PEM] = '\0'; /* before looking into it */
	if (n == 0 || n > MAX_PEM || !strstr(buf, "-----BEGIN")) {
		cmd__free_secret(buf);
		snprintf(err, errlen, "%s: not a PEM file of at most 1 MiB", path);
		return NULL;
	}
	return buf;
}

void cmd__free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

int cmd__locate_db(const char *cmd, const char *db, const char *config_file, struct collector_config *cfg,
		   struct store_opts *so, char *dbbuf, size_t dblen)
{
	if (db && config_file)
		return cmd__error("%s: give --db or --config, not both", cmd);
	log__setup(LW_LOG_WARN, LW_LOG_TEXT);
	if (cmd__load_config(cfg, config_file))
		return EXIT_ERROR;
	/* the path is copied to dbbuf; the DSN stays cfg's */
	collector_config__store_where(cfg, so, dbbuf, dblen);
	if (db) {
		so->driver = DB_SQLITE;
		so->path = db;
	}
	return EXIT_OK;
}

int cmd__open_offline(const char *cmd, const char *db, const char *config_file, int mode,
		      bool config_timeout, struct store_opts *so, char *dbbuf, size_t dblen,
		      struct store **out)
{
	struct collector_config cfg;
	char err[512];
	int rc;

	if ((rc = cmd__locate_db(cmd, db, config_file, &cfg, so, dbbuf, dblen)))
		return rc;
	if (config_timeout && cfg.busy_timeout_ms > so->busy_timeout_ms)
		so->busy_timeout_ms = cfg.busy_timeout_ms;
	if (so->driver == DB_SQLITE && access(so->path, mode))
		rc = cmd__error("database %s: %s", so->path, strerror(errno));
	else if (store__open(so, out, err, sizeof(err)))
		rc = cmd__error("%s", err);
	so->dsn = NULL;
	collector_config__free(&cfg);
	return rc;
}
