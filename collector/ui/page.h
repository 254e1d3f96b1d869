/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every page shares: the frame (head, navigation, sign-out form), the
 * cells that recur (severity, time, a listener's link), and one page being
 * written. Private to ui/.
 */
#ifndef COLLECTOR_PAGE_H
#define COLLECTOR_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "db/db.h"
#include "leakwatch/v1/leakwatch.pb-c.h"
#include "storage/store.h"
#include "web/session.h"
#include "ui/ui.h"

#define PAGE_ROWS 50 /* rows of a list on one page */

struct page {
	FILE *f;
	char *buf;
	size_t len;
	const char *who;        /* the operator's credential name */
	char csrf[SESSION_CSRF_LEN + 1]; /* "" when signed in by a bearer token */
	uint64_t now_ns;
	const struct ui_request *rq;
	struct ui *ui;
	struct db *db;            /* read-only */
	struct cfgref *alerting_ref; /* held while the page renders; may be NULL */
	const struct alertcfg *alerting; /* its configuration, or NULL */
};

/* The frame up to the page's own content. */
void page__begin(struct page *p, const char *title);
/* Closes the frame, and the page into out as 200 text/html (or status). */
void page__finish(struct page *p, unsigned status, struct ui_response *out);

void page__severity(FILE *f, int severity);
/* "comm (pid)": a process as a cell shows it ("?" without a name) */
void page__process(FILE *f, const char *comm, int64_t pid);
/* <time> with the exact UTC time as its title, and the age as its text */
void page__when(FILE *f, uint64_t ns, uint64_t now_ns);
/* The href of a listener's page. */
void page__listener_href(FILE *f, const char *host, uint64_t netns, const char *proto, const char *addr,
			 unsigned port);
/* The runbook link for a kind of finding, or NULL (alerting.runbooks). */
const char *page__runbook(const struct page *p, enum store_kind k);
/* A page number from the URL: 1 to 100,000, else 1. */
unsigned page__number(const char *s);
/* A query argument, or NULL when absent or empty. */
const char *page__arg(const struct page *p, const char *name);
/* text, escaped, between before and after; nothing when text is NULL */
void page__aside(FILE *f, const char *before, const char *text, const char *after);

/* A finding's page opens a read transaction, its snapshot, with the
 * finding's statement; -1 after answering 503 when the database cannot. */
int page__read(struct page *p, const char *sql, struct db_stmt **st, struct ui_response *out);

/* A whole page of one message: 404s, 403s and the like. */
void page__message(struct page *p, unsigned status, const char *title, const char *text,
		   struct ui_response *out);

/*
 * A finding's history: the events whose rowids its rows keep (store.h) and
 * that are still its own, newest first, at most max, each a table row
 * opened with its time's cell and ended by fn, which is given UISQL_EVENT's
 * columns and the event decoded (NULL when it could not be).
 * histories: the column's text of each row (NULL allowed). How many were
 * shown; an event that retention removed is skipped.
 */
struct history_owner {
	const char *kind;        /* "listener" or "leak" */
	const char *host;        /* a listener's host, or NULL */
	const char *fingerprint; /* a leak's, or NULL */
};
typedef void history_fn(struct page *p, struct db_stmt *st, const Leakwatch__V1__Event *ev, void *ctx);
size_t page__history(struct page *p, const struct history_owner *owner, const char *const *histories, size_t n,
		     size_t max, history_fn *fn, void *ctx);

/* The pages (page_*.c). */
void page__overview(struct page *p, struct ui_response *out);
void page__listener(struct page *p, const char *id, struct ui_response *out);
void page__leak(struct page *p, const char *fingerprint, struct ui_response *out);
void page__hosts(struct page *p, struct ui_response *out);
/* The sign-in form; status 401 and a line saying why when why is set. */
void page__login(struct page *p, unsigned status, const char *why, const char *next, struct ui_response *out);

#endif
