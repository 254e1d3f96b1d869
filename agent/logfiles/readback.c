// SPDX-License-Identifier: Apache-2.0
#include "logfiles/readback.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "attrib/hostfs.h"

#define MAX_PENDING 256
#define SETTLE_MS 200      /* a file that stopped growing for this long is written */
#define DEADLINE_MS 2000   /* read what is there by then */

struct span {
	struct lw_span_event e;
	int fd;
	uint64_t len;          /* what is read back: the span, within max_bytes */
	uint64_t size;         /* the file's size at the last look */
	uint64_t changed_ms;   /* when it last changed */
	uint64_t deadline_ms;
};

struct readback {
	struct span spans[MAX_PENDING];
	size_t n;
	uint64_t max_bytes;
	readback_fn fn;
	void *ctx;
	struct lw_write_event ev;
};

struct readback *readback__new(uint64_t max_bytes, readback_fn fn, void *ctx)
{
	struct readback *rb = calloc(1, sizeof(*rb));

	if (!rb)
		return NULL;
	rb->max_bytes = max_bytes;
	rb->fn = fn;
	rb->ctx = ctx;
	return rb;
}

void readback__free(struct readback *rb)
{
	if (!rb)
		return;
	for (size_t i = 0; i < rb->n; i++)
		close(rb->spans[i].fd);
	free(rb);
}

/* The file, if what `path` opens is still the kernel's (dev, ino). */
static int open_checked(const char *path, const struct lw_file_key *key)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return -1;
	/* the kernel's dev_t is major << 20 | minor */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_ino != key->ino ||
	    ((uint64_t)major(st.st_dev) << 20 | minor(st.st_dev)) != key->dev) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Through the writer's descriptor, its root, then the host's root. */
static int open_span(const struct lw_span_event *e, const char *path)
{
	char buf[4352];
	int fd = -1;

	if (e->fd >= 0 && hostfs__path(buf, sizeof(buf), "/proc/%u/fd/%d", e->task.tgid, e->fd))
		fd = open_checked(buf, &e->file);
	if (fd < 0 && path && path[0] == '/' && hostfs__path(buf, sizeof(buf), "/proc/%u/root%s", e->task.tgid, path))
		fd = open_checked(buf, &e->file);
	if (fd < 0 && path && path[0] == '/' && hostfs__path(buf, sizeof(buf), "%s", path))
		fd = open_checked(buf, &e->file);
	return fd;
}

int readback__add(struct readback *rb, const struct lw_span_event *e, const char *path, uint64_t now_ms)
{
	struct span *s;
	int fd;

	if (rb->n == MAX_PENDING)
		return -ENOSPC;
	fd = open_span(e, path);
	if (fd < 0)
		return -ENOENT;
	s = &rb->spans[rb->n++];
	memset(s, 0, sizeof(*s));
	s->e = *e;
	s->fd = fd;
	s->len = e->len < rb->max_bytes ? e->len : rb->max_bytes;
	s->size = UINT64_MAX;
	s->changed_ms = now_ms;
	s->deadline_ms = now_ms + DEADLINE_MS;
	return 0;
}

/* Hands on [offset, offset + len) as write records of at most a chunk each. */
static void read_span(struct readback *rb, struct span *s, uint64_t size)
{
	struct lw_write_event *ev = &rb->ev;
	uint64_t at = s->e.offset, end = s->e.offset + s->len;

	if (end > size)
		end = size;
	memset(ev, 0, offsetof(struct lw_write_event, data));
	ev->kind = LW_EVENT_WRITE;
	ev->syscall = (uint8_t)(LW_SYS_READBACK + s->e.via);
	ev->task = s->e.task;
	ev->file = s->e.file;
	ev->fd = s->e.fd;
	while (at < end) {
		size_t want = end - at < LW_CHUNK_MAX ? (size_t)(end - at) : LW_CHUNK_MAX;
		ssize_t n = pread(s->fd, ev->data, want, (off_t)at);

		if (n <= 0)
			break;
		ev->len = (uint16_t)n;
		ev->offset = at;
		rb->fn(rb->ctx, ev, offsetof(struct lw_write_event, data) + (size_t)n);
		ev->seq++;
		at += (uint64_t)n;
	}
}

/* Written in full, or stopped growing, or out of time: read it now. */
static bool ready(struct span *s, uint64_t now_ms, bool force)
{
	struct stat st;
	uint64_t size;

	if (fstat(s->fd, &st))
		return true;
	size = (uint64_t)st.st_size;
	if (size != s->size) {
		s->size = size;
		s->changed_ms = now_ms;
	}
	return force || size >= s->e.offset + s->len || now_ms >= s->deadline_ms ||
	       now_ms - s->changed_ms >= SETTLE_MS;
}

static void run(struct readback *rb, uint64_t now_ms, bool force)
{
	for (size_t i = 0; i < rb->n;) {
		struct span *s = &rb->spans[i];

		if (!ready(s, now_ms, force)) {
			i++;
			continue;
		}
		read_span(rb, s, s->size);
		close(s->fd);
		*s = rb->spans[--rb->n];
	}
}

void readback__tick(struct readback *rb, uint64_t now_ms)
{
	run(rb, now_ms, false);
}

void readback__flush(struct readback *rb)
{
	run(rb, 0, true);
}

size_t readback__pending(const struct readback *rb)
{
	return rb->n;
}
