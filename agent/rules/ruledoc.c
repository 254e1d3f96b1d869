// SPDX-License-Identifier: Apache-2.0
#include "rules/ruledoc.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "wire/jsonw.h"
#include "wire/names.h"

static void add(char *out, size_t outlen, const char *fmt, ...)
{
	size_t n = strlen(out);
	va_list ap;

	if (n + 3 >= outlen)
		return;
	if (n) {
		memcpy(out + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(out + n, outlen - n, fmt, ap);
	va_end(ap);
}

/* "a|b|c" as "a, b or c" (or "a and b" when all must occur) */
static void words(const char *spec, bool all, char *out, size_t outlen)
{
	const char *p = spec, *bar;
	size_t n = 0;

	out[0] = '\0';
	while (p && *p && n + 1 < outlen) {
		bar = strchr(p, '|');
		n += (size_t)snprintf(out + n, outlen - n, "%s%.*s", n ? (bar ? ", " : all ? " and " : " or ") : "",
				      (int)(bar ? (size_t)(bar - p) : strlen(p)), p);
		p = bar ? bar + 1 : NULL;
		if (n >= outlen)
			break;
	}
}

static void length(const struct lw_rule *r, char *out, size_t outlen)
{
	const char *abc = r->alphabet && r->alphabet[0] != '^' ? r->alphabet : NULL;
	char len[32];

	if (!r->max_len && r->min_len <= 1)
		return;
	if (r->min_len == r->max_len)
		snprintf(len, sizeof(len), "%u chars", r->min_len);
	else if (r->max_len)
		snprintf(len, sizeof(len), "%u-%u chars", r->min_len, r->max_len);
	else
		snprintf(len, sizeof(len), "%u+ chars", r->min_len);
	if (abc)
		add(out, outlen, "%s of [%s]", len, abc);
	else
		add(out, outlen, "%s", len);
}

void ruledoc__validated(const struct lw_rule *r, char *out, size_t outlen)
{
	char kw[160];

	out[0] = '\0';
	length(r, out, outlen);
	if (r->checks)
		add(out, outlen, "%s", r->checks);
	if (r->min_entropy > 0)
		add(out, outlen, "entropy >= %.1f", r->min_entropy);
	if (r->min_classes)
		add(out, outlen, "%d+ character classes", r->min_classes);
	if (r->keywords) {
		words(r->keywords, r->kw_all, kw, sizeof(kw));
		add(out, outlen, "%s on the line", kw);
	}
	if (!out[0])
		add(out, outlen, "the shape");
}

/* Markdown cell: a '|' would end it */
static void cell(FILE *f, const char *s, bool code)
{
	fputs(code ? " `" : " ", f);
	for (; *s; s++) {
		if (*s == '|')
			fputs(code ? "&#124;" : "\\|", f);
		else
			fputc(*s, f);
	}
	fputs(code ? "` |" : " |", f);
}

int ruledoc__markdown(FILE *f)
{
	char v[512];

	fputs("| rule | family | severity | finds | validated | example |\n", f);
	fputs("|---|---|---|---|---|---|\n", f);
	for (size_t i = 0; i < rules__count(); i++) {
		const struct lw_rule *r = rules__get(i);

		ruledoc__validated(r, v, sizeof(v));
		fputc('|', f);
		cell(f, r->info.id, true);
		cell(f, r->info.family, false);
		cell(f, severity__name(r->info.severity), false);
		cell(f, r->info.description, false);
		cell(f, v, false);
		cell(f, r->shape ? r->shape : "", true);
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

int ruledoc__json(FILE *f)
{
	struct jsonw w;
	char v[512];

	jsonw__init(&w);
	for (size_t i = 0; i < rules__count(); i++) {
		const struct lw_rule *r = rules__get(i);

		ruledoc__validated(r, v, sizeof(v));
		jsonw__reset(&w);
		jsonw__begin_object(&w);
		jsonw__kv_str(&w, "rule", r->info.id);
		jsonw__kv_str(&w, "family", r->info.family);
		jsonw__kv_str(&w, "severity", severity__name(r->info.severity));
		jsonw__kv_str(&w, "finds", r->info.description);
		jsonw__kv_str(&w, "validated", v);
		jsonw__kv_str(&w, "example", r->shape ? r->shape : "");
		jsonw__end_object(&w);
		fprintf(f, "%s\n", jsonw__str(&w));
	}
	jsonw__free(&w);
	return ferror(f) ? -EIO : 0;
}
