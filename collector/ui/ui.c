// SPDX-License-Identifier: Apache-2.0
#include "ui/ui.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alerting/engine.h"
#include "os/log.h"
#include "server/metrics.h"
#include "alertdb/ack.h"
#include "ui/assets.h"
#include "web/form.h"
#include "net/url.h"
#include "web/html.h"
#include "ui/page.h"
#include "replicas/signout.h"

const char *const ui__headers[] = {
	"Content-Security-Policy",
	"default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
	"X-Content-Type-Options", "nosniff",
	"X-Frame-Options", "DENY",
	"Referrer-Policy", "no-referrer",
	"Cross-Origin-Opener-Policy", "same-origin",
	"Cross-Origin-Resource-Policy", "same-origin",
	NULL,
};

int ui__init(struct ui *ui)
{
	cfgref_slot__init(&ui->alerting, NULL);
	pthread_mutex_init(&ui->revoked.lock, NULL);
	ui->revoked.n = 0;
	if (!ui->session_ttl_ms)
		ui->session_ttl_ms = UI_SESSION_TTL_MS;
	return session__new_key(&ui->key);
}

void ui__fini(struct ui *ui)
{
	cfgref_slot__fini(&ui->alerting);
	pthread_mutex_destroy(&ui->revoked.lock);
	explicit_bzero(&ui->key, sizeof(ui->key));
}

void ui__configure(struct ui *ui, struct cfgref *ref)
{
	cfgref_slot__swap(&ui->alerting, ref ? cfgref__get(ref) : NULL);
}

void ui__response_free(struct ui_response *r)
{
	if (!r->body_static)
		free(r->body);
	r->body = NULL;
}

/* --- answers without a page --- */

static void plain(struct ui_response *out, unsigned status, const char *text)
{
	out->status = status;
	out->type = "text/plain; charset=utf-8";
	out->body = (char *)text;
	out->len = strlen(text);
	out->body_static = true;
}

static void not_allowed(struct ui_response *out, const char *allow)
{
	plain(out, 405, "method not allowed");
	out->allow = allow;
}

static void redirect(struct ui_response *out, const char *location)
{
	plain(out, 303, "see other");
	snprintf(out->location, sizeof(out->location), "%s", location);
}

/* --- who asks --- */

struct caller {
	const struct auth_cred *cred;
	bool by_cookie;
};

enum who { WHO_NOBODY, WHO_OPERATOR, WHO_UNKNOWN_TOKEN, WHO_WRONG_ROLE };

/* A request's read connection: taken at its first read, by the session
 * check or the page, and given back once when the request ends; on
 * PostgreSQL each take of a kept reader costs a round trip. */
struct reader {
	struct store *ro;
};

/* The request's reader, or NULL with err set. */
static struct store *reader_take(struct ui *ui, struct reader *r, char *err, size_t errlen)
{
	struct store_opts so = ui->db_where;

	if (r->ro)
		return r->ro;
	so.busy_timeout_ms = 5000;
	if (store__reader_get(ui->store, &so, &r->ro, err, errlen))
		r->ro = NULL;
	return r->ro;
}

static void reader_give_back(struct ui *ui, struct reader *r)
{
	if (r->ro)
		store__reader_put(ui->store, r->ro);
	r->ro = NULL;
}

/* Signed out of, on this collector (remembered) or on another one (the
 * database's record, then remembered here too). A database that cannot
 * say counts as signed out: the page could not be read anyway. */
static bool signed_out(struct ui *ui, const struct ui_request *rq, struct reader *r)
{
	uint64_t now_s = rq->now_ns / 1000000000ULL;
	bool recorded = false;
	struct store *ro;
	char err[256];

	if (session__revoked(&ui->revoked, rq->cookie))
		return true;
	if (!ui->store)
		return false;
	ro = reader_take(ui, r, err, sizeof(err));
	if (!ro) {
		log_warn("ui: %s; refusing the session for now", err);
		return true;
	}
	if (signout__recorded(store__db(ro), rq->cookie, &recorded)) {
		log_warn("ui: cannot read the sessions signed out of; refusing the session for now");
		return true;
	}
	if (recorded)
		session__revoke(&ui->revoked, rq->cookie, now_s);
	return recorded;
}

static enum who identify(struct ui *ui, const struct ui_request *rq, struct reader *r, struct caller *c)
{
	memset(c, 0, sizeof(*c));
	if (rq->authorization) {
		c->cred = auth__check(rq->auth, rq->authorization);
		if (!c->cred)
			return WHO_UNKNOWN_TOKEN;
		return c->cred->roles & AUTH_OPERATOR ? WHO_OPERATOR : WHO_WRONG_ROLE;
	}
	if (rq->cookie && (c->cred = session__verify(&ui->key, rq->auth, rq->cookie, rq->now_ns / 1000000000ULL)) &&
	    !signed_out(ui, rq, r)) {
		c->by_cookie = true;
		return WHO_OPERATOR;
	}
	return WHO_NOBODY;
}

/*
 * A POST from another site is refused whatever it carries. Browsers say
 * where a request comes from in Sec-Fetch-Site; older ones only in Origin,
 * which is "null" under Referrer-Policy: no-referrer (ours) and then says
 * nothing. A client that sends neither is no browser, and needs its token
 * or the session's CSRF token anyway.
 */
static bool same_site(const struct ui_request *rq)
{
	const char *o = rq->origin;

	if (rq->sec_fetch_site)
		return !strcmp(rq->sec_fetch_site, "same-origin") || !strcmp(rq->sec_fetch_site, "none");
	if (!o || !strcmp(o, "null"))
		return true;
	if (!strncmp(o, "https://", 8))
		o += 8;
	else if (!strncmp(o, "http://", 7))
		o += 7;
	else
		return false;
	return rq->host && !strcasecmp(o, rq->host);
}

/* Where to go after signing in: one of our pages, never another site. */
static const char *safe_next(const char *next)
{
	if (!next || strncmp(next, "/ui/", 4) || strstr(next, "//") || strchr(next, '\\') ||
	    strpbrk(next, "\r\n"))
		return "/ui/";
	return next;
}

/* Secure when served over TLS here, or behind a TLS proxy that public_url names */
static bool secure_cookies(struct ui *ui)
{
	struct cfgref *ref = cfgref_slot__acquire(&ui->alerting);
	const char *pub = ref ? cfgref__cfg(ref)->public_url : NULL;
	bool secure = ui->tls || (pub && !strncmp(pub, "https://", 8));

	cfgref__put(ref);
	return secure;
}

static void session_cookie(struct ui *ui, struct ui_response *out, const char *value, uint64_t max_age_s)
{
	snprintf(out->set_cookie, sizeof(out->set_cookie),
		 UI_COOKIE "=%s; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=%llu%s", value,
		 (unsigned long long)max_age_s, secure_cookies(ui) ? "; Secure" : "");
}

static void begin_page(struct ui *ui, const struct ui_request *rq, struct page *p, const struct caller *c)
{
	memset(p, 0, sizeof(*p));
	p->f = open_memstream(&p->buf, &p->len);
	p->rq = rq;
	p->ui = ui;
	p->now_ns = rq->now_ns;
	p->who = c && c->cred ? c->cred->name : NULL;
	if (c && c->by_cookie)
		session__csrf(&ui->key, rq->cookie, p->csrf);
	p->alerting_ref = cfgref_slot__acquire(&ui->alerting);
	p->alerting = p->alerting_ref ? cfgref__cfg(p->alerting_ref) : NULL;
}

static void end_page(struct page *p)
{
	if (p->f)
		fclose(p->f);
	free(p->buf);
	cfgref__put(p->alerting_ref);
}

/* --- sign in and out --- */

static void login_page(struct ui *ui, const struct ui_request *rq, unsigned status, const char *why,
		       const char *next, struct ui_response *out)
{
	struct page p;

	begin_page(ui, rq, &p, NULL);
	if (!p.f)
		plain(out, 503, "out of memory");
	else
		page__login(&p, status, why, next, out);
	end_page(&p);
}

static void login(struct ui *ui, const struct ui_request *rq, struct ui_response *out)
{
	char token[TOKEN_MAX_LEN + 1], next[512], header[TOKEN_MAX_LEN + 16], cookie[SESSION_COOKIE_MAX];
	const struct auth_cred *cred;

	if (!strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD")) {
		const char *n = rq->arg ? rq->arg(rq->arg_ctx, "next") : NULL;

		login_page(ui, rq, 200, NULL, safe_next(n), out);
		return;
	}
	if (!same_site(rq)) {
		metrics__reject(ui->metrics, REJECT_FORBIDDEN, 1);
		plain(out, 403, "forbidden: a cross-site request");
		return;
	}
	if (form__get(rq->body, rq->len, "next", next, sizeof(next)))
		snprintf(next, sizeof(next), "/ui/");
	if (form__get(rq->body, rq->len, "token", token, sizeof(token)) || !token[0]) {
		explicit_bzero(token, sizeof(token)); /* a value that failed to decode may be half there */
		login_page(ui, rq, 400, "Enter an operator token.", safe_next(next), out);
		return;
	}
	/* a token pasted with the newline of its file */
	for (size_t n = strlen(token); n && strchr(" \t\r\n", token[n - 1]); n--)
		token[n - 1] = '\0';
	snprintf(header, sizeof(header), "Bearer %s", token + strspn(token, " \t\r\n"));
	cred = auth__check(rq->auth, header);
	explicit_bzero(token, sizeof(token));
	explicit_bzero(header, sizeof(header));
	if (!cred || !(cred->roles & AUTH_OPERATOR)) {
		metrics__reject(ui->metrics, cred ? REJECT_FORBIDDEN : REJECT_AUTH, 1);
		if (cred)
			log_info("refused %s credential %s at the sign-in form", auth_role__name(cred->roles), cred->name);
		login_page(ui, rq, cred ? 403 : 401,
			   cred ? "This token has the ingest role: it may only send events. The pages need an operator token."
				: "Unknown token.",
			   safe_next(next), out);
		return;
	}
	if (session__issue(&ui->key, cred, rq->now_ns / 1000000000ULL + ui->session_ttl_ms / 1000, cookie)) {
		plain(out, 500, "the session could not be made");
		return;
	}
	log_info("operator %s signed in to the pages", cred->name);
	redirect(out, safe_next(next));
	session_cookie(ui, out, cookie, ui->session_ttl_ms / 1000);
}

/* A form POSTed with a session must carry its CSRF token; a bearer token needs none. */
static bool form_allowed(struct ui *ui, const struct ui_request *rq, const struct caller *c)
{
	char csrf[SESSION_CSRF_LEN + 2];

	if (!same_site(rq))
		return false;
	if (!c->by_cookie)
		return true;
	return !form__get(rq->body, rq->len, "csrf", csrf, sizeof(csrf)) && session__csrf_ok(&ui->key, rq->cookie, csrf);
}

/* --- acknowledge --- */

static void acknowledge(struct ui *ui, const struct ui_request *rq, const struct caller *c, const char *fp,
			struct ui_response *out)
{
	struct ack_result res;
	char location[256];
	int err;

	if (!ack__valid_fingerprint(fp)) {
		plain(out, 404, "no such leak");
		return;
	}
	err = ack__leak(ui->store, fp, c->cred->name, rq->now_ns, &res);
	if (err) {
		out->retry_after = "5";
		plain(out, 503, "storage unavailable, retry later");
		return;
	}
	if (!res.found) {
		plain(out, 404, "no leak with this fingerprint");
		return;
	}
	log_info("operator %s acknowledged leak %.16s from the pages; %u alert(s) resolved", c->cred->name, fp,
		 (unsigned)res.resolved);
	if (res.resolved && rq->alerts)
		alerts__kick(rq->alerts);
	snprintf(location, sizeof(location), "/ui/leak/%s", fp);
	redirect(out, location);
}

/* --- the pages --- */

static void page(struct ui *ui, const struct ui_request *rq, const struct caller *c, struct reader *r,
		 struct ui_response *out)
{
	static const char listener[] = "/ui/listener/", leak[] = "/ui/leak/";
	const char *path = rq->path;
	struct store *ro;
	char err[256];
	struct page p;

	begin_page(ui, rq, &p, c);
	if (!p.f) {
		end_page(&p);
		plain(out, 503, "out of memory");
		return;
	}
	metrics__add(ui->metrics, queries, 1);
	ro = reader_take(ui, r, err, sizeof(err));
	if (!ro) {
		log_error("pages: %s", err);
		out->retry_after = "5";
		page__message(&p, 503, "Storage unavailable", "The database could not be opened; retry later.", out);
	} else {
		p.db = store__db(ro);
		if (!strcmp(path, "/ui/"))
			page__overview(&p, out);
		else if (!strcmp(path, "/ui/hosts"))
			page__hosts(&p, out);
		else if (!strncmp(path, listener, sizeof(listener) - 1))
			page__listener(&p, path + sizeof(listener) - 1, out);
		else if (!strncmp(path, leak, sizeof(leak) - 1) && !strchr(path + sizeof(leak) - 1, '/'))
			page__leak(&p, path + sizeof(leak) - 1, out);
		else
			page__message(&p, 404, "Not found", "There is no such page.", out);
	}
	end_page(&p);
}

/* Sign out, or acknowledge the leak `target`: POSTs with the CSRF token. */
static void post_form(struct ui *ui, const struct ui_request *rq, const struct caller *c, const char *target,
		      struct ui_response *out)
{
	if (strcmp(rq->method, "POST")) {
		not_allowed(out, "POST");
		return;
	}
	if (!form_allowed(ui, rq, c)) {
		metrics__reject(ui->metrics, REJECT_FORBIDDEN, 1);
		log_info("refused a form from %s without its CSRF token or from another site", c->cred->name);
		plain(out, 403, "forbidden: the form's CSRF token is missing or wrong, or it came from another site");
		return;
	}
	if (target) {
		acknowledge(ui, rq, c, target, out);
		return;
	}
	if (c->by_cookie) { /* a copy of the cookie ends with it, on every collector */
		session__revoke(&ui->revoked, rq->cookie, rq->now_ns / 1000000000ULL);
		if (ui->store && signout__record(ui->store, rq->cookie, rq->now_ns / 1000000000ULL))
			log_warn("ui: %s signed out here, but the database did not record it: other collectors"
				 " accept the session until it expires", c->cred->name);
	}
	redirect(out, "/ui/login");
	session_cookie(ui, out, "", 0);
}

static bool is_get(const char *m)
{
	return !strcmp(m, "GET") || !strcmp(m, "HEAD");
}

/* "/ui/leak/<fp>/ack" -> fp, or NULL */
static const char *ack_target(const char *path, char fp[80])
{
	return url__segment_between(path, "/ui/leak/", "/ack", fp, 80);
}

static void handle(struct ui *ui, const struct ui_request *rq, struct reader *r, struct ui_response *out)
{
	struct caller c;
	char fp[80], next[600];
	enum who who;
	const char *target;

	memset(out, 0, sizeof(*out));
	if (!strcmp(rq->path, "/ui")) {
		redirect(out, "/ui/");
		return;
	}
	if (assets__serve(rq->path, out)) {
		if (!is_get(rq->method))
			not_allowed(out, "GET, HEAD");
		return;
	}
	if (!strcmp(rq->path, "/ui/login")) {
		if (!is_get(rq->method) && strcmp(rq->method, "POST")) {
			not_allowed(out, "GET, HEAD, POST");
			return;
		}
		login(ui, rq, out);
		return;
	}
	who = identify(ui, rq, r, &c);
	if (who == WHO_UNKNOWN_TOKEN) {
		metrics__reject(ui->metrics, REJECT_AUTH, 1);
		plain(out, 401, "unauthorized");
		return;
	}
	if (who == WHO_WRONG_ROLE) {
		metrics__reject(ui->metrics, REJECT_FORBIDDEN, 1);
		log_info("refused %s credential %s on %s", auth_role__name(c.cred->roles), c.cred->name, "/ui/");
		plain(out, 403, "forbidden: the pages need an operator credential");
		return;
	}
	if (who == WHO_NOBODY) {
		/* a page asks to sign in first; anything else is refused */
		if (!is_get(rq->method)) {
			metrics__reject(ui->metrics, REJECT_AUTH, 1);
			plain(out, 401, "unauthorized: sign in at /ui/login");
			return;
		}
		FILE *m = fmemopen(next, sizeof(next), "w");

		if (!m) {
			plain(out, 503, "out of memory");
			return;
		}
		fputs("/ui/login?next=", m);
		url__encode(m, safe_next(rq->target ? rq->target : rq->path), false);
		/* a full buffer may hold a cut address: glibc puts the NUL in place of its last byte */
		if (fclose(m) || strnlen(next, sizeof(next)) >= sizeof(next) - 1)
			snprintf(next, sizeof(next), "/ui/login");
		if (rq->cookie)
			session_cookie(ui, out, "", 0); /* expired or forged: forget it */
		redirect(out, next);
		return;
	}
	target = ack_target(rq->path, fp);
	if (!strcmp(rq->path, "/ui/logout") || target) {
		post_form(ui, rq, &c, target, out);
		return;
	}
	if (!is_get(rq->method)) {
		not_allowed(out, "GET, HEAD");
		return;
	}
	page(ui, rq, &c, r, out);
}

void ui__handle(struct ui *ui, const struct ui_request *rq, struct ui_response *out)
{
	struct reader r = { 0 };

	handle(ui, rq, &r, out);
	reader_give_back(ui, &r);
}
