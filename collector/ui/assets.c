// SPDX-License-Identifier: Apache-2.0
#include "ui/assets.h"

#include <string.h>

static const char style_css[] =
	":root{--fg:#1d2430;--muted:#6b7280;--line:#e2e5ea;--bg:#f7f8fa;--card:#fff;--accent:#1f5fbf;"
	"--crit:#7a0b0b;--high:#b42318;--med:#b54708;--low:#2e6b30;--info:#475467}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);background:var(--bg)}\n"
	"header{display:flex;gap:1.5em;align-items:center;padding:.7em 1.5em;background:#111827;color:#fff}\n"
	"header a{color:#dbe4f0;text-decoration:none}header a:hover{color:#fff}\n"
	"header .brand{font-weight:700;font-size:1.1em;color:#fff}\n"
	"header nav{display:flex;gap:1.2em;flex:1}\n"
	"header .who{color:#9ca3af}\n"
	"header button{background:none;border:1px solid #4b5563;color:#dbe4f0;border-radius:4px;padding:.2em .7em;cursor:pointer}\n"
	"main{padding:1em 1.5em 3em;max-width:1500px}\n"
	"h1{font-size:1.5em;margin:.4em 0 .6em}h2{font-size:1.15em;margin:1.6em 0 .5em}\n"
	"h2 .count{font-weight:400;color:var(--muted);font-size:.85em;margin-left:.4em}\n"
	"a{color:var(--accent)}\n"
	"table{border-collapse:collapse;width:100%;background:var(--card);border:1px solid var(--line)}\n"
	"th,td{padding:.45em .7em;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}\n"
	"thead th{background:#eef1f5;font-weight:600;font-size:.9em;white-space:nowrap}\n"
	"table.details{width:auto;min-width:40em}table.details th{width:12em;color:var(--muted);font-weight:500}\n"
	"td.path,code{word-break:break-all}\n"
	"code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.92em}\n"
	"code.redacted{background:#f2f4f7;padding:.1em .35em;border-radius:3px}\n"
	".muted{color:var(--muted)}.empty{color:var(--muted);text-align:center;padding:1.2em}\n"
	".sev{display:inline-block;min-width:5.5em;text-align:center;border-radius:3px;padding:.05em .5em;"
	"font-size:.85em;font-weight:600;color:#fff;text-transform:uppercase;letter-spacing:.02em}\n"
	".sev-critical{background:var(--crit)}.sev-high{background:var(--high)}.sev-medium{background:var(--med)}"
	".sev-low{background:var(--low)}.sev-info,.sev-unspecified{background:var(--info)}\n"
	".open-door{color:var(--high);font-weight:600}\n"
	".status-firing{color:var(--high);font-weight:600}.status-resolved{color:var(--low);font-weight:600}\n"
	"tr.silent td{background:#fff4f2}\n"
	"form.filters{display:flex;flex-wrap:wrap;gap:.8em;align-items:end;margin:0 0 1em}\n"
	"form.filters label{display:flex;flex-direction:column;font-size:.85em;color:var(--muted)}\n"
	"input,select,button{font:inherit;padding:.3em .5em;border:1px solid #c8ced8;border-radius:4px;background:#fff}\n"
	"button{cursor:pointer;background:#1f5fbf;color:#fff;border-color:#1f5fbf}\n"
	"form.inline{display:inline}\n"
	"form.ack{margin:1em 0;padding:1em;border:1px solid var(--line);background:var(--card);max-width:44em}\n"
	"form.login{display:flex;gap:.8em;align-items:end}form.login label{display:flex;flex-direction:column}\n"
	"form.login input{width:32em;max-width:80vw}\n"
	".error{color:var(--high);font-weight:600}\n"
	"ul.plain{list-style:none;margin:0;padding:0}\n"
	".pager{display:flex;gap:1em;margin:.6em 0}\n"
	"td.programs{font-size:.85em;color:var(--muted);max-width:22em}\n"
	"footer{color:var(--muted);font-size:.8em;padding:1em 1.5em}\n";

/* Submits the filters when a choice changes; the Filter button does the same without it. */
static const char app_js[] =
	"'use strict';\n"
	"document.addEventListener('DOMContentLoaded', function () {\n"
	"  var form = document.getElementById('filters');\n"
	"  if (!form) return;\n"
	"  form.querySelectorAll('select').forEach(function (s) {\n"
	"    s.addEventListener('change', function () { form.submit(); });\n"
	"  });\n"
	"});\n";

bool assets__serve(const char *path, struct ui_response *out)
{
	const char *body, *type;

	if (!strcmp(path, "/ui/style.css")) {
		body = style_css;
		type = "text/css; charset=utf-8";
	} else if (!strcmp(path, "/ui/app.js")) {
		body = app_js;
		type = "text/javascript; charset=utf-8";
	} else {
		return false;
	}
	out->status = 200;
	out->type = type;
	out->body = (char *)body;
	out->len = strlen(body);
	out->body_static = true;
	out->cacheable = true;
	return true;
}
