// SPDX-License-Identifier: Apache-2.0
/* GET /ui/hosts: the agents, an agent gone silent first. */
#include "ui/page.h"

#include <stdlib.h>
#include <string.h>

#include "net/url.h"
#include "web/html.h"
#include "ui/uisql.h"

#define COL(st, i) ((const char *)db__column_text(st, i))

static void spool_cell(FILE *f, struct db_stmt *st)
{
	int64_t records = db__column_int64(st, GC_SPOOL_RECORDS);

	if (db__column_type(st, GC_SPOOL_BYTES) == DB_NULL) {
		fputs("<span class=\"muted\">\xe2\x80\x94</span>", f);
		return;
	}
	if (!records) {
		fputs("empty", f);
	} else {
		html__bytes(f, (uint64_t)db__column_int64(st, GC_SPOOL_BYTES));
		fprintf(f, ", %lld batch%s, oldest %llds", (long long)records, records == 1 ? "" : "es",
			(long long)db__column_int64(st, GC_SPOOL_AGE));
	}
	if (db__column_int64(st, GC_SPOOL_FULL) > 0)
		fprintf(f, " <span class=\"open-door\">%lld dropped: spool full</span>",
			(long long)db__column_int64(st, GC_SPOOL_FULL));
}

static void host_row(FILE *f, struct db_stmt *st, uint64_t now_ns)
{
	bool is_silent = db__column_int(st, GC_SILENT);
	int64_t drops = db__column_int64(st, GC_DROPS);

	fputs(is_silent ? "<tr class=\"silent\"><td>" : "<tr><td>", f);
	fputs("<a href=\"/ui/?host=", f);
	url__encode(f, COL(st, GC_HOST), false);
	fputs("&amp;severity=info\">", f);
	html__text(f, COL(st, GC_HOST));
	fputs("</a>", f);
	if (is_silent)
		fputs(" <span class=\"open-door\">silent</span>", f);
	fputs("</td><td>", f);
	page__when(f, (uint64_t)db__column_int64(st, GC_HEARD), now_ns);
	fputs("</td><td>", f);
	html__text(f, COL(st, GC_VERSION));
	fputs(" <span class=\"muted\">", f);
	html__text_n(f, COL(st, GC_AGENT), 8);
	fputs("</span></td><td>", f);
	fprintf(f, "%lld</td><td>", (long long)db__column_int64(st, GC_LISTENERS));
	if (drops) {
		fprintf(f, "<span class=\"open-door\">%lld</span>", (long long)drops);
		page__aside(f, " <span class=\"muted\">(", COL(st, GC_DROP_REASONS), ")</span>");
	} else {
		fputs("0", f);
	}
	fputs("</td><td>", f);
	spool_cell(f, st);
	fputs("</td><td class=\"programs\">", f);
	html__text(f, COL(st, GC_PROGRAMS));
	fputs("</td></tr>\n", f);
}

void page__hosts(struct page *p, struct ui_response *out)
{
	FILE *f;
	/* as the alert engine judges silence: heartbeat_timeout, or five minutes when it is off */
	uint64_t silent_ms = p->alerting && p->alerting->stale_ms ? p->alerting->stale_ms : 5 * 60 * 1000;
	uint64_t cutoff = p->now_ns > silent_ms * 1000000ULL ? p->now_ns - silent_ms * 1000000ULL : 0;
	unsigned page = page__number(page__arg(p, "page"));
	int64_t total = 0, silent = 0, pages;
	struct db_stmt *st;
	int rc;

	db__exec(p->db, "BEGIN");
	if (db__prepare(p->db, UISQL_COUNT_AGENTS, &st) == DB_OK) {
		db__bind_int64(st, 1, (int64_t)cutoff);
		if (db__step(st) == DB_ROW) {
			total = db__column_int64(st, 0);
			silent = db__column_int64(st, 1);
		}
		db__finalize(st);
	}
	if (db__prepare(p->db, UISQL_AGENTS, &st) != DB_OK) {
		db__exec(p->db, "COMMIT");
		page__message(p, 503, "Storage unavailable", "The database could not be read; retry later.", out);
		return;
	}
	db__bind_int64(st, 1, (int64_t)cutoff);
	db__bind_int(st, 2, PAGE_ROWS);
	db__bind_int64(st, 3, (int64_t)(page - 1) * PAGE_ROWS);
	page__begin(p, "Hosts");
	f = p->f;
	fprintf(f, "<h1>Hosts</h1>\n<p>%lld agent%s; <strong>%lld silent</strong> (no heartbeat for %llu s).</p>\n",
		(long long)total, total == 1 ? "" : "s", (long long)silent,
		(unsigned long long)(silent_ms / 1000));
	fputs("<table class=\"findings\"><thead><tr><th>Host</th><th>Last heard from</th><th>Agent</th>"
	      "<th>Open listeners</th><th>Drops</th><th>Spool</th><th>Programs</th></tr></thead><tbody>\n", f);
	while ((rc = db__step(st)) == DB_ROW) {
		host_row(f, st, p->now_ns);
	}
	db__finalize(st);
	db__exec(p->db, "COMMIT");
	if (!total)
		fputs("<tr><td colspan=\"7\" class=\"empty\">No agent has reported yet.</td></tr>\n", f);
	fputs("</tbody></table>\n", f);
	pages = (total + PAGE_ROWS - 1) / PAGE_ROWS;
	if (pages > 1) {
		fputs("<nav class=\"pager\">", f);
		if (page > 1)
			fprintf(f, "<a rel=\"prev\" href=\"/ui/hosts?page=%u\">\xe2\x86\x90 previous</a>", page - 1);
		fprintf(f, "<span>page %u of %lld</span>", page, (long long)pages);
		if (page < pages)
			fprintf(f, "<a rel=\"next\" href=\"/ui/hosts?page=%u\">next \xe2\x86\x92</a>", page + 1);
		fputs("</nav>\n", f);
	}
	page__finish(p, rc == DB_DONE ? 200 : 503, out);
}
