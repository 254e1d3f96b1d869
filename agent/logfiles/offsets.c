// SPDX-License-Identifier: Apache-2.0
#include "logfiles/offsets.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/htab.h"
#include "os/tmpfile.h"

/* At most this many files are remembered; later ones are not caught up. */
#define MAX_RECORDS 100000

struct key {
	uint64_t ino;
	uint32_t dev;
	uint32_t pad;
};

struct offsets {
	struct htab *h; /* struct key -> struct offset_rec */
	bool dirty;
};

static void free_rec(void *v)
{
	struct offset_rec *r = v;

	free(r->path);
	free(r);
}

struct offsets *offsets__new(void)
{
	struct offsets *o = calloc(1, sizeof(*o));

	if (o && !(o->h = htab__new(sizeof(struct key)))) {
		free(o);
		return NULL;
	}
	return o;
}

void offsets__free(struct offsets *o)
{
	if (!o)
		return;
	htab__free(o->h, free_rec);
	free(o);
}

void offsets__note(struct offsets *o, uint32_t dev, uint64_t ino, uint32_t generation, uint64_t offset,
		   const char *path)
{
	struct key k = { .ino = ino, .dev = dev };
	struct offset_rec *r = htab__get(o->h, &k);

	if (!r) {
		if (htab__count(o->h) >= MAX_RECORDS || !(r = calloc(1, sizeof(*r))))
			return;
		r->dev = dev;
		r->ino = ino;
		if (htab__put(o->h, &k, r)) {
			free(r);
			return;
		}
	}
	if (!r->path || strcmp(r->path, path)) {
		char *p = strdup(path);

		if (p) {
			free(r->path);
			r->path = p;
		}
	}
	if (r->offset != offset || r->generation != generation)
		o->dirty = true;
	r->offset = offset;
	r->generation = generation;
}

void offsets__forget(struct offsets *o, uint32_t dev, uint64_t ino)
{
	struct key k = { .ino = ino, .dev = dev };
	struct offset_rec *r = htab__del(o->h, &k);

	if (r) {
		free_rec(r);
		o->dirty = true;
	}
}

/* A path on one line: backslash, tab and newline escaped. */
static void put_path(FILE *f, const char *p)
{
	for (; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
}

static bool get_path(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && *in != '\n'; in++) {
		char c = *in;

		if (c == '\\') {
			in++;
			c = *in == 't' ? '\t' : *in == 'n' ? '\n' : *in == '\\' ? '\\' : 0;
			if (!c)
				return false;
		}
		if (n + 1 >= len)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return n > 0 && out[0] == '/';
}

int offsets__load(struct offsets *o, const char *file, size_t *skipped)
{
	char line[8192], path[4096];
	FILE *f = fopen(file, "re");

	*skipped = 0;
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned dev, gen;
		uint64_t ino, off;
		int used = 0;

		if (line[0] == '#')
			continue;
		if (sscanf(line, "%u\t%" SCNu64 "\t%u\t%" SCNu64 "\t%n", &dev, &ino, &gen, &off, &used) != 4 || !used ||
		    !get_path(line + used, path, sizeof(path))) {
			(*skipped)++;
			continue;
		}
		offsets__note(o, dev, ino, gen, off, path);
	}
	fclose(f);
	o->dirty = false;
	return 0;
}

int offsets__save(struct offsets *o, const char *file)
{
	char tmp[4200];
	struct htab_iter it;
	const void *k;
	void *v;
	FILE *f;
	int fd, err = 0;

	if (!o->dirty)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	fputs("# dev\tinode\tgeneration\toffset\tpath: how far leakwatch scanned each watched file\n", f);
	htab__iter_init(&it);
	while (htab__next(o->h, &it, &k, &v)) {
		const struct offset_rec *r = v;

		fprintf(f, "%u\t%" PRIu64 "\t%u\t%" PRIu64 "\t", r->dev, r->ino, r->generation, r->offset);
		put_path(f, r->path ? r->path : "");
		fputc('\n', f);
	}
	if (fflush(f) || fsync(fileno(f)))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	err = tmpfile__finish(tmp, file, err);
	if (!err)
		o->dirty = false;
	return err;
}

size_t offsets__list(const struct offsets *o, struct offset_rec **out)
{
	size_t n = 0, cap = htab__count(o->h);
	struct htab_iter it;
	const void *k;
	void *v;

	*out = cap ? calloc(cap, sizeof(**out)) : NULL;
	if (!*out)
		return 0;
	htab__iter_init(&it);
	while (n < cap && htab__next(o->h, &it, &k, &v)) {
		const struct offset_rec *r = v;

		(*out)[n] = *r;
		(*out)[n].path = strdup(r->path ? r->path : "");
		if (!(*out)[n].path)
			break;
		n++;
	}
	return n;
}

void offsets__free_list(struct offset_rec *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i].path);
	free(list);
}

size_t offsets__count(const struct offsets *o)
{
	return htab__count(o->h);
}
