// SPDX-License-Identifier: Apache-2.0
#include "scan/scanfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/clock.h"
#include "detect/scanner.h"
#include "config/ignore.h"
#include "os/log.h"
#include "wire/names.h"
#include "scan/lines.h"
#include "scan/unpack.h"

/* Read and inflate in blocks this large; a finding always lies within the
 * last two blocks, since the scanner's tail is smaller than one. Small
 * enough that what read() copied is still in the core's L2 cache (1 MiB on
 * current x86 and arm64 server cores) when the scanner reads it: 1 MiB
 * blocks scanned plain logs 8% slower. */
#define BLOCK (256 << 10)
/* A compressed file that inflates past this ratio (and past the floor) is
 * treated as a bomb: logs compress 5-20:1 (xz and zstd -19 up to 50:1),
 * zeros 1000:1 and more. */
#define PACKED_MAX_RATIO 200
#define PACKED_FLOOR (64ULL << 20)
/* A gzip file inflating to at most this is inflated whole (scan_gzip_whole):
 * it costs this much memory twice over, for twice the speed */
#define GZIP_WHOLE_MAX (64U << 20)

_Static_assert(BLOCK > LW_SCAN_TAIL_MAX, "a finding must fall within the two blocks held");




void scanfile__progress(const struct scan *sc, size_t files, uint64_t bytes, size_t found)
{
	uint64_t ms;

	if (!sc->progress || (ms = clock__monotonic_ms() - sc->started_ms) < 2000)
		return;
	fprintf(stderr, "\r\033[Kscanning: %zu files, %llu MiB, %.0f MiB/s, %zu findings", files,
		(unsigned long long)(bytes >> 20), (double)(bytes >> 20) * 1000 / (double)ms, found);
}

void scanfile__skip(struct scan *sc, const char *path, const char *why)
{
	sc->skipped++;
	if (sc->verbose)
		fprintf(sc->out ? sc->out->msg : stderr, "%sleakwatch: skipped %s: %s\n",
			sc->progress ? "\r\033[K" : "", path, why);
}

/* A compressed file this scanner cannot read: lz4 (logrotate can be told to
 * use it, rarely is, and liblz4's frame API adds little over skipping it). */
static bool lz4_frame(const unsigned char *head, size_t n)
{
	static const unsigned char magic[] = { 0x04, 0x22, 0x4d, 0x18 };

	return n >= sizeof(magic) && !memcmp(head, magic, sizeof(magic));
}

/* The format a rotated log's name promises, or UNPACK_NONE. */
static enum unpack_format named_format(const char *path)
{
	static const struct {
		const char *suffix;
		enum unpack_format f;
	} names[] = {
		{ ".gz", UNPACK_GZIP }, { ".zst", UNPACK_ZSTD }, { ".xz", UNPACK_XZ }, { ".bz2", UNPACK_BZIP2 },
	};
	size_t n = strlen(path);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t m = strlen(names[i].suffix);

		if (n >= m && !strcmp(path + n - m, names[i].suffix))
			return names[i].f;
	}
	return UNPACK_NONE;
}

void scanfile__error(struct scan *sc, const char *path, const char *what)
{
	if (sc->progress)
		fputs("\r\033[K", stderr);
	fprintf(sc->out ? sc->out->msg : stderr, "leakwatch: error: %s: %s\n", path, what);
	sc->errors++;
}

/*
 * The line at stream offset off of block b, and the offset where it starts,
 * counted on from the last offset asked for where that lies in b before
 * off (findings come mostly in order, and a block's end follows its last
 * finding), else from b's start. That offset becomes the next to count from.
 */
static void lines_to(struct scan *sc, const struct block *b, uint64_t off, uint64_t *line, uint64_t *line_at)
{
	uint64_t from = b->off, ln = b->line, at = b->line_at;

	if (sc->cursor_off >= b->off && sc->cursor_off <= off) {
		from = sc->cursor_off;
		ln = sc->cursor_line;
		at = sc->cursor_line_at;
	}
	lines__advance(b->buf + (from - b->off), (size_t)(off - from), from, &ln, &at);
	sc->cursor_off = off;
	sc->cursor_line = ln;
	sc->cursor_line_at = at;
	*line = ln;
	*line_at = at;
}

/* Line and column of a stream offset inside the two blocks held. */
static void locate(struct scan *sc, uint64_t off, uint64_t *line, uint64_t *line_at)
{
	const struct block *b = NULL;

	for (int i = 1; i >= 0 && !b; i--)
		if (sc->blk[i].buf && off >= sc->blk[i].off && off <= sc->blk[i].off + sc->blk[i].len)
			b = &sc->blk[i];
	if (!b) {
		*line = sc->blk[1].line; /* cannot happen: the tail is smaller than a block */
		*line_at = sc->blk[1].line_at;
		return;
	}
	lines_to(sc, b, off, line, line_at);
}

/* The newline that ends the first line of a multi-line secret, if any. */
static uint64_t first_break(const struct scan *sc, uint64_t start, uint64_t end, uint64_t *lines)
{
	uint64_t brk = end;

	*lines = 1;
	for (int i = 0; i < 2; i++) {
		const struct block *b = &sc->blk[i];
		uint64_t lo = start > b->off ? start : b->off, hi = end < b->off + b->len ? end : b->off + b->len;

		for (const char *p = b->buf + (lo - b->off), *stop = b->buf + (hi - b->off);
		     b->buf && lo < hi && (p = memchr(p, '\n', (size_t)(stop - p))); p++) {
			uint64_t at = b->off + (uint64_t)(p - b->buf);

			if (at < brk)
				brk = at;
			(*lines)++;
		}
	}
	return brk;
}

/* --jobs: a copy of the finding, for the main thread to report in order. */
static void hold(struct scan *sc, const struct scan_finding *f)
{
	struct scan_out *o = sc->out;
	struct scan_finding *c;

	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 16;
		struct scan_finding *v = realloc(o->v, cap * sizeof(*v));

		if (!v) {
			o->failed = true;
			return;
		}
		o->v = v;
		o->cap = cap;
	}
	c = &o->v[o->n];
	*c = *f;
	c->path = strdup(f->path);
	c->redacted = strdup(f->redacted);
	c->fingerprint = strdup(f->fingerprint);
	if (!c->path || !c->redacted || !c->fingerprint) {
		free((char *)c->path);
		free((char *)c->redacted);
		free((char *)c->fingerprint);
		o->failed = true;
		return;
	}
	o->n++;
}

void scanfile__out_free(struct scan_out *out)
{
	for (size_t i = 0; i < out->n; i++) {
		free((char *)out->v[i].path);
		explicit_bzero((char *)out->v[i].redacted, strlen(out->v[i].redacted));
		free((char *)out->v[i].redacted);
		free((char *)out->v[i].fingerprint);
	}
	free(out->v);
	free(out->msgs);
	memset(out, 0, sizeof(*out));
}

static int on_finding(void *ctx, const struct lw_scan_match *m)
{
	struct scan *sc = ctx;
	char red[LW_REDACTED_MAX], fp[LW_FINGERPRINT_LEN + 1];
	uint64_t line, line_at, lines, brk;

	if (config__rule_disabled(sc->cfg, m->rule->id))
		return 0; /* rules.disable, --disable-rule */

	secret__redact(m->secret, m->secret_len, red);
	secret__fingerprint(&sc->key, m->secret, m->secret_len, fp);
	/* the ignore file (--ignore) accepted it */
	if (ignore__leak(sc->cfg->ignore, fp, m->rule->id, sc->path, clock__realtime_ns() / 1000000000ULL)) {
		explicit_bzero(red, sizeof(red));
		return 0;
	}
	/* already in the baseline report: not new */
	if (scanreport__known(&sc->report, fp, sc->path))
		return 0;
	locate(sc, m->start, &line, &line_at);
	brk = first_break(sc, m->start, m->end, &lines);
	sc->found++;
	if (sc->progress)
		fputs("\r\033[K", stderr);
	struct scan_finding f = {
		.path = sc->path, .line = line, .column = m->start - line_at + 1, .end_column = brk - line_at + 1,
		.lines = lines, .rule = m->rule->id, .family = m->rule->family,
		.severity = severity__name(m->rule->severity), .what = m->rule->description,
		.redacted = red, .fingerprint = fp,
	};

	if (sc->out)
		hold(sc, &f);
	else
		scanreport__finding(&sc->report, &f);
	return 0;
}

/* Rotates the current block to previous, counting its lines for the next. */
static void next_block(struct scan *sc)
{
	struct block *prev = &sc->blk[0], *cur = &sc->blk[1];
	uint64_t line, at;
	char *spare = prev->buf;

	lines_to(sc, cur, cur->off + cur->len, &line, &at);
	*prev = *cur;
	cur->buf = spare;
	cur->off = prev->off + prev->len;
	cur->len = 0;
	cur->line = line;
	cur->line_at = at;
}

static int feed(struct scan *sc, struct scanner_stream *st)
{
	int rc = scanner__stream_feed(st, sc->blk[1].buf, sc->blk[1].len, on_finding, sc);

	sc->bytes += sc->blk[1].len;
	return rc < 0 ? rc : 0;
}

static bool looks_binary(const unsigned char *b, size_t n)
{
	static const struct {
		const char *magic;
		size_t len;
	} kinds[] = {
		/* the compressed formats scan reads are told by unpack__detect first */
		{ "\x7f" "ELF", 4 }, { "\x89PNG", 4 }, { "\xff\xd8\xff", 3 }, { "PK\x03\x04", 4 },
		{ "%PDF", 4 }, { "SQLite format 3", 15 },
	};
	size_t odd = 0, text = 0;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (n >= kinds[i].len && !memcmp(b, kinds[i].magic, kinds[i].len))
			return true;
	/*
	 * A log may hold a stray escape, and runs of NULs: copytruncate leaves
	 * them at the start, a crash at the end. NULs separate text, they are
	 * not what makes a file binary; a binary is mostly other control bytes.
	 */
	for (size_t i = 0; i < n; i++) {
		if (!b[i])
			continue;
		text++;
		if (b[i] < 0x20 && b[i] != '\n' && b[i] != '\r' && b[i] != '\t' && b[i] != '\f' && b[i] != '\v' &&
		    b[i] != 0x1b)
			odd++;
	}
	return text && odd * 10 > text;
}

static void reset_blocks(struct scan *sc)
{
	for (int i = 0; i < 2; i++) {
		sc->blk[i].len = 0;
		sc->blk[i].off = 0;
		sc->blk[i].line = 1;
		sc->blk[i].line_at = 0;
	}
	sc->cursor_off = UINT64_MAX;
}

static int scan_plain(struct scan *sc, int fd, struct scanner_stream *st, const unsigned char *head, size_t hn)
{
	struct block *cur = &sc->blk[1];
	ssize_t n;

	memcpy(cur->buf, head, hn);
	cur->len = hn;
	for (;;) {
		while (cur->len < BLOCK) {
			n = read(fd, cur->buf + cur->len, BLOCK - cur->len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -errno;
			if (n == 0)
				break;
			cur->len += (size_t)n;
		}
		if (!cur->len)
			return 0;
		if (feed(sc, st))
			return -ENOMEM;
		if (cur->len < BLOCK)
			return 0;
		next_block(sc);
	}
}

/* Are these n bytes, and the rest of fd, all zero (padding)? */
static bool only_zeros(int fd, const uint8_t *b, size_t n)
{
	uint8_t buf[64 * 1024];
	ssize_t got;

	for (;;) {
		for (size_t i = 0; i < n; i++)
			if (b[i])
				return false;
		do
			got = read(fd, buf, sizeof(buf));
		while (got < 0 && errno == EINTR);
		if (got <= 0)
			return got == 0;
		b = buf;
		n = (size_t)got;
	}
}

/* Scans n bytes held in memory, a block at a time, as if read. */
static int scan_buffer(struct scan *sc, struct scanner_stream *st, const uint8_t *b, size_t n)
{
	struct block *cur = &sc->blk[1];

	while (n) {
		size_t take = BLOCK - cur->len < n ? BLOCK - cur->len : n;

		memcpy(cur->buf + cur->len, b, take);
		cur->len += take;
		b += take;
		n -= take;
		if (cur->len < BLOCK)
			break;
		if (feed(sc, st))
			return -ENOMEM;
		next_block(sc);
	}
	return cur->len && feed(sc, st) ? -ENOMEM : 0;
}

/* A gzip file that unpack__gzip_file inflates whole: twice as fast as
 * streaming. -EAGAIN for any other, before anything is scanned or the file
 * offset moves, so scan_packed then reads it as it would have. */
static int scan_gzip_whole(struct scan *sc, int fd, struct scanner_stream *st)
{
	const uint8_t *out;
	size_t len;
	int rc = unpack__gzip_file(fd, GZIP_WHOLE_MAX, &sc->gz, &out, &len);

	return rc ? rc : scan_buffer(sc, st, out, len);
}

/*
 * A compressed file, whatever its format (unpack.h), across concatenated
 * members. Truncated or corrupt data ends the scan of it, after what came
 * out was scanned; so does inflating past the bomb limit.
 */
static int scan_packed(struct scan *sc, int fd, struct scanner_stream *st, enum unpack_format f,
		       const unsigned char *head, size_t hn)
{
	uint8_t in[64 * 1024];
	const uint8_t *p = in;
	size_t avail = hn;
	struct block *cur = &sc->blk[1];
	uint64_t in_total = hn, out_total = 0;
	bool eof = false, between = false; /* between members: the input may end here */
	struct unpack *u;
	int rc;

	if (f == UNPACK_GZIP && (rc = scan_gzip_whole(sc, fd, st)) != -EAGAIN)
		return rc;
	if ((rc = unpack__open(f, &u)))
		return rc;
	memcpy(in, head, hn);
	for (;;) {
		size_t room, before;
		const uint8_t *rest;
		bool at_end = false;

		if (!avail && !eof) {
			ssize_t n = read(fd, in, sizeof(in));

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				rc = -errno;
				break;
			}
			eof = n == 0;
			in_total += (uint64_t)n;
			p = in;
			avail = (size_t)n;
		}
		room = BLOCK - cur->len;
		before = avail;
		rest = p;
		rc = unpack__step(u, &p, &avail, (uint8_t *)cur->buf + cur->len, &room, &at_end);
		cur->len += room;
		out_total += room;
		if (rc) {
			/* after the last member, zeros are padding; anything else (a
			 * damaged next member) is said, never skipped in silence */
			if (between && rc == -EINVAL)
				rc = only_zeros(fd, rest, before) ? 0 : -EBADMSG;
			break;
		}
		if (at_end)
			between = true;
		else if (room || avail != before)
			between = false;
		if (out_total > PACKED_FLOOR && out_total / (in_total ? in_total : 1) > PACKED_MAX_RATIO) {
			rc = -EFBIG;
			break;
		}
		if (cur->len == BLOCK) {
			if (feed(sc, st)) {
				rc = -ENOMEM;
				break;
			}
			next_block(sc);
			continue;
		}
		if (eof && !avail && (at_end || !room)) {
			if (!between)
				rc = -EPIPE; /* truncated: what came out is scanned */
			break;
		}
	}
	if (cur->len && rc != -ENOMEM && feed(sc, st) && !rc)
		rc = -ENOMEM;
	unpack__close(u);
	return rc;
}

void scanfile__path(struct scan *sc, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		scanfile__error(sc, path, strerror(errno));
		return;
	}
	scanfile__fd(sc, fd, path);
}

static void report_packed_error(struct scan *sc, const char *path, enum unpack_format f, int rc)
{
	char msg[160];

	if (!rc)
		return;
	if (!f) {
		scanfile__error(sc, path, strerror(-rc));
		return;
	}
	if (rc == -EFBIG)
		snprintf(msg, sizeof(msg), "%s data inflates more than %d times its size (a bomb?); scanned the first %llu MiB",
			 unpack__name(f), PACKED_MAX_RATIO, (unsigned long long)(PACKED_FLOOR >> 20));
	else if (rc == -EINVAL)
		snprintf(msg, sizeof(msg), "corrupt %s data; scanned what inflated before it", unpack__name(f));
	else if (rc == -EPIPE)
		snprintf(msg, sizeof(msg), "truncated %s data; scanned what inflated", unpack__name(f));
	else if (rc == -EBADMSG)
		snprintf(msg, sizeof(msg), "what follows a complete %s member is not %s data (damaged?); "
			 "scanned what came before it", unpack__name(f), unpack__name(f));
	else if (rc == -E2BIG)
		snprintf(msg, sizeof(msg), "%s data that needs more than 1 GiB of memory to decode; not scanned",
			 unpack__name(f));
	else
		snprintf(msg, sizeof(msg), "%s", strerror(-rc));
	scanfile__error(sc, path, msg);
}

/* One file's bytes, from fd, which this closes (standard input: "-"). */
void scanfile__fd(struct scan *sc, int fd, const char *path)
{
	unsigned char head[8192];
	struct scanner_stream *st = NULL;
	enum unpack_format packed, named;
	char why[96];
	size_t hn = 0;
	ssize_t n;
	int rc;

	while (hn < sizeof(head) && (n = read(fd, head + hn, sizeof(head) - hn)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			scanfile__error(sc, path, strerror(errno));
			close(fd);
			return;
		}
		hn += (size_t)n;
	}
	packed = unpack__detect(head, hn);
	named = named_format(path);
	if (named && packed != named && hn) {
		/* a rotated log that is not what its name says: said; never read as
		 * text, but another format is decoded as what it is */
		if (packed)
			snprintf(why, sizeof(why), "named %s but %s data; scanned as %s", strrchr(path, '.'),
				 unpack__name(packed), unpack__name(packed));
		else
			snprintf(why, sizeof(why), "named %s but not %s data", strrchr(path, '.'), unpack__name(named));
		scanfile__error(sc, path, why);
		if (!packed) {
			close(fd);
			return;
		}
	}
	if (!packed && lz4_frame(head, hn)) {
		scanfile__skip(sc, path, "lz4 compressed (not read)");
		close(fd);
		return;
	}
	if (!packed && looks_binary(head, hn)) {
		scanfile__skip(sc, path, "binary");
		close(fd);
		return;
	}
	sc->files++;
	sc->path = path;
	reset_blocks(sc);
	rc = scanner__stream_open(sc->sc, &st);
	if (!rc)
		rc = packed ? scan_packed(sc, fd, st, packed, head, hn) : scan_plain(sc, fd, st, head, hn);
	if (st && scanner__stream_flush(st, on_finding, sc) < 0 && !rc)
		rc = -ENOMEM;
	scanner__stream_close(st);
	close(fd);
	report_packed_error(sc, path, packed, rc);
}

int scanfile__init(struct scan *sc)
{
	sc->gz = (struct unpack_buf){ 0 }; /* a worker's copy of the walk's scan shares none */
	sc->blk[0].buf = malloc(BLOCK);
	sc->blk[1].buf = malloc(BLOCK);
	return sc->blk[0].buf && sc->blk[1].buf ? 0 : -ENOMEM;
}

void scanfile__fini(struct scan *sc)
{
	free(sc->blk[0].buf);
	free(sc->blk[1].buf);
	sc->blk[0].buf = sc->blk[1].buf = NULL;
	unpack__buf_free(&sc->gz);
}

void scanfile__any(struct scan *sc, const char *path)
{
	if (!strcmp(path, "-"))
		scanfile__fd(sc, dup(STDIN_FILENO), "-"); /* standard input */
	else
		scanfile__path(sc, path);
}
