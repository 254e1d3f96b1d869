// SPDX-License-Identifier: Apache-2.0
/* GET /ui/login: the sign-in form. */
#include "ui/page.h"

#include "web/html.h"

void page__login(struct page *p, unsigned status, const char *why, const char *next, struct ui_response *out)
{
	FILE *f;

	p->who = NULL;
	page__begin(p, "Sign in");
	f = p->f;
	fputs("<h1>Sign in</h1>\n", f);
	if (why) {
		fputs("<p class=\"error\" id=\"why\">", f);
		html__text(f, why);
		fputs("</p>\n", f);
	}
	fputs("<form method=\"post\" action=\"/ui/login\" class=\"login\">"
	      "<label>Operator token <input type=\"password\" name=\"token\" autocomplete=\"current-password\" "
	      "required autofocus></label><input type=\"hidden\" name=\"next\" value=\"", f);
	html__text(f, next ? next : "/ui/");
	fputs("\"><button type=\"submit\">Sign in</button></form>\n"
	      "<p class=\"muted\">A token of the operator role "
	      "(<code>leakwatch-collector token create --role operator --name NAME</code>). "
	      "The session lasts until it expires, the collector restarts, or the token is removed.</p>\n", f);
	page__finish(p, status, out);
}
