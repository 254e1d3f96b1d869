// SPDX-License-Identifier: Apache-2.0
#include "leaks/leaks.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os/clock.h"
#include "leaks/coalesce.h"
#include "logfiles/filetab.h"
#include "logfiles/offsets.h"
#include "os/log.h"
#include "logfiles/readback.h"
#include "leaks/relay.h"
#include "logfiles/watch.h"

#define COALESCE_MAX 65536
#define SWEEP_EVERY_MS 5000

struct leaks {
	struct leaks_opts o;
	struct filetab *files;
	struct coalesce *coalesce;
	struct readback *readback;
	struct uncaptured *uncaptured;
	struct offsets *offsets;  /* how far each watched file was scanned */
	struct leaks_stats st;
	uint64_t next_sweep_ms;
};

/* What the scanner callback needs to turn a match into a report: the file,
 * whose last_* fields name the writer, and the chunk being fed (NULL when
 * a stream is flushed), whose lines a syslog daemon may have relayed. */
struct match_ctx {
	struct leaks *l;
	struct file_entry *file;
	uint64_t now_ns;
	const char *chunk;
	size_t chunk_len;
	uint64_t chunk_off;       /* file offset of chunk[0] */
	bool chunk_line_start;    /* a line begins at chunk[0] */
	bool catchup;             /* read at start, written while the agent was down */
};

/* Lines hold the header of a relayed line within this many bytes. */
#define RELAY_HEADER_MAX 512

static int on_match(void *ctx, const struct lw_scan_match *m);

static void flush_stream(void *ctx, struct file_entry *f)
{
	struct match_ctx c = { .l = ctx, .file = f, .now_ns = clock__realtime_ns() };

	scanner__stream_flush(f->stream, on_match, &c);
}

static void on_report(void *ctx, const struct lw_leak *leak)
{
	struct leaks *l = ctx;

	l->st.reports++;
	l->o.emit(l->o.ctx, leak);
}

static void on_readback(void *ctx, const struct lw_write_event *ev, size_t size)
{
	struct leaks *l = ctx;

	leaks__on_write(l, ev, size);
}

int leaks__new(const struct leaks_opts *opts, struct leaks **out)
{
	struct leaks *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->o = *opts;
	l->files = filetab__new(opts->scanner, opts->max_streams, flush_stream, l);
	l->coalesce = coalesce__new(opts->coalesce_delay_ms, opts->coalesce_window_ms, COALESCE_MAX, on_report, l);
	l->readback = readback__new(opts->capture_max_bytes, on_readback, l);
	l->uncaptured = uncaptured__new();
	l->offsets = offsets__new();
	if (!l->files || !l->coalesce || !l->readback || !l->uncaptured || !l->offsets) {
		leaks__free(l);
		return -ENOMEM;
	}
	*out = l;
	return 0;
}

void leaks__free(struct leaks *l)
{
	if (!l)
		return;
	/* the file table first: closing its streams may still add findings */
	readback__free(l->readback);
	filetab__free(l->files);
	coalesce__free(l->coalesce);
	uncaptured__free(l->uncaptured);
	offsets__free(l->offsets);
	free(l);
}

static struct file_entry *judge(struct leaks *l, const struct lw_file_key *key, uint32_t dev,
				uint32_t generation, char *path)
{
	bool watched = watch__wants(l->o.watch, path);
	struct file_entry *e;

	e = filetab__put(l->files, key, dev, generation, path, watched);
	if (!e)
		return NULL;
	if (watched)
		l->st.files_watched++;
	else
		l->st.files_ignored++;
	if (log__enabled(LW_LOG_DEBUG)) {
		char shown[PATH_MAX];

		snprintf(shown, sizeof(shown), "%s", e->path);
		procinfo__scrub(l->o.procs, shown); /* even debug lines never carry a key */
		log_debug("%s %s", watched ? "watching" : "ignoring", shown);
	}
	l->o.set_verdict(l->o.ctx, key, generation, watched ? LW_VERDICT_WATCHED : LW_VERDICT_IGNORED);
	return e;
}

void leaks__on_file(struct leaks *l, const struct lw_file_event *e)
{
	char *path = filetab__join_path(e);

	if (!path) {
		l->o.set_verdict(l->o.ctx, &e->file, e->generation, -1);
		return;
	}
	judge(l, &e->file, e->dev, e->generation, path);
}

/*
 * A chunk for a file we have no entry for: its file record was lost (ring
 * buffer full) or it was forgotten. Ask /proc while the descriptor is open.
 */
static struct file_entry *recover(struct leaks *l, uint32_t tgid, int32_t fd, const struct lw_file_key *key)
{
	char *path = fd >= 0 ? filetab__path_from_proc(tgid, fd, key->ino) : NULL;

	if (!path) {
		/* drop the kernel's verdict, so that the next write reports the
		 * file again with its path; scan this one meanwhile */
		l->o.set_verdict(l->o.ctx, key, 0, -1);
		path = strdup("(unknown)");
		return path ? filetab__put(l->files, key, (uint32_t)key->dev, 0, path, true) : NULL;
	}
	return judge(l, key, (uint32_t)key->dev, 0, path);
}

/* The line holding file offset `at`, when the chunk shows where it begins. */
static bool relayed(const struct match_ctx *c, uint64_t at, struct lw_leak *leak)
{
	const char *line, *nl;
	size_t in, len;

	if (!c->chunk || at < c->chunk_off || at - c->chunk_off >= c->chunk_len)
		return false;
	in = (size_t)(at - c->chunk_off);
	line = memrchr(c->chunk, '\n', in);
	if (line)
		line++;
	else if (c->chunk_line_start)
		line = c->chunk;
	else
		return false;
	len = (size_t)(c->chunk + c->chunk_len - line);
	if (len > RELAY_HEADER_MAX)
		len = RELAY_HEADER_MAX;
	nl = memchr(line, '\n', len);
	return relay__attribute(c->l->o.procs, leak, line, nl ? (size_t)(nl - line) : len);
}

/*
 * logrotate renames a log while its writer keeps the descriptor and writes
 * on: the finding names the file as it is called now. Returns the name it
 * had (owned), or NULL when it has not changed.
 */
static char *follow_rename(struct file_entry *f)
{
	char *now, *was;

	if (f->last_fd < 0 || !f->last_task.tgid || f->path[0] != '/')
		return NULL;
	now = filetab__path_from_proc(f->last_task.tgid, f->last_fd, f->key.ino);
	if (!now || !strcmp(now, f->path)) {
		free(now);
		return NULL;
	}
	was = f->path;
	f->path = now;
	return was;
}

static int on_match(void *ctx, const struct lw_scan_match *m)
{
	struct match_ctx *c = ctx;
	struct leaks *l = c->l;
	struct file_entry *f = c->file;
	struct lw_leak leak;
	uint64_t offset = f->stream_base + m->start;

	l->st.matches++;
	memset(&leak, 0, sizeof(leak));
	secret__fingerprint(l->o.key, m->secret, m->secret_len, leak.fingerprint);
	if (coalesce__repeat(l->coalesce, leak.fingerprint, f->dev, f->key.ino, offset, c->now_ns))
		return 0;

	secret__redact(m->secret, m->secret_len, leak.redacted);
	leak.first_ns = leak.last_ns = c->now_ns;
	leak.rule = m->rule;
	if (!c->catchup)
		leak.previous_path = follow_rename(f);
	leak.path = strdup(f->path);
	if (leak.path)
		procinfo__scrub(l->o.procs, leak.path); /* a file's name can hold a key */
	if (leak.previous_path)
		procinfo__scrub(l->o.procs, leak.previous_path);
	leak.source = c->catchup ? LW_LEAK_CATCHUP : LW_LEAK_FILE;
	leak.dev = f->dev;
	leak.ino = f->key.ino;
	leak.offset = leak.last_offset = offset;
	leak.length = (uint32_t)m->secret_len;
	leak.syscall = f->last_syscall;
	leak.fd = f->last_fd;
	procinfo__from_task(&leak.proc, &f->last_task);
	procinfo__enrich(l->o.procs, &leak.proc);
	/* a syslog daemon's line names its program; a container's output
	 * written by its runtime (the shim into /var/log/pods, dockerd into
	 * <id>-json.log) is the container's leak */
	if (!relay__is_daemon(&leak.proc) || !relayed(c, offset, &leak))
		leak.has_writer = procinfo__log_writer(l->o.procs, leak.path, &leak.proc, &leak.writer);
	coalesce__add(l->coalesce, &leak, clock__monotonic_ms()); /* owns its paths now */
	return 0;
}

void leaks__on_write(struct leaks *l, const struct lw_write_event *ev, size_t size)
{
	struct match_ctx c = { .l = l };
	struct scanner_stream *stream;
	struct file_entry *f;
	uint64_t now_ms = clock__monotonic_ms();

	if (size < offsetof(struct lw_write_event, data) || ev->len > LW_CHUNK_MAX ||
	    size < offsetof(struct lw_write_event, data) + ev->len) {
		l->st.malformed++;
		return;
	}
	l->st.chunks++;
	if (ev->flags & LW_WRITE_TRUNCATED)
		l->st.truncated++;
	if (ev->flags & LW_WRITE_GAP)
		l->st.gaps++;
	f = filetab__get(l->files, &ev->file);
	if (!f)
		f = recover(l, ev->task.tgid, ev->fd, &ev->file);
	if (!f)
		return;
	if (!f->watched) {
		l->st.chunks_ignored++;
		f->last_ms = now_ms;
		return;
	}
	if (!ev->len)
		return;
	stream = filetab__stream_for(l->files, f, ev->offset, ev->flags & LW_WRITE_GAP, now_ms);
	if (!stream)
		return;
	f->last_task = ev->task;
	f->last_syscall = ev->syscall;
	f->last_fd = ev->fd;
	c.file = f;
	c.now_ns = clock__boot_to_realtime_ns(ev->task.ts_ns);
	c.chunk = ev->data;
	c.chunk_len = ev->len;
	c.chunk_off = ev->offset;
	c.chunk_line_start = !ev->offset || (f->line_start && f->next_offset == ev->offset);
	scanner__stream_feed(stream, ev->data, ev->len, on_match, &c);
	f->next_offset = ev->offset + ev->len;
	f->line_start = ev->data[ev->len - 1] == '\n';
	l->st.bytes_scanned += ev->len;
	if (f->path[0] == '/')
		offsets__note(l->offsets, f->dev, f->key.ino, f->generation, f->next_offset, f->path);
}

uint64_t leaks__scan_range(struct leaks *l, int fd, const char *path, uint32_t dev, uint64_t ino,
			   uint32_t generation, uint64_t from, uint64_t to)
{
	struct file_entry f = { .dev = dev, .generation = generation, .path = (char *)path, .watched = true,
				.stream_base = from };
	struct match_ctx c = { .l = l, .file = &f, .now_ns = clock__realtime_ns(), .catchup = true };
	struct scanner_stream *st = NULL;
	char buf[64 * 1024];
	uint64_t at = from;

	f.key.ino = ino;
	if (scanner__stream_open(l->o.scanner, &st))
		return 0;
	while (at < to) {
		size_t want = to - at < sizeof(buf) ? (size_t)(to - at) : sizeof(buf);
		ssize_t n = pread(fd, buf, want, (off_t)at);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		c.chunk = buf;
		c.chunk_len = (size_t)n;
		c.chunk_off = at;
		c.chunk_line_start = at == from;
		scanner__stream_feed(st, buf, (size_t)n, on_match, &c);
		at += (uint64_t)n;
	}
	c.chunk = NULL;
	scanner__stream_flush(st, on_match, &c);
	scanner__stream_close(st);
	l->st.bytes_scanned += at - from;
	offsets__note(l->offsets, dev, ino, generation, at, path);
	return at - from;
}

struct offsets *leaks__offsets(struct leaks *l)
{
	return l->offsets;
}

void leaks__on_span(struct leaks *l, const struct lw_span_event *e)
{
	struct file_entry *f = filetab__get(l->files, &e->file);
	uint64_t now_ms = clock__monotonic_ms();
	char comm[LW_COMM_LEN + 1], path[256];

	if (!f)
		f = recover(l, e->task.tgid, e->fd, &e->file);
	if (!f || !f->watched || e->via >= LW_VIA_MAX)
		return;
	l->st.spans++;
	f->last_ms = now_ms;
	if (e->via != LW_VIA_MMAP && !readback__add(l->readback, e, f->path, now_ms)) {
		l->st.spans_read++;
		return;
	}
	/* a mapping's stores are no call at all; a span that cannot be read back is lost */
	l->st.uncaptured++;
	memcpy(comm, e->task.comm, LW_COMM_LEN);
	comm[LW_COMM_LEN] = '\0';
	/* host-taken text, shown in the health report */
	procinfo__scrub(l->o.procs, comm);
	snprintf(path, sizeof(path), "%s", f->path);
	procinfo__scrub(l->o.procs, path);
	uncaptured__add(l->uncaptured, e->task.tgid, comm, path, e->file.ino,
			leak__syscall_name((uint8_t)(LW_SYS_READBACK + e->via)), clock__realtime_ns());
}

size_t leaks__uncaptured(const struct leaks *l, struct lw_uncaptured *out, size_t max)
{
	return uncaptured__top(l->uncaptured, out, max);
}

void leaks__tick(struct leaks *l, uint64_t now_ms)
{
	readback__tick(l->readback, now_ms);
	coalesce__tick(l->coalesce, now_ms);
	if (now_ms >= l->next_sweep_ms) {
		filetab__sweep(l->files, now_ms);
		l->next_sweep_ms = now_ms + SWEEP_EVERY_MS;
	}
}

void leaks__flush(struct leaks *l)
{
	/* what waits to be read back, what streams hold back, then the coalescer */
	readback__flush(l->readback);
	filetab__clear(l->files);
	coalesce__flush(l->coalesce);
}

void leaks__reconfigure(struct leaks *l, const struct leaks_opts *o)
{
	filetab__clear(l->files);
	filetab__set_scanner(l->files, o->scanner);
	l->o.scanner = o->scanner;
	l->o.watch = o->watch;
	l->o.coalesce_delay_ms = o->coalesce_delay_ms;
	l->o.coalesce_window_ms = o->coalesce_window_ms;
	coalesce__set_timing(l->coalesce, o->coalesce_delay_ms, o->coalesce_window_ms);
}

bool leaks__seen(struct leaks *l, const char *fingerprint, uint32_t dev, uint64_t ino, uint64_t now_ns)
{
	l->st.matches++;
	return coalesce__repeat(l->coalesce, fingerprint, dev, ino, 0, now_ns) == 1;
}

void leaks__add(struct leaks *l, struct lw_leak *leak)
{
	coalesce__add(l->coalesce, leak, clock__monotonic_ms());
}

void leaks__stats(const struct leaks *l, struct leaks_stats *out)
{
	*out = l->st;
	out->open_streams = filetab__streams(l->files);
	out->files = filetab__count(l->files);
}
