// SPDX-License-Identifier: Apache-2.0
/* GET /ui/listener/<host>/<netns>/<proto>/<address>/<port>: one listener and its history. */
#include "ui/page.h"

#include <stdlib.h>
#include <string.h>

#include "net/addr.h"
#include "alerting/alertkey.h"
#include "leakwatch/v1/leakwatch.pb-c.h"
#include "wire/names.h"
#include "net/url.h"
#include "web/html.h"
#include "ui/uisql.h"

#define HISTORY_SHOWN 100

struct listener_id {
	char host[256];
	uint64_t netns;
	char proto[4];
	struct lw_addr addr;
	char addr_text[LW_ADDR_STRLEN];
	unsigned port;
};

/* From the right, so that nothing in a host name can shift the fields. */
static int parse_id(const char *id, struct listener_id *out)
{
	const char *seg[4];
	size_t len = strlen(id);
	const char *end = id + len;
	char netns[24], port[8];
	char *e;

	memset(out, 0, sizeof(*out));
	for (int i = 3; i >= 0; i--) {
		const char *slash = end;

		while (slash > id && slash[-1] != '/')
			slash--;
		if (slash == id)
			return -1;
		seg[i] = slash;
		end = slash - 1;
	}
	/* seg[0] netns, seg[1] proto, seg[2] address, seg[3] port; the host before */
	if ((size_t)(end - id) == 0 || (size_t)(end - id) >= sizeof(out->host))
		return -1;
	memcpy(out->host, id, (size_t)(end - id));
#define SEG(i, buf)                                                                                \
	do {                                                                                       \
		size_t n = (size_t)((i < 3 ? seg[i + 1] - 1 : id + len) - seg[i]);                 \
		if (!n || n >= sizeof(buf))                                                        \
			return -1;                                                                 \
		memcpy(buf, seg[i], n);                                                            \
		buf[n] = '\0';                                                                     \
	} while (0)
	SEG(0, netns);
	SEG(1, out->proto);
	SEG(2, out->addr_text);
	SEG(3, port);
#undef SEG
	out->netns = strtoull(netns, &e, 10);
	if (*e || *netns < '0' || *netns > '9')
		return -1;
	out->port = (unsigned)strtoul(port, &e, 10);
	if (*e || *port < '0' || *port > '9' || out->port > 65535)
		return -1;
	if (strcmp(out->proto, "tcp") && strcmp(out->proto, "udp"))
		return -1;
	if (addr__parse(out->addr_text, &out->addr))
		return -1;
	/* as ingest and the alert key write it: "0:0::1" finds "::1"'s alert and events */
	addr__format(&out->addr, out->addr_text);
	return 0;
}

#define COL(st, i) ((const char *)db__column_text(st, i))

static void row(FILE *f, const char *name)
{
	fputs("<tr><th>", f);
	html__text(f, name);
	fputs("</th><td>", f);
}

static void row_text(FILE *f, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	row(f, name);
	html__text(f, value);
	fputs("</td></tr>\n", f);
}

static void reachable_list(FILE *f, const char *items)
{
	/* "addr|class|interface" items, space-separated */
	const char *p = items;

	fputs("<ul class=\"plain\">", f);
	while (p && *p) {
		size_t n = strcspn(p, " ");
		const char *bar1 = memchr(p, '|', n), *bar2 = bar1 ? memchr(bar1 + 1, '|', (size_t)(p + n - bar1 - 1)) : NULL;

		fputs("<li>", f);
		if (bar1 && bar2) {
			html__text_n(f, p, (size_t)(bar1 - p));
			fputs(" <span class=\"muted\">", f);
			html__text_n(f, bar1 + 1, (size_t)(bar2 - bar1 - 1));
			fputs(", ", f);
			html__text_n(f, bar2 + 1, (size_t)(p + n - bar2 - 1));
			fputs("</span>", f);
		} else {
			html__text_n(f, p, n);
		}
		fputs("</li>", f);
		p += n;
		while (*p == ' ')
			p++;
	}
	fputs("</ul>", f);
}

/* What it is and how exposed: severity, state, addresses, service, auth. */
static void details_exposure(struct page *p, struct db_stmt *st)
{
	FILE *f = p->f;
	const char *auth = COL(st, LC_AUTH);

	row(f, "Severity");
	page__severity(f, db__column_int(st, LC_SEVERITY));
	fputs("</td></tr>\n", f);
	row(f, "State");
	html__text(f, COL(st, LC_STATE));
	fputs(" since ", f);
	page__when(f, (uint64_t)db__column_int64(st, LC_STATE_NS), p->now_ns);
	fputs("</td></tr>\n", f);
	row(f, "Exposure");
	html__text(f, COL(st, LC_EXPOSURE));
	if (db__column_int(st, LC_WILDCARD))
		fputs(" (bound to every address)", f);
	if (db__column_int(st, LC_EXPECTED))
		fputs(" \xc2\xb7 on the expected list", f);
	fputs("</td></tr>\n", f);
	if (COL(st, LC_REACHABLE) && *COL(st, LC_REACHABLE)) {
		row(f, "Answers on");
		reachable_list(f, COL(st, LC_REACHABLE));
		fputs("</td></tr>\n", f);
	}
	row(f, "Service");
	html__text(f, COL(st, LC_SERVICE) ? COL(st, LC_SERVICE) : "unknown");
	page__aside(f, " <span class=\"muted\">(by ", COL(st, LC_SERVICE_BY), ")</span>");
	fputs("</td></tr>\n", f);
	row(f, "Without credentials");
	if (!auth)
		fputs("<span class=\"muted\">not probed</span>", f);
	else {
		fputs(!strcmp(auth, "none") ? "<span class=\"open-door\">answers: " : "<span>", f);
		html__text(f, !strcmp(auth, "none") ? "no credentials needed" :
			      !strcmp(auth, "required") ? "asks for credentials" : auth);
		fputs("</span>", f);
		if (COL(st, LC_AUTH_PROTOCOL) || COL(st, LC_AUTH_EVIDENCE)) {
			fputs(" <span class=\"muted\">(", f);
			html__text(f, COL(st, LC_AUTH_PROTOCOL));
			fputs(": ", f);
			html__text(f, COL(st, LC_AUTH_EVIDENCE));
			fputs(")</span>", f);
		}
		fputs(" probed ", f);
		page__when(f, (uint64_t)db__column_int64(st, LC_AUTH_PROBED), p->now_ns);
	}
	fputs("</td></tr>\n", f);
}

/* Who listens: process, executable, pod, image, namespace, when. */
static void details_owner(struct page *p, struct db_stmt *st, const struct listener_id *id)
{
	FILE *f = p->f;

	row(f, "Process");
	html__text(f, COL(st, LC_COMM) ? COL(st, LC_COMM) : "?");
	if (db__column_type(st, LC_PID) != DB_NULL)
		fprintf(f, " (pid %lld)", (long long)db__column_int64(st, LC_PID));
	page__aside(f, " as ", COL(st, LC_USER), "");
	fputs("</td></tr>\n", f);
	row_text(f, "Executable", COL(st, LC_EXE));
	if (COL(st, LC_POD)) {
		row(f, "Pod");
		html__text(f, COL(st, LC_NAMESPACE));
		fputc('/', f);
		html__text(f, COL(st, LC_POD));
		page__aside(f, ", container ", COL(st, LC_CONTAINER), "");
		fputs("</td></tr>\n", f);
	}
	row_text(f, "Image", COL(st, LC_IMAGE));
	row(f, "Network namespace");
	fprintf(f, "%llu", (unsigned long long)id->netns);
	page__aside(f, " (", COL(st, LC_NETNS_NAME), ")");
	fputs("</td></tr>\n", f);
	row(f, "First seen");
	page__when(f, (uint64_t)db__column_int64(st, LC_FIRST_SEEN), p->now_ns);
	fputs(" \xc2\xb7 last event ", f);
	page__when(f, (uint64_t)db__column_int64(st, LC_LAST_SEEN), p->now_ns);
	fputs("</td></tr>\n", f);
	row_text(f, "Reported by", db__column_int(st, LC_HOST_VERIFIED) ? "a credential bound to this host"
									 : "an agent's own word for its host");
}

static void details(struct page *p, struct db_stmt *st, const struct listener_id *id)
{
	fputs("<table class=\"details\"><tbody>\n", p->f);
	details_exposure(p, st);
	details_owner(p, st, id);
	fputs("</tbody></table>\n", p->f);
}

static void alert_state(struct page *p, const struct listener_id *id)
{
	char key[ALERTKEY_LEN];
	struct db_stmt *st;

	alertkey__listener(key, id->host, id->netns, id->proto, id->addr_text, id->port);
	if (db__prepare(p->db, UISQL_ALERT_BY_KEY, &st) != DB_OK)
		return;
	db__bind_text(st, 1, key, -1);
	fputs("<p class=\"alert-state\">Alert: ", p->f);
	if (db__step(st) == DB_ROW) {
		html__text(p->f, COL(st, AC_STATUS));
		fputs(" since ", p->f);
		page__when(p->f, (uint64_t)db__column_int64(st, db__column_type(st, AC_ENDS) == DB_NULL ? AC_STARTS : AC_ENDS),
			   p->now_ns);
	} else {
		fputs("none (nothing routed it, or it was never a problem)", p->f);
	}
	fputs("</p>\n", p->f);
	db__finalize(st);
}

static bool same_listener(const Leakwatch__V1__ListenerEvent *l, const struct listener_id *id)
{
	struct lw_addr a;

	if (!l || l->netns != id->netns || l->port != id->port)
		return false;
	if (strcmp(l->protocol == LEAKWATCH__V1__PROTOCOL__PROTOCOL_UDP ? "udp" : "tcp", id->proto))
		return false;
	if (l->address.len != 4 && l->address.len != 16)
		return false;
	addr__from_bytes(&a, l->address.len == 4 ? 2 /* AF_INET */ : 10 /* AF_INET6 */, l->address.data);
	return addr__equal(&a, &id->addr);
}

static const char *action_name(int a)
{
	switch (a) {
	case LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_OPEN: return "opened";
	case LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_CLOSE: return "closed";
	case LEAKWATCH__V1__LISTENER_EVENT__ACTION__ACTION_VERIFIED: return "probed";
	default: return "?";
	}
}

static void history_row(struct page *p, struct db_stmt *st, const Leakwatch__V1__Event *ev, void *ctx)
{
	const struct listener_id *id = ctx;
	FILE *f = p->f;
	const Leakwatch__V1__ListenerEvent *l = ev ? ev->listener : NULL;

	(void)st;
	if (!same_listener(l, id)) {
		/* a history names its own events; anything else is said, not shown as one */
		fputs("<td colspan=\"6\" class=\"muted\">an event that could not be read</td></tr>\n", f);
	} else {
		fputs("<td>", f);
		html__text(f, action_name(l->action));
		fputs("</td><td>", f);
		html__text(f, listener_source__wire_name(l->source));
		fputs("</td><td>", f);
		page__severity(f, l->severity);
		fputs("</td><td>", f);
		html__text(f, addr_class__wire_name(l->exposure));
		fputs("</td><td>", f);
		html__text(f, l->auth ? auth_state__wire_name(l->auth->state) : "");
		fputs("</td><td>", f);
		if (ev->process)
			page__process(f, ev->process->comm, ev->process->pid);
		fputs("</td></tr>\n", f);
	}
}

static void history(struct page *p, const struct listener_id *id, const char *ids)
{
	FILE *f = p->f;

	fputs("<h2>History</h2>\n<table class=\"history\"><thead><tr><th>When</th><th>What</th><th>Why</th>"
	      "<th>Severity</th><th>Exposure</th><th>Without credentials</th><th>Process</th></tr></thead><tbody>\n", f);
	struct history_owner owner = { .kind = "listener", .host = id->host };

	if (!page__history(p, &owner, &ids, 1, HISTORY_SHOWN, history_row, (void *)id))
		fputs("<tr><td colspan=\"7\" class=\"empty\">No events kept (retention removes them after "
		      "retention.listener).</td></tr>\n", f);
	fputs("</tbody></table>\n", f);
}

void page__listener(struct page *p, const char *idtext, struct ui_response *out)
{
	struct listener_id id;
	struct db_stmt *st;
	const char *rb;
	char *ids;
	int rc;

	if (parse_id(idtext, &id)) {
		page__message(p, 404, "No such listener",
			      "A listener's page is /ui/listener/<host>/<netns>/<tcp|udp>/<address>/<port>.", out);
		return;
	}
	if (page__read(p, UISQL_LISTENER, &st, out))
		return;
	db__bind_text(st, 1, id.host, -1);
	db__bind_int64(st, 2, (int64_t)id.netns);
	db__bind_text(st, 3, id.proto, -1);
	db__bind_blob(st, 4, id.addr.b, id.addr.family == 2 ? 4 : 16);
	db__bind_int(st, 5, (int)id.port);
	if ((rc = db__step(st)) != DB_ROW) {
		db__finalize(st);
		db__exec(p->db, "COMMIT");
		page__message(p, rc == DB_DONE ? 404 : 503, "No such listener",
			      "The collector has no listener at that address (retention may have removed a closed one).",
			      out);
		return;
	}
	page__begin(p, "Listener");
	fputs("<h1>", p->f);
	html__text(p->f, COL(st, LC_SERVICE) ? COL(st, LC_SERVICE) : "Listener");
	fputs(" on ", p->f);
	html__text(p->f, id.proto);
	fputc(' ', p->f);
	if (id.addr.family != 2)
		fputc('[', p->f);
	html__text(p->f, id.addr_text);
	if (id.addr.family != 2)
		fputc(']', p->f);
	fprintf(p->f, ":%u of ", id.port);
	html__text(p->f, id.host);
	fputs("</h1>\n", p->f);
	alert_state(p, &id);
	details(p, st, &id);
	ids = strdup(COL(st, LC_HISTORY) ? COL(st, LC_HISTORY) : "");
	db__finalize(st);
	fputs("<p class=\"links\"><a href=\"/ui/?host=", p->f);
	url__encode(p->f, id.host, false);
	fputs("&amp;severity=info\">Everything open on ", p->f);
	html__text(p->f, id.host);
	fputs("</a>", p->f);
	if ((rb = page__runbook(p, STORE_LISTENER))) {
		fputs(" \xc2\xb7 <a href=\"", p->f);
		html__text(p->f, rb);
		fputs("\">Runbook</a>", p->f);
	}
	fputs("</p>\n", p->f);
	history(p, &id, ids);
	free(ids);
	db__exec(p->db, "COMMIT");
	page__finish(p, 200, out);
}
