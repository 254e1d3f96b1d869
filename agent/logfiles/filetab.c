// SPDX-License-Identifier: Apache-2.0
#include "logfiles/filetab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attrib/hostfs.h"
#include "data/htab.h"

/* A stream idle this long is closed; its file keeps its verdict. */
#define STREAM_IDLE_MS (60 * 1000)
/* An ignored file is only remembered for chunks already in flight. */
#define IGNORED_TTL_MS (5 * 1000)
/* A watched file not written for this long is forgotten. */
#define WATCHED_TTL_MS (30 * 60 * 1000)

struct filetab {
	struct htab *files;
	struct scanner *scanner;
	size_t max_streams;
	size_t n_streams;
	filetab_flush_fn flush;
	void *ctx;
};

static void close_stream(struct filetab *t, struct file_entry *e)
{
	if (!e->stream)
		return;
	if (t->flush)
		t->flush(t->ctx, e);
	scanner__stream_close(e->stream);
	e->stream = NULL;
	t->n_streams--;
}

static void free_entry(struct filetab *t, struct file_entry *e)
{
	close_stream(t, e);
	free(e->path);
	free(e);
}

struct filetab *filetab__new(struct scanner *s, size_t max_streams, filetab_flush_fn flush, void *ctx)
{
	struct filetab *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->files = htab__new(sizeof(struct lw_file_key));
	if (!t->files) {
		free(t);
		return NULL;
	}
	t->scanner = s;
	t->max_streams = max_streams;
	t->flush = flush;
	t->ctx = ctx;
	return t;
}

void filetab__clear(struct filetab *t)
{
	struct htab_iter it;
	const void *k;
	void *v;

	htab__iter_init(&it);
	while (htab__next(t->files, &it, &k, &v))
		free_entry(t, htab__del(t->files, k));
}

void filetab__free(struct filetab *t)
{
	if (!t)
		return;
	filetab__clear(t);
	htab__free(t->files, NULL);
	free(t);
}

struct file_entry *filetab__get(struct filetab *t, const struct lw_file_key *key)
{
	return htab__get(t->files, key);
}

struct file_entry *filetab__put(struct filetab *t, const struct lw_file_key *key, uint32_t dev,
				uint32_t generation, char *path, bool watched)
{
	struct file_entry *e = htab__get(t->files, key);

	if (e) {
		/* the same inode again: a new generation or a renewed verdict */
		close_stream(t, e);
		free(e->path);
	} else {
		e = calloc(1, sizeof(*e));
		if (!e || htab__put(t->files, key, e)) {
			free(e);
			free(path);
			return NULL;
		}
		e->key = *key;
	}
	e->dev = dev;
	e->generation = generation;
	e->path = path;
	e->watched = watched;
	e->next_offset = 0;
	e->stream_base = 0;
	return e;
}

/* Closes the stream idle longest, to stay under max_streams. */
static void evict_one_stream(struct filetab *t)
{
	struct file_entry *oldest = NULL;
	struct htab_iter it;
	void *v;

	htab__iter_init(&it);
	while (htab__next(t->files, &it, NULL, &v)) {
		struct file_entry *e = v;

		if (e->stream && (!oldest || e->last_ms < oldest->last_ms))
			oldest = e;
	}
	if (oldest)
		close_stream(t, oldest);
}

struct scanner_stream *filetab__stream_for(struct filetab *t, struct file_entry *e, uint64_t offset,
					   bool gap, uint64_t now_ms)
{
	e->last_ms = now_ms;
	if (e->stream && !gap && offset == e->next_offset)
		return e->stream;
	close_stream(t, e);
	if (t->n_streams >= t->max_streams)
		evict_one_stream(t);
	if (scanner__stream_open(t->scanner, &e->stream))
		return e->stream = NULL;
	t->n_streams++;
	e->stream_base = offset;
	e->next_offset = offset;
	return e->stream;
}

void filetab__sweep(struct filetab *t, uint64_t now_ms)
{
	struct htab_iter it;
	const void *k;
	void *v;

	htab__iter_init(&it);
	while (htab__next(t->files, &it, &k, &v)) {
		struct file_entry *e = v;
		uint64_t idle = now_ms - e->last_ms;

		if (!e->watched ? idle > IGNORED_TTL_MS : idle > WATCHED_TTL_MS)
			free_entry(t, htab__del(t->files, k));
		else if (e->stream && idle > STREAM_IDLE_MS)
			close_stream(t, e);
	}
}

void filetab__set_scanner(struct filetab *t, struct scanner *s)
{
	t->scanner = s;
}

size_t filetab__count(const struct filetab *t)
{
	return htab__count(t->files);
}

size_t filetab__streams(const struct filetab *t)
{
	return t->n_streams;
}

char *filetab__join_path(const struct lw_file_event *e)
{
	char path[LW_PATH_DEPTH * LW_NAME_MAX + 8];
	size_t len = 0;
	uint32_t depth = e->depth < LW_PATH_DEPTH ? e->depth : LW_PATH_DEPTH;

	if (e->truncated)
		len += (size_t)snprintf(path, sizeof(path), "/...");
	for (uint32_t i = depth; i-- > 0;) {
		const char *name = e->names[i];
		size_t n = strnlen(name, LW_NAME_MAX);

		if (!n || (n == 1 && name[0] == '/'))
			continue; /* a mount crossing, or a filesystem root */
		path[len++] = '/';
		memcpy(path + len, name, n);
		len += n;
	}
	if (!len)
		path[len++] = '/';
	path[len] = '\0';
	return strdup(path);
}

char *filetab__path_from_proc(uint32_t tgid, int32_t fd, uint64_t ino)
{
	char link[256], target[4096];
	struct stat st;
	ssize_t n;
	char *deleted;

	if (!hostfs__path(link, sizeof(link), "/proc/%u/fd/%d", tgid, fd))
		return NULL;
	if (stat(link, &st) || (uint64_t)st.st_ino != ino)
		return NULL; /* closed, or the descriptor now names another file */
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	deleted = strstr(target, " (deleted)");
	if (deleted && deleted[10] == '\0')
		*deleted = '\0';
	return strdup(target);
}
