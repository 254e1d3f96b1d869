/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `leakwatch scan`'s reading of one file or stream: plain text or gzip
 * (inflate-bomb guarded), binary and other compressed files skipped, in
 * blocks through the scanner, each finding located by line and column and
 * handed to the report. cmd_scan.c walks the paths and owns the options.
 */
#ifndef LW_SCANFILE_H
#define LW_SCANFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scan/unpack.h"

#include "scan/scanreport.h"
#include "settings/config.h"
#include "leaks/secret.h"

struct scanner;

/* With --jobs: the files the walk found, in order, scanned after it. */
struct scan_list {
	char **paths;
	size_t n, cap;
};

/* With --jobs: one file's findings and stderr lines, held until its turn. */
struct scan_out {
	struct scan_finding *v; /* strings owned: path, redacted, fingerprint */
	size_t n, cap;
	char *msgs;             /* its skip and error lines */
	size_t msgs_len;
	FILE *msg;              /* writes msgs */
	bool failed;            /* out of memory: said, and counted as an error */
};

struct block {
	char *buf;
	size_t len;
	uint64_t off;     /* stream offset of buf[0] */
	uint64_t line;    /* 1-based line number at buf[0] */
	uint64_t line_at; /* stream offset where that line starts */
};

/* One run of scan: its options, the blocks held, and the tallies. */
struct scan {
	struct scanner *sc;
	const struct lw_config *cfg; /* rules.disable, watch.exclude, the ignore file */
	struct scan_report report;   /* the format, the output, the baseline */
	const char *const *exclude;  /* --exclude globs */
	size_t n_exclude;
	uint64_t max_size;           /* --max-file-size; 0: none */
	struct lw_fpkey key;
	bool json, progress;         /* stderr is a terminal: a progress line, once a scan takes 2 s */
	uint64_t started_ms;
	bool verbose;                /* --verbose: name each file skipped */
	const char *path;
	struct block blk[2]; /* [0] previous, [1] current */
	struct unpack_buf gz; /* what a whole gzip file inflates to, kept from file to file */
	uint64_t cursor_off, cursor_line, cursor_line_at;
	size_t found;
	size_t files, skipped;
	uint64_t bytes;
	int errors;
	struct scan_out *out;        /* --jobs: the file's output, held; NULL: straight to the report */
	struct scan_list *defer;     /* --jobs: the walk lists files here instead of scanning them */
};

/* The two blocks; -ENOMEM. */
int scanfile__init(struct scan *sc);
void scanfile__fini(struct scan *sc);

/* Scans the file at path, or what fd reads (closed here; "-" for stdin). */
void scanfile__path(struct scan *sc, const char *path);
/* The same, "-" being standard input. */
void scanfile__any(struct scan *sc, const char *path);
/* Frees what out holds. */
void scanfile__out_free(struct scan_out *out);
void scanfile__fd(struct scan *sc, int fd, const char *path);

/* Not an error (the exit status stands), and never silent: counted in the
 * summary, and named with --verbose. */
void scanfile__skip(struct scan *sc, const char *path, const char *why);
/* The progress line on a terminal, for a scan that has taken 2 s already:
 * files, bytes, rate and findings so far. */
void scanfile__progress(const struct scan *sc, size_t files, uint64_t bytes, size_t found);
/* "leakwatch: error: PATH: WHAT", counted: exit status 2. */
void scanfile__error(struct scan *sc, const char *path, const char *what);

#endif
