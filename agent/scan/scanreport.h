/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What `leakwatch scan` prints, in the format asked for:
 *   text   path:line:column: severity rule redacted fingerprint=...
 *   json   one object per finding, per line
 *   csv    a header, then one row per finding (RFC 4180 quoting)
 *   sarif  one SARIF 2.1.0 document, written at the end, that GitHub code
 *          scanning takes: ruleId, a region with line and column, and the
 *          fingerprint in partialFingerprints
 * and the baseline: findings already in a previous JSON report (same
 * fingerprint, same path) are left out, as gitleaks' --baseline-path does.
 */
#ifndef LW_SCANREPORT_H
#define LW_SCANREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wire/jsonw.h"

enum scan_format { SCAN_TEXT, SCAN_JSON, SCAN_CSV, SCAN_SARIF };

struct scan_finding {
	const char *path;
	uint64_t line, column, end_column, lines;
	const char *rule, *family, *severity, *what;
	const char *redacted, *fingerprint;
};

struct scan_report {
	enum scan_format format;
	FILE *out;
	struct jsonw w;        /* json: a line; sarif: the results so far */
	size_t n_results;
	char **rules;          /* sarif: the rules that found something, for tool.driver.rules */
	char **rule_text;
	size_t n_rules;
	char **baseline;       /* "fingerprint\tpath" of the previous report, sorted */
	size_t n_baseline;
	size_t in_baseline;    /* findings left out for it */
};

/* "text", "json", "csv" or "sarif"; -EINVAL for another. */
int scan_format__parse(const char *s, enum scan_format *out);

void scanreport__begin(struct scan_report *r, enum scan_format f, FILE *out);
/* Reads a previous `--format json` report: its findings are not new. -errno, err set. */
int scanreport__load_baseline(struct scan_report *r, const char *path, char *err, size_t errlen);
/* Is this finding in the baseline? */
bool scanreport__known(struct scan_report *r, const char *fingerprint, const char *path);
void scanreport__finding(struct scan_report *r, const struct scan_finding *f);
/* The SARIF document, if that is the format; frees what r holds. 0, or -EIO on a write error. */
int scanreport__end(struct scan_report *r, const char *version);

#endif
