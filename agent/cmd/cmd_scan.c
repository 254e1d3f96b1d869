// SPDX-License-Identifier: Apache-2.0
/*
 * `leakwatch scan PATH...`: looks for credentials in files at rest (old
 * logs, rotated logs compressed with gzip, zstd, xz or bzip2, directories of them) with the agent's own engine,
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

#include "cmd/cmd.h"
#include "data/grow.h"
#include "os/clock.h"
#include "config/ignore.h"
#include "scan/scanfile.h"
#include "scan/scanjobs.h"
#include "scan/scanjournal.h"
#include "scan/scanreport.h"
#include "config/glob.h"
#include "os/version.h"
#include "config/yamlcfg.h"
#include "settings/config.h"
#include "wire/jsonw.h"
#include "os/log.h"
#include "wire/names.h"
#include "detect/scanner.h"
#include "attrib/procinfo.h"
#include "leaks/secret.h"

#define DIR_DEPTH_MAX 64

static void usage(FILE *f)
{
	fprintf(f, "usage: leakwatch scan [--format text|json|csv|sarif] [--report-path FILE] [--baseline FILE]\n"
		   "                      [--exclude GLOB]... [--max-file-size SIZE] [--key FILE] [--config FILE]\n"
		   "                      [-v|--verbose] [-q|--quiet] [-j|--jobs N] PATH...\n"
		   "       leakwatch scan --journal [--since WHEN] [--format json|text] [--key FILE] [DIR...]\n"
		   "  scans files and directories (recursively; rotated logs compressed with gzip, zstd, xz or\n"
		   "  bzip2 included) for credentials\n"
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
		   "  -v, --verbose name each file skipped (binary, lz4, too large)\n"
		   "  -q, --quiet   no summary line on standard error\n"
		   "  -j, --jobs N  scan N files at once (default: one per CPU); the output is the same\n"
		   "exit status: 0 nothing found, 1 credentials found, 2 error\n",
		LW_DEFAULT_STATE_DIR, LW_IGNORE_DEFAULT_FILE);
}

/* The default --jobs: one per CPU this process may run on, at most 256. */
static unsigned cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

static int parse_jobs(const char *s, unsigned *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || *end || !*s || n < 1 || n > 256)
		return -EINVAL;
	*out = (unsigned)n;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scan_path(struct scan *sc, const char *path, int depth);

/* A file the walk found: scanned now, or listed for --jobs. */
static void take(struct scan *sc, const char *path)
{
	if (!sc->defer)
		scanfile__any(sc, path);
	else if (scanjobs__add(sc->defer, path))
		scanfile__error(sc, path, "out of memory listing it");
}

static void scan_dir(struct scan *sc, const char *path, int depth)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	if (depth > DIR_DEPTH_MAX) {
		scanfile__error(sc, path, "directories nested too deep");
		return;
	}
	d = opendir(path);
	if (!d) {
		scanfile__error(sc, path, strerror(errno));
		return;
	}
	/* sorted, so that output is stable from run to run */
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (grow__reserve((void **)&names, &cap, n + 1, sizeof(*names), 64))
			break;
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
		take(sc, path); /* standard input */
		return;
	}
	if (excluded(sc, path))
		return;
	scanfile__progress(sc, sc->files, sc->bytes, sc->found);
	/* inside a tree, symlinks are not followed: no loops, no escaping it */
	if ((depth ? lstat(path, &st) : stat(path, &st)) != 0) {
		scanfile__error(sc, path, strerror(errno));
		return;
	}
	/* a FIFO named on the command line (process substitution, a pipe) is
	 * read as a stream; a device never is: /dev/urandom would never end */
	if (S_ISDIR(st.st_mode))
		scan_dir(sc, path, depth);
	else if (S_ISREG(st.st_mode) && sc->max_size && (uint64_t)st.st_size > sc->max_size) {
		scanfile__skip(sc, path, "larger than --max-file-size");
	} else if (S_ISREG(st.st_mode) || (!depth && S_ISFIFO(st.st_mode)))
		take(sc, path);
	else if (!depth && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
		scanfile__error(sc, path, "a device, not a file: refused");
	else if (!depth)
		scanfile__error(sc, path, "not a file or directory");
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

/*
 * Where the compiled rules come from (detect/hsdb.h). Most of a scan's
 * start-up is compiling them: the built-in rules' database is in the binary,
 * and any other is kept between runs. LEAKWATCH_CACHE_DIR names the folder
 * (empty: none), else $XDG_CACHE_HOME/leakwatch or ~/.cache/leakwatch.
 * LEAKWATCH_BUILTIN_DB=off passes over the one in the binary (the start-up
 * benchmark's baseline).
 */
static void scanner_opts(struct scanner_opts *o, char *buf, size_t len)
{
	const char *env = getenv("LEAKWATCH_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	const char *builtin = getenv("LEAKWATCH_BUILTIN_DB");

	o->no_builtin_db = builtin && !strcmp(builtin, "off");
	o->cache_dir = buf;
	if (env)
		o->cache_dir = *env ? env : NULL;
	else if (xdg && *xdg == '/')
		snprintf(buf, len, "%s/leakwatch", xdg);
	else if (home && *home == '/')
		snprintf(buf, len, "%s/.cache/leakwatch", home);
	else
		o->cache_dir = NULL;
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

/* What the command line asked for. */
struct scan_args {
	const char *config_file, *format, *key_file, *ignore_file, *report_path, *baseline;
	bool config_given, journal, quiet, verbose;
	const char *off[64], *exclude[64];
	size_t n_off, n_exclude;
	enum scan_format fmt;
	uint64_t max_size, since_us;
	unsigned jobs;
};

/* What the options say together, once all are read: 0, or -1 after saying what is wrong. */
static int check_args(int argc, struct scan_args *a)
{
	if (scan_format__parse(a->format, &a->fmt)) {
		fprintf(stderr, "leakwatch: scan: --format: expected text, json, csv or sarif, not \"%s\"\n", a->format);
		return -1;
	}
	if (a->journal && a->fmt != SCAN_TEXT && a->fmt != SCAN_JSON) {
		fprintf(stderr, "leakwatch: scan: --journal reports as text or json\n");
		return -1;
	}
	if ((optind == argc && !a->journal) || (a->since_us && !a->journal)) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* 0 to scan, 1 when --help was answered, -1 after saying what is wrong */
static int parse_args(int argc, char **argv, struct scan_args *a)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "key", required_argument, NULL, 'k' },
		{ "journal", no_argument, NULL, 'L' },
		{ "since", required_argument, NULL, 's' },
		{ "disable-rule", required_argument, NULL, 'D' },
		{ "ignore", required_argument, NULL, 'I' },
		{ "report-path", required_argument, NULL, 'o' },
		{ "baseline", required_argument, NULL, 'B' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "max-file-size", required_argument, NULL, 'M' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*a = (struct scan_args){ .config_file = LW_DEFAULT_CONFIG, .format = "text", .jobs = cpus() };
	while ((c = getopt_long(argc, argv, "c:f:k:hvqj:", opts, NULL)) != -1) {
		switch (c) {
		case 'c': a->config_file = optarg; a->config_given = true; break;
		case 'f': a->format = optarg; break;
		case 'k': a->key_file = optarg; break;
		case 'L': a->journal = true; break;
		case 'v': a->verbose = true; break;
		case 'j':
			if (parse_jobs(optarg, &a->jobs)) {
				fprintf(stderr, "leakwatch: scan: --jobs: expected 1 to 256, not \"%s\"\n", optarg);
				return -1;
			}
			break;
		case 'q': a->quiet = true; break;
		case 'I': a->ignore_file = optarg; break;
		case 'o': a->report_path = optarg; break;
		case 'B': a->baseline = optarg; break;
		case 'x':
			if (a->n_exclude == sizeof(a->exclude) / sizeof(a->exclude[0]) || glob__check(optarg)) {
				fprintf(stderr, "leakwatch: scan: --exclude \"%s\": %s\n", optarg,
					glob__check(optarg) ?: "at most 64");
				return -1;
			}
			a->exclude[a->n_exclude++] = optarg;
			break;
		case 'M':
			if (parse_size(optarg, &a->max_size)) {
				fprintf(stderr, "leakwatch: scan: --max-file-size: expected a size such as 100MiB, not \"%s\"\n",
					optarg);
				return -1;
			}
			break;
		case 'D':
			if (a->n_off == sizeof(a->off) / sizeof(a->off[0])) {
				fprintf(stderr, "leakwatch: scan: at most 64 --disable-rule\n");
				return -1;
			}
			a->off[a->n_off++] = optarg;
			break;
		case 's':
			if (parse_since(optarg, &a->since_us))
				return -1;
			break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return -1;
		}
	}
	return check_args(argc, a);
}

/* The configuration, with the command line's disabled rules and ignore file. */
static int load_config(const struct scan_args *a, struct lw_config *cfg)
{
	char err[512];

	if (cmd__load_config(cfg, a->config_file, a->config_given))
		return -1;
	for (size_t i = 0; i < a->n_off; i++) {
		if (config__disable_rule(cfg, a->off[i])) {
			fprintf(stderr, "leakwatch: scan: --disable-rule: no rule \"%s\" (leakwatch rules lists them)\n",
				a->off[i]);
			config__free(cfg);
			return -1;
		}
	}
	if (a->ignore_file && config__load_ignore(cfg, a->ignore_file, err, sizeof(err))) {
		fprintf(stderr, "leakwatch: scan: %s\n", err);
		config__free(cfg);
		return -1;
	}
	return 0;
}

/* The paths given: gathered, then scanned by jobs (or here, for one file). */
static int scan_files(struct scan *sc, const struct scan_args *a, char **paths, int n, struct lw_config *cfg)
{
	struct scan_list list = { 0 };
	struct scanner_opts so;
	char cache[4096];

	if (scanfile__init(sc)) {
		log_error("out of memory");
		return -1;
	}
	if (a->jobs > 1)
		sc->defer = &list;
	for (int i = 0; i < n; i++)
		scan_path(sc, paths[i], 0);
	sc->defer = NULL;
	scanner_opts(&so, cache, sizeof(cache));
	/* one file gains nothing from threads; a failure to start them, the serial scan */
	if (list.n == 1 || (list.n && scanjobs__run(sc, &list, a->jobs, cfg, &so)))
		for (size_t i = 0; i < list.n; i++)
			scanfile__any(sc, list.paths[i]);
	scanjobs__free(&list);
	return 0;
}

int cmd_scan(int argc, char **argv)
{
	struct scan_args a;
	FILE *out = stdout;
	uint64_t t0 = clock__monotonic_ms();
	struct scan sc = { 0 };
	struct lw_config cfg;
	struct scanner_opts so;
	char err[512], cache[4096];
	int rc = LW_EXIT_ERROR;

	log__setup(LW_LOG_WARN, LW_LOG_TEXT);
	if ((rc = parse_args(argc, argv, &a)))
		return rc > 0 ? LW_EXIT_OK : LW_EXIT_ERROR;
	rc = LW_EXIT_ERROR;
	if (load_config(&a, &cfg))
		return LW_EXIT_ERROR;
	sc.cfg = &cfg;
	sc.verbose = a.verbose;
	sc.json = a.fmt == SCAN_JSON;
	sc.exclude = a.exclude;
	sc.n_exclude = a.n_exclude;
	sc.max_size = a.max_size;
	if (a.report_path && !(out = fopen(a.report_path, "we"))) {
		fprintf(stderr, "leakwatch: scan: --report-path %s: %s\n", a.report_path, strerror(errno));
		config__free(&cfg);
		return LW_EXIT_ERROR;
	}
	scanreport__begin(&sc.report, a.fmt, out);
	if (a.baseline && scanreport__load_baseline(&sc.report, a.baseline, err, sizeof(err))) {
		fprintf(stderr, "leakwatch: scan: --baseline %s\n", err);
		goto out;
	}
	sc.progress = isatty(STDERR_FILENO);
	sc.started_ms = t0;
	if (load_key(&sc, a.key_file, &cfg))
		goto out;
	scanner_opts(&so, cache, sizeof(cache));
	if (scanner__new_opts(cfg.user_rules, cfg.n_user_rules, &so, &sc.sc, err, sizeof(err))) {
		log_error("scanner: %s", err);
		goto out;
	}
	if (a.journal) {
		scan_journal(&sc, &cfg, argv + optind, (size_t)(argc - optind), a.since_us);
	} else {
		if (scan_files(&sc, &a, argv + optind, argc - optind, &cfg))
			goto out;
		/* on stderr unless --quiet: a cron job's mail and a CI log say what was covered */
		if (!a.quiet)
			summary(&sc, a.baseline != NULL, clock__monotonic_ms() - t0);
		else if (sc.progress)
			fputs("\r\033[K", stderr);
	}
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
	scanfile__fini(&sc);
	scanner__free(sc.sc);
	config__free(&cfg);
	secret__thread_release(); /* the main thread's key copy: no destructor runs for it */
	return rc;
}
