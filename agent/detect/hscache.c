// SPDX-License-Identifier: Apache-2.0
#include "detect/hscache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "detect/sha256.h"

#define MAX_DB (64u << 20)
#define PREFIX "rules-"
#define SUFFIX ".hsdb"

void hscache__inputs(const char *const *exprs, const unsigned *flags, const unsigned *ids, unsigned n,
		     unsigned mode, struct hscache_key *out)
{
	struct sha256 c;

	sha256__init(&c);
	sha256__update(&c, &mode, sizeof(mode));
	sha256__update(&c, &n, sizeof(n));
	for (unsigned i = 0; i < n; i++) {
		unsigned f = flags ? flags[i] : 0;

		sha256__update(&c, exprs[i], strlen(exprs[i]) + 1);
		sha256__update(&c, &f, sizeof(f));
		sha256__update(&c, &ids[i], sizeof(ids[i]));
	}
	sha256__final(&c, out->sha256);
}

void hscache__key(const char *const *exprs, const unsigned *flags, const unsigned *ids, unsigned n,
		  unsigned mode, struct hscache_key *out)
{
	hs_platform_info_t plat;
	const char *version = hs_version();
	struct hscache_key inputs;
	struct sha256 c;

	memset(&plat, 0, sizeof(plat));
	hs_populate_platform(&plat);
	hscache__inputs(exprs, flags, ids, n, mode, &inputs);
	sha256__init(&c);
	sha256__update(&c, version, strlen(version) + 1);
	sha256__update(&c, &plat, sizeof(plat));
	sha256__update(&c, inputs.sha256, sizeof(inputs.sha256));
	sha256__final(&c, out->sha256);
}

static void name_of(const struct hscache_key *key, char *out, size_t len)
{
	char hex[33];

	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", key->sha256[i]);
	snprintf(out, len, PREFIX "%s" SUFFIX, hex);
}

/* The user's own, and nobody else may write it. */
static bool own(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

static bool own_dir(const char *dir)
{
	struct stat st;

	return !lstat(dir, &st) && S_ISDIR(st.st_mode) && own(&st);
}

/* The folder, opened without following a link, if it is the user's own: -1 otherwise. */
static int open_own_dir(const char *dir)
{
	struct stat st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0 && (fstat(fd, &st) || !own(&st))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

hs_database_t *hscache__load(const char *dir, const struct hscache_key *key)
{
	hs_database_t *db = NULL;
	char name[64], *bytes;
	struct stat st;
	ssize_t got;
	int dfd, fd;

	if (!dir || (dfd = open_own_dir(dir)) < 0)
		return NULL;
	name_of(key, name, sizeof(name));
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !own(&st) || st.st_size <= (off_t)sizeof(key->sha256) ||
	    st.st_size > MAX_DB || !(bytes = malloc((size_t)st.st_size))) {
		close(fd);
		return NULL;
	}
	got = read(fd, bytes, (size_t)st.st_size);
	close(fd);
	/* the key first: a file renamed over another's name is not this database */
	if (got == st.st_size && !memcmp(bytes, key->sha256, sizeof(key->sha256)) &&
	    hs_deserialize_database(bytes + sizeof(key->sha256), (size_t)got - sizeof(key->sha256), &db) !=
		    HS_SUCCESS)
		db = NULL; /* torn, or another vectorscan's: compiled again and replaced */
	free(bytes);
	return db;
}

/* The directory, made 0700 where missing; the last component must be the user's own. */
static bool make_dir(const char *dir)
{
	char buf[4096];

	if (own_dir(dir))
		return true;
	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return false;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return false;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return false;
	return own_dir(dir);
}

/* Databases of other rule sets or versions: each stale after a change. */
static void drop_others(const char *dir, const char *keep)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (strncmp(e->d_name, PREFIX, strlen(PREFIX)) || n < strlen(SUFFIX) ||
		    strcmp(e->d_name + n - strlen(SUFFIX), SUFFIX))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (strcmp(path, keep))
			unlink(path);
	}
	closedir(d);
}

void hscache__store(const char *dir, const struct hscache_key *key, const hs_database_t *db)
{
	char path[4096], tmp[4200], name[64], *bytes = NULL;
	size_t len = 0;
	int fd;

	if (!dir || !make_dir(dir))
		return;
	if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		return;
	name_of(key, name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd >= 0) {
		bool ok = write(fd, key->sha256, sizeof(key->sha256)) == (ssize_t)sizeof(key->sha256) &&
			  write(fd, bytes, len) == (ssize_t)len;

		ok = !close(fd) && ok;
		/* rename: a reader sees the old file or the whole new one */
		if (!ok || rename(tmp, path))
			unlink(tmp);
		else
			drop_others(dir, path);
	}
	free(bytes);
}
