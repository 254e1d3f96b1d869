// SPDX-License-Identifier: Apache-2.0
/* GET /ui/leak/<fingerprint>: one leak, where it was seen, its history, and the acknowledge form. */
#include "ui/page.h"

#include <stdlib.h>
#include <string.h>

#include "leakwatch/v1/leakwatch.pb-c.h"
#include "wire/names.h"
#include "alertdb/ack.h"
#include "net/url.h"
#include "web/html.h"
#include "ui/uisql.h"

#define HISTORY_SHOWN 100

#define COL(st, i) ((const char *)db__column_text(st, i))

/* The leak's columns as a details table; page_overview.c's leak_row shows
 * some of the same columns as one row of a list: alike, other markup. */
static void summary(struct page *p, struct db_stmt *st)
{
	FILE *f = p->f;
	int64_t hosts = db__column_int64(st, KC_HOSTS), files = db__column_int64(st, KC_FILES);

	fputs("<table class=\"details\"><tbody>\n<tr><th>Severity</th><td>", f);
	page__severity(f, db__column_int(st, KC_SEVERITY));
	fputs("</td></tr>\n<tr><th>Rule</th><td>", f);
	html__text(f, COL(st, KC_RULE));
	fputs(" <span class=\"muted\">(", f);
	html__text(f, COL(st, KC_FAMILY));
	fputs(")</span></td></tr>\n<tr><th>Redacted</th><td><code class=\"redacted\">", f);
	html__text(f, COL(st, KC_REDACTED));
	fputs("</code></td></tr>\n<tr><th>Fingerprint</th><td><code>", f);
	html__text(f, COL(st, KC_FINGERPRINT));
	fprintf(f, "</code></td></tr>\n<tr><th>Seen</th><td>%lld time%s in %lld event%s, on %lld host%s, in %lld file%s",
		(long long)db__column_int64(st, KC_COUNT), db__column_int64(st, KC_COUNT) == 1 ? "" : "s",
		(long long)db__column_int64(st, KC_EVENTS), db__column_int64(st, KC_EVENTS) == 1 ? "" : "s",
		(long long)hosts, hosts == 1 ? "" : "s", (long long)files, files == 1 ? "" : "s");
	fputs("</td></tr>\n<tr><th>First seen</th><td>", f);
	page__when(f, (uint64_t)db__column_int64(st, KC_FIRST_SEEN), p->now_ns);
	fputs("</td></tr>\n<tr><th>Last seen</th><td>", f);
	page__when(f, (uint64_t)db__column_int64(st, KC_LAST_SEEN), p->now_ns);
	fputs("</td></tr>\n<tr><th>Acknowledged</th><td>", f);
	if (db__column_type(st, KC_ACKED) == DB_NULL) {
		fputs("<span class=\"open-door\">not yet</span>", f);
	} else {
		fputs("by ", f);
		html__text(f, COL(st, KC_ACKED_BY) ? COL(st, KC_ACKED_BY) : "?");
		fputc(' ', f);
		page__when(f, (uint64_t)db__column_int64(st, KC_ACKED), p->now_ns);
	}
	fputs("</td></tr>\n</tbody></table>\n", f);
}

static void ack_form(struct page *p, const char *fp)
{
	FILE *f = p->f;

	fputs("<form method=\"post\" class=\"ack\" action=\"/ui/leak/", f);
	url__encode(f, fp, false);
	fputs("/ack\"><input type=\"hidden\" name=\"csrf\" value=\"", f);
	html__text(f, p->csrf);
	fputs("\"><p>Acknowledge once the credential is rotated: every alert for this fingerprint "
	      "resolves, and later sightings stay quiet.</p>"
	      "<button type=\"submit\" id=\"acknowledge\">Acknowledge as ", f);
	html__text(f, p->who);
	fputs("</button></form>\n", f);
}

static void locations(struct page *p, const char *fp)
{
	FILE *f = p->f;
	struct db_stmt *st;

	if (db__prepare(p->db, UISQL_LEAK_LOCATIONS, &st) != DB_OK)
		return;
	db__bind_text(st, 1, fp, -1);
	fputs("<h2>Where it was seen</h2>\n<table class=\"findings\"><thead><tr><th>Host</th><th>Where</th>"
	      "<th>Process</th><th>Pod</th><th>Count</th><th>First seen</th><th>Last seen</th></tr></thead><tbody>\n", f);
	while (db__step(st) == DB_ROW) {
		const char *source = COL(st, XC_SOURCE);

		fputs("<tr><td><a href=\"/ui/?host=", f);
		url__encode(f, COL(st, XC_HOST), false);
		fputs("\">", f);
		html__text(f, COL(st, XC_HOST));
		fputs("</a></td><td class=\"path\">", f);
		if (source && !strcmp(source, "journal")) {
			fputs("journal, unit ", f);
			html__text(f, COL(st, XC_UNIT) ? COL(st, XC_UNIT) : "?");
		} else {
			html__text(f, COL(st, XC_PATH));
			page__aside(f, " <span class=\"muted\">(was ", COL(st, XC_PREVIOUS_PATH), ")</span>");
		}
		fputs("</td><td>", f);
		html__text(f, COL(st, XC_ORIGIN_COMM) ? COL(st, XC_ORIGIN_COMM) : COL(st, XC_COMM) ? COL(st, XC_COMM) : "?");
		if (COL(st, XC_ORIGIN_COMM) && COL(st, XC_WRITER_COMM)) {
			fputs(" <span class=\"muted\">via ", f);
			html__text(f, COL(st, XC_WRITER_COMM));
			fputs("</span>", f);
		}
		if (db__column_type(st, XC_PID) != DB_NULL)
			fprintf(f, " <span class=\"muted\">(%lld)</span>", (long long)db__column_int64(st, XC_PID));
		page__aside(f, "<br><span class=\"muted\">", COL(st, XC_EXE), "</span>");
		fputs("</td><td>", f);
		if (COL(st, XC_POD)) {
			html__text(f, COL(st, XC_NAMESPACE));
			fputc('/', f);
			html__text(f, COL(st, XC_POD));
			page__aside(f, "<br><span class=\"muted\">", COL(st, XC_IMAGE), "</span>");
		} else {
			fputs("<span class=\"muted\">\xe2\x80\x94</span>", f);
		}
		fprintf(f, "</td><td>%lld</td><td>", (long long)db__column_int64(st, XC_COUNT));
		page__when(f, (uint64_t)db__column_int64(st, XC_FIRST_SEEN), p->now_ns);
		fputs("</td><td>", f);
		page__when(f, (uint64_t)db__column_int64(st, XC_LAST_SEEN), p->now_ns);
		fputs("</td></tr>\n", f);
	}
	db__finalize(st);
	fputs("</tbody></table>\n", f);
}

static void alerts(struct page *p, const char *fp)
{
	FILE *f = p->f;
	struct db_stmt *st;
	int n = 0;

	if (db__prepare(p->db, UISQL_ALERTS_BY_FINGERPRINT, &st) != DB_OK)
		return;
	db__bind_text(st, 1, fp, -1);
	fputs("<h2>Alerts</h2>\n<ul class=\"plain alerts\">", f);
	while (db__step(st) == DB_ROW) {
		n++;
		fputs("<li><span class=\"status status-", f);
		html__text(f, COL(st, AC_STATUS));
		fputs("\">", f);
		html__text(f, COL(st, AC_STATUS));
		fputs("</span> since ", f);
		page__when(f, (uint64_t)db__column_int64(st, db__column_type(st, AC_ENDS) == DB_NULL ? AC_STARTS : AC_ENDS),
			   p->now_ns);
		fprintf(f, ", %lld sighting%s", (long long)db__column_int64(st, AC_COUNT),
			db__column_int64(st, AC_COUNT) == 1 ? "" : "s");
		fputs(" <span class=\"muted\">", f);
		html__text(f, COL(st, AC_KEY));
		fputs("</span></li>", f);
	}
	if (!n)
		fputs("<li class=\"muted\">none: no route sent this leak anywhere</li>", f);
	fputs("</ul>\n", f);
	db__finalize(st);
}

static void history_row(struct page *p, struct db_stmt *st, const Leakwatch__V1__Event *ev, void *ctx)
{
	const char *fp = ctx;
	FILE *f = p->f;
	const Leakwatch__V1__LeakEvent *l = ev ? ev->leak : NULL;

	fputs("<td>", f);
	html__text(f, COL(st, EC_HOST));
	if (!l || !l->fingerprint || strcmp(l->fingerprint, fp)) {
		fputs("</td><td colspan=\"3\" class=\"muted\">an event that could not be read</td></tr>\n", f);
	} else {
		fputs("</td><td class=\"path\">", f);
		if (l->source == LEAKWATCH__V1__LEAK_EVENT__SOURCE__SOURCE_JOURNAL && l->journal) {
			fputs("journal, unit ", f);
			html__text(f, l->journal->unit);
		} else {
			html__text(f, l->path);
		}
		fputs("</td><td>", f);
		if (ev->process)
			page__process(f, ev->process->comm, ev->process->pid);
		fprintf(f, "</td><td>%llu%s</td></tr>\n", (unsigned long long)(l->count ? l->count : 1),
			l->repeat ? " (repeat)" : "");
	}
}

/* The latest events across the leak's locations (each row keeps its own history). */
static void history(struct page *p, const char *fp)
{
	FILE *f = p->f;
	char *ids[200];
	size_t n = 0;
	struct db_stmt *st;

	if (db__prepare(p->db, UISQL_LEAK_HISTORIES, &st) != DB_OK)
		return;
	db__bind_text(st, 1, fp, -1);
	while (n < sizeof(ids) / sizeof(ids[0]) && db__step(st) == DB_ROW)
		if (COL(st, 0) && (ids[n] = strdup(COL(st, 0))))
			n++;
	db__finalize(st);
	fputs("<h2>History</h2>\n<table class=\"history\"><thead><tr><th>When</th><th>Host</th><th>Where</th>"
	      "<th>Process</th><th>Sightings</th></tr></thead><tbody>\n", f);
	struct history_owner owner = { .kind = "leak", .fingerprint = fp };

	if (!page__history(p, &owner, (const char *const *)ids, n, HISTORY_SHOWN, history_row, (void *)fp))
		fputs("<tr><td colspan=\"5\" class=\"empty\">No events kept (retention removes them after "
		      "retention.leak).</td></tr>\n", f);
	fputs("</tbody></table>\n", f);
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
}

void page__leak(struct page *p, const char *fp, struct ui_response *out)
{
	struct db_stmt *st;
	const char *rb;
	bool acked;
	int rc;

	if (!ack__valid_fingerprint(fp)) {
		page__message(p, 404, "No such leak", "A leak's page is /ui/leak/<fingerprint>, 16 to 64 hex digits.", out);
		return;
	}
	if (page__read(p, UISQL_LEAK, &st, out))
		return;
	db__bind_text(st, 1, fp, -1);
	if ((rc = db__step(st)) != DB_ROW) {
		db__finalize(st);
		db__exec(p->db, "COMMIT");
		page__message(p, rc == DB_DONE ? 404 : 503, "No such leak",
			      "The collector has no leak with this fingerprint.", out);
		return;
	}
	page__begin(p, "Leak");
	fputs("<h1>", p->f);
	html__text(p->f, COL(st, KC_RULE));
	fputs(" leaked</h1>\n", p->f);
	summary(p, st);
	acked = db__column_type(st, KC_ACKED) != DB_NULL;
	db__finalize(st);
	if (!acked && p->csrf[0])
		ack_form(p, fp);
	else if (!acked)
		fputs("<p class=\"muted\">Sign in through the form to acknowledge from this page, or use "
		      "POST /v1/findings/&lt;fingerprint&gt;/ack.</p>\n", p->f);
	if ((rb = page__runbook(p, STORE_LEAK))) {
		fputs("<p class=\"links\"><a href=\"", p->f);
		html__text(p->f, rb);
		fputs("\">Runbook</a></p>\n", p->f);
	}
	alerts(p, fp);
	locations(p, fp);
	history(p, fp);
	db__exec(p->db, "COMMIT");
	page__finish(p, 200, out);
}
