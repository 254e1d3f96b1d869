// SPDX-License-Identifier: Apache-2.0
#include "scan/scanreport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BASELINE_MAX 1000000
#define LINE_MAX_LEN 65536

int scan_format__parse(const char *s, enum scan_format *out)
{
	static const char *const names[] = { "text", "json", "csv", "sarif" };

	for (int i = 0; i < 4; i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum scan_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

void scanreport__begin(struct scan_report *r, enum scan_format f, FILE *out)
{
	memset(r, 0, sizeof(*r));
	r->format = f;
	r->out = out;
	jsonw__init(&r->w);
	if (f == SCAN_CSV)
		fputs("path,line,column,end_column,lines,rule,family,severity,redacted,fingerprint\r\n", out);
	if (f == SCAN_SARIF)
		jsonw__begin_array(&r->w);
}

/* --- the baseline --- */

/* The string value of "key":"..." in one of our own JSON lines, unescaped (\" and \\). */
static char *json_string(const char *line, const char *key)
{
	char pat[32];
	const char *p;
	char *out, *o;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	if (!(p = strstr(line, pat)))
		return NULL;
	p += strlen(pat);
	if (!(out = o = malloc(strlen(p) + 1)))
		return NULL;
	for (; *p && *p != '"'; p++) {
		if (*p == '\\' && p[1])
			p++;
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *baseline_key(const char *fingerprint, const char *path)
{
	char *k = NULL;

	return asprintf(&k, "%s\t%s", fingerprint, path ? path : "") < 0 ? NULL : k;
}

int scanreport__load_baseline(struct scan_report *r, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	while ((len = getline(&line, &cap, f)) > 0 && r->n_baseline < BASELINE_MAX) {
		char *fp, *file, *key, **grown;

		n++;
		if (len > LINE_MAX_LEN || line[0] != '{')
			continue; /* not one of our JSON lines */
		fp = json_string(line, "fingerprint");
		file = json_string(line, "path");
		key = fp ? baseline_key(fp, file) : NULL;
		free(fp);
		free(file);
		if (!key)
			continue;
		grown = realloc(r->baseline, (r->n_baseline + 1) * sizeof(*grown));
		if (!grown) {
			free(key);
			break;
		}
		r->baseline = grown;
		r->baseline[r->n_baseline++] = key;
	}
	free(line);
	fclose(f);
	if (n && !r->n_baseline) {
		snprintf(err, errlen, "%s: not a report of `leakwatch scan --format json`", path);
		return -EINVAL;
	}
	qsort(r->baseline, r->n_baseline, sizeof(*r->baseline), by_string);
	return 0;
}

bool scanreport__known(struct scan_report *r, const char *fingerprint, const char *path)
{
	char *key;
	bool known;

	if (!r->n_baseline || !(key = baseline_key(fingerprint, path)))
		return false;
	known = bsearch(&key, r->baseline, r->n_baseline, sizeof(*r->baseline), by_string) != NULL;
	free(key);
	r->in_baseline += known;
	return known;
}

/* --- the formats --- */

static void csv_field(FILE *out, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', out);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', out);
			fputc(*s, out);
		}
		fputc('"', out);
	} else {
		fputs(s, out);
	}
	fputs(last ? "\r\n" : ",", out);
}

static void csv_row(FILE *out, const struct scan_finding *f)
{
	char num[4][24];

	snprintf(num[0], sizeof(num[0]), "%llu", (unsigned long long)f->line);
	snprintf(num[1], sizeof(num[1]), "%llu", (unsigned long long)f->column);
	snprintf(num[2], sizeof(num[2]), "%llu", (unsigned long long)f->end_column);
	snprintf(num[3], sizeof(num[3]), "%llu", (unsigned long long)f->lines);
	csv_field(out, f->path, false);
	for (int i = 0; i < 4; i++)
		csv_field(out, num[i], false);
	csv_field(out, f->rule, false);
	csv_field(out, f->family, false);
	csv_field(out, f->severity, false);
	csv_field(out, f->redacted, false);
	csv_field(out, f->fingerprint, true);
}

/* a field list, as render.c writes its own: alike in shape, other fields */
static void json_line(struct scan_report *r, const struct scan_finding *f)
{
	struct jsonw *w = &r->w;

	jsonw__reset(w);
	jsonw__begin_object(w);
	jsonw__kv_str(w, "path", f->path);
	jsonw__kv_u64(w, "line", f->line);
	jsonw__kv_u64(w, "column", f->column);
	jsonw__kv_u64(w, "end_column", f->end_column);
	jsonw__kv_u64(w, "lines", f->lines);
	jsonw__kv_str(w, "rule", f->rule);
	jsonw__kv_str(w, "family", f->family);
	jsonw__kv_str(w, "severity", f->severity);
	jsonw__kv_str(w, "redacted", f->redacted);
	jsonw__kv_str(w, "fingerprint", f->fingerprint);
	jsonw__end_object(w);
	if (jsonw__str(w))
		fprintf(r->out, "%s\n", jsonw__str(w));
}

/* SARIF's levels: critical and high are errors, medium a warning, the rest notes. */
static const char *sarif_level(const char *severity)
{
	if (!strcmp(severity, "critical") || !strcmp(severity, "high"))
		return "error";
	return !strcmp(severity, "medium") ? "warning" : "note";
}

/* A path as a URI reference: relative stays relative (to the repository
 * root, as code scanning wants), absolute becomes file://. */
static char *path_uri(const char *path)
{
	static const char keep[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/";
	size_t n = strlen(path);
	char *out = malloc(3 * n + 8), *o = out;

	if (!out)
		return NULL;
	if (path[0] == '/')
		o += sprintf(o, "file://");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (strchr(keep, *p))
			*o++ = (char)*p;
		else
			o += sprintf(o, "%%%02X", *p);
	}
	*o = '\0';
	return out;
}

static void remember_rule(struct scan_report *r, const struct scan_finding *f)
{
	char **ids, **texts;

	for (size_t i = 0; i < r->n_rules; i++)
		if (!strcmp(r->rules[i], f->rule))
			return;
	ids = realloc(r->rules, (r->n_rules + 1) * sizeof(*ids));
	if (ids)
		r->rules = ids;
	texts = realloc(r->rule_text, (r->n_rules + 1) * sizeof(*texts));
	if (texts)
		r->rule_text = texts;
	if (!ids || !texts)
		return;
	r->rules[r->n_rules] = strdup(f->rule);
	r->rule_text[r->n_rules] = strdup(f->what ? f->what : f->rule);
	if (r->rules[r->n_rules] && r->rule_text[r->n_rules])
		r->n_rules++;
}

static void sarif_result(struct scan_report *r, const struct scan_finding *f)
{
	struct jsonw *w = &r->w;
	char *uri = path_uri(f->path), msg[512];

	if (!uri)
		return;
	remember_rule(r, f);
	snprintf(msg, sizeof(msg), "%s: %s written here (%s); fingerprint %s", f->rule, f->what ? f->what : "a credential",
		 f->redacted, f->fingerprint);
	jsonw__begin_object(w);
	jsonw__kv_str(w, "ruleId", f->rule);
	jsonw__kv_str(w, "level", sarif_level(f->severity));
	jsonw__key(w, "message");
	jsonw__begin_object(w);
	jsonw__kv_str(w, "text", msg);
	jsonw__end_object(w);
	jsonw__key(w, "locations");
	jsonw__begin_array(w);
	jsonw__begin_object(w);
	jsonw__key(w, "physicalLocation");
	jsonw__begin_object(w);
	jsonw__key(w, "artifactLocation");
	jsonw__begin_object(w);
	jsonw__kv_str(w, "uri", uri);
	jsonw__end_object(w);
	jsonw__key(w, "region");
	jsonw__begin_object(w);
	jsonw__kv_u64(w, "startLine", f->line);
	jsonw__kv_u64(w, "startColumn", f->column);
	if (f->lines <= 1 && f->end_column > f->column)
		jsonw__kv_u64(w, "endColumn", f->end_column);
	jsonw__end_object(w);
	jsonw__end_object(w);
	jsonw__end_object(w);
	jsonw__end_array(w);
	/* what code scanning matches one run's results to the next by */
	jsonw__key(w, "partialFingerprints");
	jsonw__begin_object(w);
	jsonw__kv_str(w, "leakwatch/fingerprint/v1", f->fingerprint);
	jsonw__end_object(w);
	jsonw__end_object(w);
	r->n_results++;
	free(uri);
}

void scanreport__finding(struct scan_report *r, const struct scan_finding *f)
{
	switch (r->format) {
	case SCAN_TEXT:
		fprintf(r->out, "%s:%llu:%llu: %s %s %s fingerprint=%s%s\n", f->path, (unsigned long long)f->line,
			(unsigned long long)f->column, f->severity, f->rule, f->redacted, f->fingerprint,
			f->lines > 1 ? " (multi-line)" : "");
		break;
	case SCAN_JSON: json_line(r, f); break;
	case SCAN_CSV: csv_row(r->out, f); break;
	case SCAN_SARIF: sarif_result(r, f); break;
	}
}

/* The document: the driver (name, version, the rules that found something) and the results. */
static int write_sarif(struct scan_report *r, const char *version)
{
	struct jsonw d;
	const char *results, *driver;

	jsonw__end_array(&r->w);
	results = jsonw__str(&r->w);
	jsonw__init(&d);
	jsonw__begin_object(&d);
	jsonw__kv_str(&d, "name", "leakwatch");
	jsonw__kv_str(&d, "version", version);
	jsonw__kv_str(&d, "semanticVersion", version);
	jsonw__key(&d, "rules");
	jsonw__begin_array(&d);
	for (size_t i = 0; i < r->n_rules; i++) {
		jsonw__begin_object(&d);
		jsonw__kv_str(&d, "id", r->rules[i]);
		jsonw__key(&d, "shortDescription");
		jsonw__begin_object(&d);
		jsonw__kv_str(&d, "text", r->rule_text[i]);
		jsonw__end_object(&d);
		jsonw__end_object(&d);
	}
	jsonw__end_array(&d);
	jsonw__end_object(&d);
	driver = jsonw__str(&d);
	if (!driver || !results) {
		jsonw__free(&d);
		return -ENOMEM;
	}
	fprintf(r->out,
		"{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\","
		"\"runs\":[{\"tool\":{\"driver\":%s},\"results\":%s}]}\n",
		driver, results);
	jsonw__free(&d);
	return 0;
}

int scanreport__end(struct scan_report *r, const char *version)
{
	int err = 0;

	if (r->format == SCAN_SARIF)
		err = write_sarif(r, version);
	for (size_t i = 0; i < r->n_rules; i++) {
		free(r->rules[i]);
		free(r->rule_text[i]);
	}
	free(r->rules);
	free(r->rule_text);
	for (size_t i = 0; i < r->n_baseline; i++)
		free(r->baseline[i]);
	free(r->baseline);
	jsonw__free(&r->w);
	if (fflush(r->out) || ferror(r->out))
		err = -EIO;
	return err;
}
