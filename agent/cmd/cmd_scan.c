// SPDX-License-Identifier: Apache-2.0
/*
 * `leakwatch scan PATH...`: looks for credentials in files at rest (old
 * logs, rotated .gz logs, directories of them) with the agent's own engine,
 * so that a retro-scan finds what the agent would have found and gives the
 * same fingerprints. One line per finding; the secret itself is never
 * printed, only its rule, redacted form and keyed fingerprint.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cmd/cmd.h"
#include "clock.h"
#include "ignore.h"
#include "cmd/scanjournal.h"
#include "cmd/scanreport.h"
#include "glob.h"
#include "version.h"
#include "yamlcfg.h"
#include "core/config.h"
#include "jsonw.h"
#include "log.h"
#include "names.h"
#include "detect/scanner.h"
#include "attrib/procinfo.h"
#include "leaks/secret.h"

/* Read and inflate in blocks this large; a finding always lies within the
 * last two blocks, since the scanner's tail is smaller than one. */
#define BLOCK (1 << 20)
/* A .gz that inflates past this ratio (and past the floor) is treated as a
 * bomb: logs compress 5-20:1, zeros 1000:1. */
#define GZ_MAX_RATIO 200
#define GZ_FLOOR (64ULL << 20)
#define DIR_DEPTH_MAX 64

_Static_assert(BLOCK > LW_SCAN_TAIL_MAX, "a finding must fall within the two blocks held");

struct block {
	char *buf;
	size_t len;
	uint64_t off;     /* stream offset of buf[0] */
	uint64_t line;    /* 1-based line number at buf[0] */
	uint64_t line_at; /* stream offset where that line starts */
};

struct scan {
	struct scanner *sc;
	const struct lw_config *cfg; /* rules.disable, watch.exclude, the ignore file */
	struct scan_report report;   /* the format, the output, the baseline */
	const char *const *exclude;  /* --exclude globs */
	size_t n_exclude;
	uint64_t max_size;           /* --max-file-size; 0: none */
	struct lw_fpkey key;
	bool json, progress;
	bool verbose;                /* --verbose: name each file skipped */
	const char *path;
	struct block blk[2]; /* [0] previous, [1] current */
	uint64_t cursor_off, cursor_line, cursor_line_at;
	size_t found;
	size_t files, skipped;
	uint64_t bytes;
	int errors;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: leakwatch scan [--format text|json|csv|sarif] [--report-path FILE] [--baseline FILE]\n"
		   "                      [--exclude GLOB]... [--max-file-size SIZE] [--key FILE] [--config FILE]\n"
		   "                      [-v|--verbose] [-q|--quiet] PATH...\n"
		   "       leakwatch scan --journal [--since WHEN] [--format json|text] [--key FILE] [DIR...]\n"
		   "  scans files and directories (recursively; .gz rotated logs included) for credentials\n"
		   "  --journal     scans systemd journals instead: this host's, or those in each DIR\n"
		   "  --since WHEN  journal entries since a time (2026-11-29, \"2026-11-29 10:00:00\", UTC)\n"
		   "                or for a duration back from now (24h)\n"
		   "  --key FILE    fingerprint key (default: the agent's, %s/fingerprint.key)\n"
		   "  PATH -       standard input\n"
		   "  --format     text (default), json lines, csv, or one SARIF 2.1.0 document\n"
		   "  --report-path FILE  write the findings there instead of standard output\n"
		   "  --baseline FILE  a previous --format json report: only what is new is reported\n"
		   "  --exclude GLOB   leave these paths out (repeatable; watch.exclude too)\n"
		   "  --max-file-size SIZE  skip larger files (counted as skipped)\n"
		   "  --disable-rule ID  do not report this rule's findings (repeatable; rules.disable too)\n"
		   "  --ignore FILE the findings to leave out (default: ignore_file, %s)\n"
		   "  -v, --verbose name each file skipped (binary, compressed other than gzip, too large)\n"
		   "  -q, --quiet   no summary line on standard error\n"
		   "exit status: 0 nothing found, 1 credentials found, 2 error\n",
		LW_DEFAULT_STATE_DIR, LW_IGNORE_DEFAULT_FILE);
}

/* Not an error (the exit status stands), and never silent: counted in the
 * summary, and named with --verbose. */
static void skip(struct scan *sc, const char *path, const char *why)
{
	sc->skipped++;
	if (sc->verbose)
		fprintf(stderr, "%sleakwatch: skipped %s: %s\n", sc->progress ? "\r\033[K" : "", path, why);
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

static void error(struct scan *sc, const char *path, const char *what)
{
	if (sc->progress)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "leakwatch: error: %s: %s\n", path, what);
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
	scanreport__finding(&sc->report, &(struct scan_finding){
		.path = sc->path, .line = line, .column = m->start - line_at + 1, .end_column = brk - line_at + 1,
		.lines = lines, .rule = m->rule->id, .family = m->rule->family,
		.severity = severity__name(m->rule->severity), .what = m->rule->description,
		.redacted = red, .fingerprint = fp,
	});
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

static void scan_fd(struct scan *sc, int fd, const char *path);

static void scan_file(struct scan *sc, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		error(sc, path, strerror(errno));
		return;
	}
	scan_fd(sc, fd, path);
}

/* One file's bytes, from fd, which this closes (standard input: "-"). */
static void scan_fd(struct scan *sc, int fd, const char *path)
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
			error(sc, path, strerror(errno));
			close(fd);
			return;
		}
		hn += (size_t)n;
	}
	gz = hn >= 2 && head[0] == 0x1f && head[1] == 0x8b;
	if (!gz && ends_with(path, ".gz") && hn) {
		/* a rotated log that is not gzip: damaged, never silently text */
		error(sc, path, "named .gz but not gzip data");
		close(fd);
		return;
	}
	if (!gz && (other = other_compression(head, hn))) {
		snprintf(why, sizeof(why), "%s compressed (only gzip is read)", other);
		skip(sc, path, why);
		close(fd);
		return;
	}
	if (!gz && looks_binary(head, hn)) {
		skip(sc, path, "binary");
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
		error(sc, path, msg);
	} else if (rc == -EINVAL) {
		error(sc, path, "corrupt gzip data; scanned what inflated before it");
	} else if (rc == -EPIPE) {
		error(sc, path, "truncated gzip data; scanned what inflated");
	} else if (rc) {
		error(sc, path, strerror(-rc));
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scan_path(struct scan *sc, const char *path, int depth);

static void scan_dir(struct scan *sc, const char *path, int depth)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	if (depth > DIR_DEPTH_MAX) {
		error(sc, path, "directories nested too deep");
		return;
	}
	d = opendir(path);
	if (!d) {
		error(sc, path, strerror(errno));
		return;
	}
	/* sorted, so that output is stable from run to run */
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			char **grown = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));

			if (!grown)
				break;
			names = grown;
		}
		if (asprintf(&names[n], "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", de->d_name) < 0)
			break;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		scan_path(sc, names[i], depth + 1);
		free(names[i]);
	}
	free(names);
}

/* --exclude, and the configuration's watch.exclude */
static bool excluded(const struct scan *sc, const char *path)
{
	for (size_t i = 0; i < sc->n_exclude; i++)
		if (glob__match(sc->exclude[i], path))
			return true;
	for (size_t i = 0; i < sc->cfg->watch.n_exclude; i++)
		if (glob__match(sc->cfg->watch.exclude[i], path))
			return true;
	return false;
}

static void scan_path(struct scan *sc, const char *path, int depth)
{
	struct stat st;

	if (!depth && !strcmp(path, "-")) {
		scan_fd(sc, dup(STDIN_FILENO), "-"); /* standard input */
		return;
	}
	if (excluded(sc, path))
		return;
	if (sc->progress)
		fprintf(stderr, "\r\033[Kscanning: %zu files, %llu MiB", sc->files,
			(unsigned long long)(sc->bytes >> 20));
	/* inside a tree, symlinks are not followed: no loops, no escaping it */
	if ((depth ? lstat(path, &st) : stat(path, &st)) != 0) {
		error(sc, path, strerror(errno));
		return;
	}
	/* a FIFO named on the command line (process substitution, a pipe) is
	 * read as a stream; a device never is: /dev/urandom would never end */
	if (S_ISDIR(st.st_mode))
		scan_dir(sc, path, depth);
	else if (S_ISREG(st.st_mode) && sc->max_size && (uint64_t)st.st_size > sc->max_size) {
		skip(sc, path, "larger than --max-file-size");
	} else if (S_ISREG(st.st_mode) || (!depth && S_ISFIFO(st.st_mode)))
		scan_file(sc, path);
	else if (!depth && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
		error(sc, path, "a device, not a file: refused");
	else if (!depth)
		error(sc, path, "not a file or directory");
}

static int load_key(struct scan *sc, const char *key_file, const struct lw_config *cfg)
{
	char path[512], err[512];

	if (key_file) {
		if (secret__load_key(key_file, false, &sc->key, err, sizeof(err))) {
			fprintf(stderr, "leakwatch: error: --key: %s\n", err);
			return -1;
		}
		return 0;
	}
	config__key_file(cfg, path, sizeof(path));
	if (access(path, R_OK) == 0 && secret__load_key(path, false, &sc->key, err, sizeof(err)) == 0)
		return 0;
	if (secret__ephemeral_key(&sc->key))
		return -1;
	fprintf(stderr, "leakwatch: note: cannot read %s; fingerprints use a one-off key and will not match the agent's\n",
		path);
	return 0;
}

/* --journal: the journal's entries instead of files (scanjournal.c). */
static void scan_journal(struct scan *sc, const struct lw_config *cfg, char **dirs, size_t n_dirs, uint64_t since_us)
{
	struct scanjournal_opts jo = {
		.scanner = sc->sc, .key = &sc->key, .json = sc->json, .max_bytes = cfg->capture_max_bytes,
		.since_us = since_us, .dirs = dirs, .n_dirs = n_dirs, .procs = procinfo__new(), .cfg = cfg,
	};

	if (!jo.procs) {
		sc->errors++;
		return;
	}
	/* unit names and command lines are host-taken text: scrubbed */
	procinfo__set_scrubber(jo.procs, sc->sc);
	if (scanjournal__run(&jo, &sc->found))
		sc->errors++;
	procinfo__free(jo.procs);
}

static int parse_since(const char *arg, uint64_t *since_us)
{
	if (!scanjournal__parse_since(arg, since_us))
		return 0;
	fprintf(stderr, "leakwatch: --since: expected a time such as 2026-11-29 or \"2026-11-29 10:00:00\", "
			"or a duration such as 24h\n");
	return -1;
}

/* "scanned 8 files (2.0 GiB) in 3.2 s, 8 findings, 1 skipped, 0 errors" */
static void summary(const struct scan *sc, bool baseline, uint64_t elapsed_ms)
{
	static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	double size = (double)sc->bytes;
	unsigned u = 0;

	while (size >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		size /= 1024;
		u++;
	}
	fprintf(stderr, "%sscanned %zu file%s (%.*f %s) in %.1f s, %zu finding%s, %zu skipped, %d error%s",
		sc->progress ? "\r\033[K" : "", sc->files, sc->files == 1 ? "" : "s", u ? 1 : 0, size, units[u],
		(double)elapsed_ms / 1000, sc->found, sc->found == 1 ? "" : "s", sc->skipped, sc->errors,
		sc->errors == 1 ? "" : "s");
	if (baseline)
		fprintf(stderr, ", %zu in the baseline", sc->report.in_baseline);
	fputc('\n', stderr);
}

int cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "key", required_argument, NULL, 'k' },
		{ "journal", no_argument, NULL, 'j' },
		{ "since", required_argument, NULL, 's' },
		{ "disable-rule", required_argument, NULL, 'D' },
		{ "ignore", required_argument, NULL, 'I' },
		{ "report-path", required_argument, NULL, 'o' },
		{ "baseline", required_argument, NULL, 'B' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "max-file-size", required_argument, NULL, 'M' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *config_file = LW_DEFAULT_CONFIG, *format = "text", *key_file = NULL;
	const char *off[64], *ignore_file = NULL, *report_path = NULL, *baseline = NULL, *exclude[64];
	size_t n_off = 0, n_exclude = 0;
	enum scan_format fmt;
	uint64_t max_size = 0;
	FILE *out = stdout;
	bool config_given = false, journal = false, quiet = false;
	uint64_t since_us = 0, t0 = clock__monotonic_ms();
	struct scan sc = { 0 };
	struct lw_config cfg;
	char err[512];
	int c, rc = LW_EXIT_ERROR;

	log__setup(LW_LOG_WARN, LW_LOG_TEXT);
	while ((c = getopt_long(argc, argv, "c:f:k:hvq", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_file = optarg; config_given = true; break;
		case 'f': format = optarg; break;
		case 'k': key_file = optarg; break;
		case 'j': journal = true; break;
		case 'v': sc.verbose = true; break;
		case 'q': quiet = true; break;
		case 'I': ignore_file = optarg; break;
		case 'o': report_path = optarg; break;
		case 'B': baseline = optarg; break;
		case 'x':
			if (n_exclude == sizeof(exclude) / sizeof(exclude[0]) || glob__check(optarg)) {
				fprintf(stderr, "leakwatch: scan: --exclude \"%s\": %s\n", optarg,
					glob__check(optarg) ?: "at most 64");
				return LW_EXIT_ERROR;
			}
			exclude[n_exclude++] = optarg;
			break;
		case 'M':
			if (parse_size(optarg, &max_size)) {
				fprintf(stderr, "leakwatch: scan: --max-file-size: expected a size such as 100MiB, not \"%s\"\n",
					optarg);
				return LW_EXIT_ERROR;
			}
			break;
		case 'D':
			if (n_off == sizeof(off) / sizeof(off[0])) {
				fprintf(stderr, "leakwatch: scan: at most 64 --disable-rule\n");
				return LW_EXIT_ERROR;
			}
			off[n_off++] = optarg;
			break;
		case 's':
			if (parse_since(optarg, &since_us))
				return LW_EXIT_ERROR;
			break;
		case 'h': usage(stdout); return LW_EXIT_OK;
		default: usage(stderr); return LW_EXIT_ERROR;
		}
	}
	if (scan_format__parse(format, &fmt)) {
		fprintf(stderr, "leakwatch: scan: --format: expected text, json, csv or sarif, not \"%s\"\n", format);
		return LW_EXIT_ERROR;
	}
	if (journal && fmt != SCAN_TEXT && fmt != SCAN_JSON) {
		fprintf(stderr, "leakwatch: scan: --journal reports as text or json\n");
		return LW_EXIT_ERROR;
	}
	if ((optind == argc && !journal) || (since_us && !journal)) {
		usage(stderr);
		return LW_EXIT_ERROR;
	}
	if (cmd__load_config(&cfg, config_file, config_given))
		return LW_EXIT_ERROR;
	for (size_t i = 0; i < n_off; i++) {
		if (config__disable_rule(&cfg, off[i])) {
			fprintf(stderr, "leakwatch: scan: --disable-rule: no rule \"%s\" (leakwatch rules lists them)\n",
				off[i]);
			config__free(&cfg);
			return LW_EXIT_ERROR;
		}
	}
	if (ignore_file && config__load_ignore(&cfg, ignore_file, err, sizeof(err))) {
		fprintf(stderr, "leakwatch: scan: %s\n", err);
		config__free(&cfg);
		return LW_EXIT_ERROR;
	}
	sc.cfg = &cfg;
	sc.json = fmt == SCAN_JSON;
	sc.exclude = exclude;
	sc.n_exclude = n_exclude;
	sc.max_size = max_size;
	if (report_path && !(out = fopen(report_path, "we"))) {
		fprintf(stderr, "leakwatch: scan: --report-path %s: %s\n", report_path, strerror(errno));
		config__free(&cfg);
		return LW_EXIT_ERROR;
	}
	scanreport__begin(&sc.report, fmt, out);
	if (baseline && scanreport__load_baseline(&sc.report, baseline, err, sizeof(err))) {
		fprintf(stderr, "leakwatch: scan: --baseline %s\n", err);
		goto out;
	}
	sc.progress = isatty(STDERR_FILENO);
	if (load_key(&sc, key_file, &cfg))
		goto out;
	if (scanner__new(cfg.user_rules, cfg.n_user_rules, &sc.sc, err, sizeof(err))) {
		log_error("scanner: %s", err);
		goto out;
	}
	if (journal) {
		scan_journal(&sc, &cfg, argv + optind, (size_t)(argc - optind), since_us);
		goto done;
	}
	sc.blk[0].buf = malloc(BLOCK);
	sc.blk[1].buf = malloc(BLOCK);
	if (!sc.blk[0].buf || !sc.blk[1].buf) {
		log_error("out of memory");
		goto out;
	}
	for (int i = optind; i < argc; i++)
		scan_path(&sc, argv[i], 0);
	/* on stderr unless --quiet: a cron job's mail and a CI log say what was covered */
	if (!quiet)
		summary(&sc, baseline != NULL, clock__monotonic_ms() - t0);
	else if (sc.progress)
		fputs("\r\033[K", stderr);
done:
	if (scanreport__end(&sc.report, LW_VERSION))
		sc.errors++;
	sc.report.out = NULL;
	if (fflush(stdout))
		sc.errors++;
	rc = sc.errors ? LW_EXIT_ERROR : sc.found ? LW_EXIT_FOUND : LW_EXIT_OK;
out:
	if (sc.report.out)
		scanreport__end(&sc.report, LW_VERSION);
	if (out != stdout)
		fclose(out);
	free(sc.blk[0].buf);
	free(sc.blk[1].buf);
	scanner__free(sc.sc);
	config__free(&cfg);
	return rc;
}
