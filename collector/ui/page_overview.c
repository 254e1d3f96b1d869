// SPDX-License-Identifier: Apache-2.0
/* GET /ui/: what is open now, the most severe first. */
#include "ui/page.h"

#include <stdlib.h>
#include <string.h>

#include "wire/names.h"
#include "net/addr.h"
#include "net/url.h"
#include "web/html.h"
#include "ui/uisql.h"

struct filters {
	const char *host, *ns;
	const char *kind;       /* NULL: both */
	int min_severity;       /* wire value */
	const char *severity;   /* as given, for the links; NULL: the default */
	unsigned exposures_page, leaks_page; /* from 1 */
};

#define DEFAULT_SEVERITY "low" /* info-level listeners (loopback and the like) are not problems */

/* -1 with what is wrong in *why */
static int read_filters(const struct page *p, struct filters *f, const char **why)
{
	enum lw_severity sev;

	memset(f, 0, sizeof(*f));
	f->host = page__arg(p, "host");
	f->ns = page__arg(p, "namespace");
	f->kind = page__arg(p, "kind");
	f->severity = page__arg(p, "severity");
	if (f->kind && !strcmp(f->kind, "all"))
		f->kind = NULL;
	if (f->kind && strcmp(f->kind, "listener") && strcmp(f->kind, "leak")) {
		*why = "kind: expected all, listener or leak";
		return -1;
	}
	if (severity__parse(f->severity ? f->severity : DEFAULT_SEVERITY, &sev)) {
		*why = "severity: expected info, low, medium, high or critical";
		return -1;
	}
	f->min_severity = severity__wire(sev);
	f->exposures_page = page__number(page__arg(p, "exposures_page"));
	f->leaks_page = page__number(page__arg(p, "leaks_page"));
	return 0;
}

/* "/ui/?host=...&...", the filters and both lists' pages as they are, with
 * one page number changed (page_key NULL: none) */
static void filter_href(FILE *f, const struct filters *x, const char *page_key, unsigned page)
{
	unsigned exposures = x->exposures_page, leaks = x->leaks_page;
	const char *sep = "?"; /* then "&amp;": it is written into an attribute */

	fputs("/ui/", f);
#define ARG(name, v)                                                                               \
	if (v) {                                                                                   \
		fprintf(f, "%s%s=", sep, name);                                                    \
		url__encode(f, v, false);                                                              \
		sep = "&amp;";                                                                         \
	}
	ARG("host", x->host);
	ARG("namespace", x->ns);
	ARG("kind", x->kind);
	ARG("severity", x->severity);
#undef ARG
	if (page_key && !strcmp(page_key, "exposures_page"))
		exposures = page;
	else if (page_key)
		leaks = page;
	if (exposures > 1) {
		fprintf(f, "%sexposures_page=%u", sep, exposures);
		sep = "&amp;";
	}
	if (leaks > 1)
		fprintf(f, "%sleaks_page=%u", sep, leaks);
}

/* A page past the last shows the last. */
static unsigned clamp_page(unsigned page, int64_t total)
{
	int64_t pages = (total + PAGE_ROWS - 1) / PAGE_ROWS;

	return pages < 1 ? 1 : (int64_t)page > pages ? (unsigned)pages : page;
}

static void select_option(FILE *f, const char *value, const char *label, bool selected)
{
	fputs("<option value=\"", f);
	html__text(f, value);
	fputs(selected ? "\" selected>" : "\">", f);
	html__text(f, label);
	fputs("</option>", f);
}

static void filter_form(FILE *f, const struct filters *x)
{
	static const char *const sevs[] = { "info", "low", "medium", "high", "critical" };
	const char *sev = x->severity ? x->severity : DEFAULT_SEVERITY;

	fputs("<form method=\"get\" action=\"/ui/\" class=\"filters\" id=\"filters\">"
	      "<label>Host <input name=\"host\" value=\"", f);
	html__text(f, x->host);
	fputs("\" placeholder=\"any\"></label><label>Namespace <input name=\"namespace\" value=\"", f);
	html__text(f, x->ns);
	fputs("\" placeholder=\"any\"></label><label>Kind <select name=\"kind\">", f);
	select_option(f, "all", "exposures and leaks", !x->kind);
	select_option(f, "listener", "exposures", x->kind && !strcmp(x->kind, "listener"));
	select_option(f, "leak", "leaks", x->kind && !strcmp(x->kind, "leak"));
	fputs("</select></label><label>Severity at least <select name=\"severity\">", f);
	for (size_t i = 0; i < sizeof(sevs) / sizeof(sevs[0]); i++)
		select_option(f, sevs[i], sevs[i], !strcmp(sev, sevs[i]));
	fputs("</select></label><button type=\"submit\">Filter</button>"
	      "<a href=\"/ui/\">Clear</a></form>\n", f);
}

static void bind_filters(struct db_stmt *st, const struct filters *x)
{
	if (x->host)
		db__bind_text(st, 1, x->host, -1);
	if (x->ns)
		db__bind_text(st, 2, x->ns, -1);
	db__bind_int(st, 3, x->min_severity);
}

/* The list's or count's statement, with the parts for the filters given (uisql.h). */
static struct db_stmt *prepare(struct db *db, const struct filters *x, const char *base, const char *host,
			     const char *ns, const char *order)
{
	struct db_stmt *st = NULL;
	char *sql;

	if (asprintf(&sql, "%s%s%s%s", base, x->host ? host : "", x->ns ? ns : "", order ? order : "") < 0)
		return NULL;
	if (db__prepare(db, sql, &st) != DB_OK)
		st = NULL;
	free(sql);
	if (st)
		bind_filters(st, x);
	return st;
}

static int64_t count_of(struct db *db, const struct filters *x, const char *base, const char *host, const char *ns)
{
	struct db_stmt *st = prepare(db, x, base, host, ns, NULL);
	int64_t n = -1;

	if (!st)
		return -1;
	if (db__step(st) == DB_ROW)
		n = db__column_int64(st, 0);
	db__finalize(st);
	return n;
}

static void pager(FILE *f, const struct filters *x, const char *key, unsigned page, int64_t total)
{
	int64_t pages = (total + PAGE_ROWS - 1) / PAGE_ROWS;

	if (pages <= 1)
		return;
	fputs("<nav class=\"pager\">", f);
	if (page > 1) {
		fputs("<a rel=\"prev\" href=\"", f);
		filter_href(f, x, key, page - 1);
		fputs("\">\xe2\x86\x90 previous</a>", f);
	}
	fprintf(f, "<span>page %u of %lld</span>", page, (long long)pages);
	if (page < pages) {
		fputs("<a rel=\"next\" href=\"", f);
		filter_href(f, x, key, page + 1);
		fputs("\">next \xe2\x86\x92</a>", f);
	}
	fputs("</nav>\n", f);
}

/* The probe's answer, in words an on-call engineer acts on. */
static void auth_cell(FILE *f, const char *state)
{
	if (!state)
		fputs("<span class=\"muted\">not probed</span>", f);
	else if (!strcmp(state, "none"))
		fputs("<span class=\"open-door\">answers without credentials</span>", f);
	else if (!strcmp(state, "required"))
		fputs("asks for credentials", f);
	else if (!strcmp(state, "tls"))
		fputs("TLS before anything", f);
	else
		html__text(f, state);
}

static void pod_cell(FILE *f, const char *ns, const char *pod)
{
	if (!pod) {
		fputs("<span class=\"muted\">\xe2\x80\x94</span>", f);
		return;
	}
	html__text(f, ns);
	fputc('/', f);
	html__text(f, pod);
}

#define COL(st, i) ((const char *)db__column_text(st, i))

static void exposure_row(struct page *p, struct db_stmt *st, const struct filters *x)
{
	FILE *f = p->f;
	char buf[LW_ADDR_STRLEN];
	const char *proto = COL(st, LC_PROTO), *host = COL(st, LC_HOST);
	const char *addr = addr__format_bytes(db__column_blob(st, LC_ADDRESS),
					      (size_t)db__column_bytes(st, LC_ADDRESS), buf) ?: "?";
	unsigned port = (unsigned)db__column_int(st, LC_PORT);

	fputs("<tr><td>", f);
	page__severity(f, db__column_int(st, LC_SEVERITY));
	fputs("</td><td><a href=\"", f);
	filter_href(f, &(struct filters){ .host = host, .kind = x->kind, .severity = x->severity }, NULL, 0);
	fputs("\">", f);
	html__text(f, host);
	fputs("</a></td><td><a class=\"endpoint\" href=\"", f);
	page__listener_href(f, host, (uint64_t)db__column_int64(st, LC_NETNS), proto, addr, port);
	fputs("\">", f);
	html__text(f, proto);
	fputc(' ', f);
	if (strchr(addr, ':'))
		fputc('[', f);
	html__text(f, addr);
	if (strchr(addr, ':'))
		fputc(']', f);
	fprintf(f, ":%u</a> <span class=\"muted\">", port);
	html__text(f, COL(st, LC_EXPOSURE));
	fputs("</span></td><td>", f);
	html__text(f, COL(st, LC_SERVICE) ? COL(st, LC_SERVICE) : "unknown");
	fputs("</td><td>", f);
	auth_cell(f, COL(st, LC_AUTH));
	fputs("</td><td>", f);
	page__process(f, COL(st, LC_COMM), db__column_int64(st, LC_PID));
	fputs("</td><td>", f);
	pod_cell(f, COL(st, LC_NAMESPACE), COL(st, LC_POD));
	fputs("</td><td>", f);
	page__when(f, (uint64_t)db__column_int64(st, LC_FIRST_SEEN), p->now_ns);
	fputs("</td></tr>\n", f);
}

static void leak_row(struct page *p, struct db_stmt *st, const struct filters *x)
{
	FILE *f = p->f;
	const char *fp = COL(st, KC_FINGERPRINT);
	int64_t hosts = db__column_int64(st, KC_HOSTS), files = db__column_int64(st, KC_FILES);

	(void)x;
	fputs("<tr><td>", f);
	page__severity(f, db__column_int(st, KC_SEVERITY));
	fputs("</td><td>", f);
	html__text(f, COL(st, KC_RULE));
	fputs("</td><td><code class=\"redacted\">", f);
	html__text(f, COL(st, KC_REDACTED));
	fputs("</code></td><td><a class=\"fingerprint\" href=\"/ui/leak/", f);
	url__encode(f, fp, false);
	fputs("\">", f);
	html__text_n(f, fp, 16);
	fputs("</a></td><td>", f);
	html__text(f, COL(st, KC_TOP_HOST));
	fputs(":", f);
	html__text(f, COL(st, KC_TOP_PATH));
	if (hosts > 1 || files > 1)
		fprintf(f, " <span class=\"muted\">(%lld host%s, %lld file%s)</span>", (long long)hosts,
			hosts == 1 ? "" : "s", (long long)files, files == 1 ? "" : "s");
	fprintf(f, "</td><td>%lld</td><td>", (long long)db__column_int64(st, KC_COUNT));
	page__when(f, (uint64_t)db__column_int64(st, KC_FIRST_SEEN), p->now_ns);
	fputs("</td><td>", f);
	page__when(f, (uint64_t)db__column_int64(st, KC_LAST_SEEN), p->now_ns);
	fputs("</td></tr>\n", f);
}

/* One of the two lists: its SQL parts (uisql.h), its words and its rows. */
struct list {
	const char *id, *title, *state; /* "exposures", "Exposures", "open" */
	const char *head, *empty;       /* the header row's cells; the row when nothing matches */
	const char *count, *select, *host, *ns, *order;
	void (*row)(struct page *p, struct db_stmt *st, const struct filters *x);
};

static const struct list exposure_list = {
	"exposures", "Exposures", "open",
	"<th>Severity</th><th>Host</th><th>Address</th><th>Service</th><th>Auth</th><th>Process</th>"
	"<th>Pod</th><th>Open since</th>",
	"No open exposure matches.",
	UISQL_COUNT_OPEN_LISTENERS, UISQL_OPEN_LISTENERS, UISQL_LISTENERS_HOST, UISQL_LISTENERS_NAMESPACE,
	UISQL_LISTENERS_ORDER, exposure_row,
};

static const struct list leak_list = {
	"leaks", "Leaks", "unacknowledged",
	"<th>Severity</th><th>Rule</th><th>Redacted</th><th>Fingerprint</th><th>Where</th><th>Count</th>"
	"<th>First seen</th><th>Last seen</th>",
	"No unacknowledged leak matches.",
	UISQL_COUNT_OPEN_LEAKS, UISQL_OPEN_LEAKS, UISQL_LEAKS_HOST, UISQL_LEAKS_NAMESPACE, UISQL_LEAKS_ORDER,
	leak_row,
};

/* A list's section: its count, one page of rows (*page clamped to the last), its pager. */
static int list_section(struct page *p, struct filters *x, const struct list *l, unsigned *page,
			const char *page_key)
{
	FILE *f = p->f;
	struct db_stmt *st;
	int64_t total = count_of(p->db, x, l->count, l->host, l->ns);
	int rc, rows = 0;

	if (total < 0 || !(st = prepare(p->db, x, l->select, l->host, l->ns, l->order)))
		return -1;
	*page = clamp_page(*page, total);
	db__bind_int(st, 4, PAGE_ROWS);
	db__bind_int64(st, 5, (int64_t)(*page - 1) * PAGE_ROWS);
	fprintf(f, "<section id=\"%s\"><h2>%s <span class=\"count\">%lld %s</span></h2>\n", l->id, l->title,
		(long long)total, l->state);
	fprintf(f, "<table class=\"findings\"><thead><tr>%s</tr></thead><tbody>\n", l->head);
	while ((rc = db__step(st)) == DB_ROW) {
		rows++;
		l->row(p, st, x);
	}
	db__finalize(st);
	if (!rows)
		fprintf(f, "<tr><td colspan=\"8\" class=\"empty\">%s</td></tr>\n", l->empty);
	fputs("</tbody></table>\n", f);
	pager(f, x, page_key, *page, total);
	fputs("</section>\n", f);
	return rc == DB_DONE ? 0 : -1;
}

void page__overview(struct page *p, struct ui_response *out)
{
	struct filters x;
	const char *why;
	int err = 0;

	if (read_filters(p, &x, &why)) {
		page__message(p, 400, "Bad filter", why, out);
		return;
	}
	page__begin(p, "Open problems");
	fputs("<h1>Open problems</h1>\n", p->f);
	filter_form(p->f, &x);
	/* one snapshot for the counts and both lists */
	db__exec(p->db, "BEGIN");
	if (!x.kind || !strcmp(x.kind, "listener"))
		err |= list_section(p, &x, &exposure_list, &x.exposures_page, "exposures_page");
	if (!x.kind || !strcmp(x.kind, "leak"))
		err |= list_section(p, &x, &leak_list, &x.leaks_page, "leaks_page");
	db__exec(p->db, "COMMIT");
	if (err) {
		fputs("<p class=\"error\">The database could not be read completely; "
		      "the lists above may be short. The collector's log says why.</p>", p->f);
	}
	page__finish(p, err ? 503 : 200, out);
}
