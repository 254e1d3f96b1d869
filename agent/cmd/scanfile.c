// SPDX-License-Identifier: Apache-2.0
#include "cmd/scanfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "clock.h"
#include "detect/scanner.h"
#include "ignore.h"
#include "log.h"
#include "names.h"

/* Read and inflate in blocks this large; a finding always lies within the
 * last two blocks, since the scanner's tail is smaller than one. */
#define BLOCK (1 << 20)
/* A .gz that inflates past this ratio (and past the floor) is treated as a
 * bomb: logs compress 5-20:1, zeros 1000:1. */
#define GZ_MAX_RATIO 200
#define GZ_FLOOR (64ULL << 20)

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

/* A compressed file this scanner cannot read: its format's name, by magic. */
static const char *other_compression(const unsigned char *head, size_t n)
{
	static const struct {
		const char *name;
		unsigned char magic[6];
		size_t len;
	} formats[] = {
		{ "xz", { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6 },
		{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
		{ "bzip2", { 'B', 'Z', 'h' }, 3 },
		{ "lz4", { 0x04, 0x22, 0x4d, 0x18 }, 4 },
	};

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (n >= formats[i].len && !memcmp(head, formats[i].magic, formats[i].len))
			return formats[i].name;
	return NULL;
}

void scanfile__error(struct scan *sc, const char *path, const char *what)
{
	if (sc->progress)
		fputs("\r\033[K", stderr);
	fprintf(sc->out ? sc->out->msg : stderr, "leakwatch: error: %s: %s\n", path, what);
	sc->errors++;
}

/* Line and column of a stream offset inside the two blocks held. */
static void locate(struct scan *sc, uint64_t off, uint64_t *line, uint64_t *line_at)
{
	const struct block *b = NULL;
	uint64_t from, ln, at;

	for (int i = 1; i >= 0 && !b; i--)
		if (sc->blk[i].buf && off >= sc->blk[i].off && off <= sc->blk[i].off + sc->blk[i].len)
			b = &sc->blk[i];
	if (!b) {
		*line = sc->blk[1].line; /* cannot happen: the tail is smaller than a block */
		*line_at = sc->blk[1].line_at;
		return;
	}
	/* findings come mostly in order: count on from the last one */
	if (sc->cursor_off >= b->off && sc->cursor_off <= off) {
		from = sc->cursor_off;
		ln = sc->cursor_line;
		at = sc->cursor_line_at;
	} else {
		from = b->off;
		ln = b->line;
		at = b->line_at;
	}
	for (const char *p = b->buf + (from - b->off), *end = b->buf + (off - b->off);
	     (p = memchr(p, '\n', (size_t)(end - p)));) {
		ln++;
		at = b->off + (uint64_t)(++p - b->buf);
	}
	sc->cursor_off = off;
	sc->cursor_line = ln;
	sc->cursor_line_at = at;
	*line = ln;
	*line_at = at;
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
	uint64_t line = cur->line, at = cur->line_at;
	char *spare = prev->buf;

	for (const char *p = cur->buf, *end = cur->buf + cur->len; (p = memchr(p, '\n', (size_t)(end - p)));) {
		line++;
		at = cur->off + (uint64_t)(++p - cur->buf);
	}
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
		{ "\x7f" "ELF", 4 }, { "\x89PNG", 4 }, { "\xff\xd8\xff", 3 }, { "PK\x03\x04", 4 },
		{ "\xfd" "7zXZ", 5 }, { "\x28\xb5\x2f\xfd", 4 }, { "BZh", 3 }, { "%PDF", 4 },
		{ "SQLite format 3", 15 },
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

/* gzip, including concatenated members (what logrotate and `cat a.gz b.gz` make). */
static int scan_gzip(struct scan *sc, int fd, struct scanner_stream *st, const unsigned char *head, size_t hn)
{
	unsigned char in[64 * 1024];
	struct block *cur = &sc->blk[1];
	uint64_t in_total = hn, out_total = 0;
	bool eof = false, between = false; /* between members: the input may end here */
	z_stream z = { 0 };
	int zrc, rc = 0;

	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	memcpy(in, head, hn);
	z.next_in = in;
	z.avail_in = (uInt)hn;
	for (;;) {
		if (z.avail_in == 0 && !eof) {
			ssize_t n = read(fd, in, sizeof(in));

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				rc = -errno;
				break;
			}
			eof = n == 0;
			in_total += (uint64_t)n;
			z.next_in = in;
			z.avail_in = (uInt)n;
		}
		if (z.avail_in == 0 && eof) {
			if (!between)
				rc = -EPIPE; /* truncated: what came out is scanned */
			break;
		}
		z.next_out = (Bytef *)cur->buf + cur->len;
		z.avail_out = (uInt)(BLOCK - cur->len);
		zrc = inflate(&z, Z_NO_FLUSH);
		cur->len = BLOCK - z.avail_out;
		out_total += z.total_out;
		z.total_out = 0;
		if (zrc == Z_STREAM_END) {
			between = true;
			inflateReset(&z);
		} else if (zrc == Z_OK || zrc == Z_BUF_ERROR) {
			between = false;
		} else {
			/* padding after the last member is common; garbage inside one is not */
			if (!between)
				rc = -EINVAL;
			break;
		}
		if (out_total > GZ_FLOOR && out_total / (in_total ? in_total : 1) > GZ_MAX_RATIO) {
			rc = -EFBIG;
			break;
		}
		if (cur->len == BLOCK) {
			if (feed(sc, st)) {
				rc = -ENOMEM;
				break;
			}
			next_block(sc);
		}
	}
	if (cur->len && feed(sc, st) && !rc)
		rc = -ENOMEM;
	inflateEnd(&z);
	return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
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

/* One file's bytes, from fd, which this closes (standard input: "-"). */
void scanfile__fd(struct scan *sc, int fd, const char *path)
{
	unsigned char head[8192];
	struct scanner_stream *st = NULL;
	const char *other;
	char why[64];
	size_t hn = 0;
	ssize_t n;
	int rc;
	bool gz;

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
	gz = hn >= 2 && head[0] == 0x1f && head[1] == 0x8b;
	if (!gz && ends_with(path, ".gz") && hn) {
		/* a rotated log that is not gzip: damaged, never silently text */
		scanfile__error(sc, path, "named .gz but not gzip data");
		close(fd);
		return;
	}
	if (!gz && (other = other_compression(head, hn))) {
		snprintf(why, sizeof(why), "%s compressed (only gzip is read)", other);
		scanfile__skip(sc, path, why);
		close(fd);
		return;
	}
	if (!gz && looks_binary(head, hn)) {
		scanfile__skip(sc, path, "binary");
		close(fd);
		return;
	}
	sc->files++;
	sc->path = path;
	reset_blocks(sc);
	rc = scanner__stream_open(sc->sc, &st);
	if (!rc)
		rc = gz ? scan_gzip(sc, fd, st, head, hn) : scan_plain(sc, fd, st, head, hn);
	if (st && scanner__stream_flush(st, on_finding, sc) < 0 && !rc)
		rc = -ENOMEM;
	scanner__stream_close(st);
	close(fd);
	if (rc == -EFBIG) {
		char msg[160];

		snprintf(msg, sizeof(msg), "gzip inflates more than %d times its size (a bomb?); scanned the first %llu MiB",
			 GZ_MAX_RATIO, (unsigned long long)(GZ_FLOOR >> 20));
		scanfile__error(sc, path, msg);
	} else if (rc == -EINVAL) {
		scanfile__error(sc, path, "corrupt gzip data; scanned what inflated before it");
	} else if (rc == -EPIPE) {
		scanfile__error(sc, path, "truncated gzip data; scanned what inflated");
	} else if (rc) {
		scanfile__error(sc, path, strerror(-rc));
	}
}

int scanfile__init(struct scan *sc)
{
	sc->blk[0].buf = malloc(BLOCK);
	sc->blk[1].buf = malloc(BLOCK);
	return sc->blk[0].buf && sc->blk[1].buf ? 0 : -ENOMEM;
}

void scanfile__fini(struct scan *sc)
{
	free(sc->blk[0].buf);
	free(sc->blk[1].buf);
	sc->blk[0].buf = sc->blk[1].buf = NULL;
}

void scanfile__any(struct scan *sc, const char *path)
{
	if (!strcmp(path, "-"))
		scanfile__fd(sc, dup(STDIN_FILENO), "-"); /* standard input */
	else
		scanfile__path(sc, path);
}
