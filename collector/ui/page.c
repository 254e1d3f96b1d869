// SPDX-License-Identifier: Apache-2.0
#include "ui/page.h"

#include <stdlib.h>
#include <string.h>

#include "wire/names.h"
#include "storage/store.h"
#include "net/url.h"
#include "web/html.h"
#include "ui/uisql.h"

void page__begin(struct page *p, const char *title)
{
	FILE *f = p->f;

	fputs("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	      "<meta name=\"referrer\" content=\"no-referrer\"><title>", f);
	html__text(f, title);
	fputs(" \xe2\x80\x94 leakwatch</title>"
	      "<link rel=\"stylesheet\" href=\"/ui/style.css\">"
	      "<script src=\"/ui/app.js\" defer></script></head><body>\n"
	      "<header><a class=\"brand\" href=\"/ui/\">leakwatch</a><nav>"
	      "<a href=\"/ui/\">Open problems</a><a href=\"/ui/hosts\">Hosts</a></nav>", f);
	if (p->who) {
		fputs("<span class=\"who\">", f);
		html__text(f, p->who);
		fputs("</span>", f);
		if (p->csrf[0]) {
			fputs("<form method=\"post\" action=\"/ui/logout\" class=\"inline\">"
			      "<input type=\"hidden\" name=\"csrf\" value=\"", f);
			html__text(f, p->csrf);
			fputs("\"><button type=\"submit\">Sign out</button></form>", f);
		}
	}
	fputs("</header>\n<main>\n", f);
}

void page__finish(struct page *p, unsigned status, struct ui_response *out)
{
	fputs("</main>\n<footer>leakwatch collector \xc2\xb7 times in UTC</footer>\n</body></html>\n", p->f);
	if (fclose(p->f) || !p->buf) {
		free(p->buf);
		out->status = 503;
		out->type = "text/plain; charset=utf-8";
		out->body = (char *)"out of memory";
		out->len = strlen(out->body);
		out->body_static = true;
		p->f = NULL;
		p->buf = NULL;
		return;
	}
	out->status = status;
	out->type = "text/html; charset=utf-8";
	out->body = p->buf;
	out->len = p->len;
	p->f = NULL;
	p->buf = NULL;
}

void page__severity(FILE *f, int severity)
{
	const char *name = severity__wire_name(severity);

	fputs("<span class=\"sev sev-", f);
	html__text(f, name);
	fputs("\">", f);
	html__text(f, name);
	fputs("</span>", f);
}

void page__process(FILE *f, const char *comm, int64_t pid)
{
	html__text(f, comm ? comm : "?");
	if (pid > 0)
		fprintf(f, " <span class=\"muted\">(%lld)</span>", (long long)pid);
}

void page__when(FILE *f, uint64_t ns, uint64_t now_ns)
{
	if (!ns) {
		fputs("\xe2\x80\x94", f);
		return;
	}
	fputs("<time title=\"", f);
	html__time(f, ns);
	fputs("\">", f);
	html__age(f, ns, now_ns);
	fputs("</time>", f);
}

void page__listener_href(FILE *f, const char *host, uint64_t netns, const char *proto, const char *addr,
			 unsigned port)
{
	fputs("/ui/listener/", f);
	url__encode(f, host, false);
	fprintf(f, "/%llu/", (unsigned long long)netns);
	url__encode(f, proto, false);
	fputc('/', f);
	url__encode(f, addr, false);
	fprintf(f, "/%u", port);
}

const char *page__runbook(const struct page *p, enum store_kind k)
{
	return p->alerting ? p->alerting->runbook[k] : NULL;
}

unsigned page__number(const char *s)
{
	char *end;
	unsigned long v = s ? strtoul(s, &end, 10) : 0;

	return s && *s >= '0' && *s <= '9' && !*end && v >= 1 && v <= 100000 ? (unsigned)v : 1;
}

const char *page__arg(const struct page *p, const char *name)
{
	const char *v = p->rq->arg ? p->rq->arg(p->rq->arg_ctx, name) : NULL;

	return v && *v ? v : NULL;
}

void page__message(struct page *p, unsigned status, const char *title, const char *text,
		   struct ui_response *out)
{
	page__begin(p, title);
	fputs("<h1>", p->f);
	html__text(p->f, title);
	fputs("</h1><p>", p->f);
	html__text(p->f, text);
	fputs("</p>", p->f);
	page__finish(p, status, out);
}

void page__aside(FILE *f, const char *before, const char *text, const char *after)
{
	if (!text)
		return;
	fputs(before, f);
	html__text(f, text);
	fputs(after, f);
}

int page__read(struct page *p, const char *sql, struct db_stmt **st, struct ui_response *out)
{
	db__exec(p->db, "BEGIN");
	if (db__prepare(p->db, sql, st) == DB_OK)
		return 0;
	db__exec(p->db, "COMMIT");
	page__message(p, 503, "Storage unavailable", "The database could not be read; retry later.", out);
	return -1;
}

static int newest_first(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* One row of a history: its time, then fn's cells for the event. */
static void history_row(struct page *p, struct db_stmt *st, history_fn *fn, void *ctx)
{
	Leakwatch__V1__Event *ev = leakwatch__v1__event__unpack(NULL, (size_t)db__column_bytes(st, EC_BODY),
								  db__column_blob(st, EC_BODY));

	fputs("<tr><td>", p->f);
	page__when(p->f, (uint64_t)db__column_int64(st, EC_TIME), p->now_ns);
	fputs("</td>", p->f);
	fn(p, st, ev, ctx);
	if (ev)
		leakwatch__v1__event__free_unpacked(ev, NULL);
}

size_t page__history(struct page *p, const struct history_owner *owner, const char *const *histories, size_t n,
		     size_t max, history_fn *fn, void *ctx)
{
	int64_t *ids = calloc(n * STORE_HISTORY_MAX + 1, sizeof(*ids));
	size_t k = 0, shown = 0;
	struct db_stmt *st;

	if (!ids)
		return 0;
	for (size_t i = 0; i < n; i++) {
		const char *cur = histories[i];
		int64_t id;

		for (size_t j = 0; j < STORE_HISTORY_MAX && store__history_next(&cur, &id); j++)
			ids[k++] = id;
	}
	qsort(ids, k, sizeof(*ids), newest_first);
	if (db__prepare(p->db, UISQL_EVENT, &st) != DB_OK) {
		free(ids);
		return 0;
	}
	for (size_t i = 0; i < k && shown < max; i++) {
		if (i && ids[i] == ids[i - 1])
			continue;
		db__bind_int64(st, 1, ids[i]);
		db__bind_text(st, 2, owner->kind, -1);
		if (owner->host)
			db__bind_text(st, 3, owner->host, -1);
		if (owner->fingerprint)
			db__bind_text(st, 4, owner->fingerprint, -1);
		if (db__step(st) == DB_ROW) {
			history_row(p, st, fn, ctx);
			shown++;
		}
		db__reset(st);
		db__clear_bindings(st);
	}
	db__finalize(st);
	free(ids);
	return shown;
}
