/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing HTML safely. Every value a page shows goes through html__text:
 * host names, paths, command lines and rule ids come from agents, and a
 * process may name itself "<script>". Text and attribute values are escaped
 * the same way (& < > " '), so a value is safe in either place. URLs built
 * from values percent-encode them (net/url.h), which leaves nothing to escape.
 */
#ifndef COLLECTOR_HTML_H
#define COLLECTOR_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* s as HTML text or a quoted attribute value; NULL writes nothing. */
void html__text(FILE *f, const char *s);
/* The same for n bytes of s. */
void html__text_n(FILE *f, const char *s, size_t n);
/* "2026-12-04 05:12:09 UTC", or "—" for 0 */
void html__time(FILE *f, uint64_t ns);
/* "3 min ago", "2 d ago", "in the future" against now_ns; "—" for 0 */
void html__age(FILE *f, uint64_t ns, uint64_t now_ns);
/* 1536 -> "1.5 KiB" */
void html__bytes(FILE *f, uint64_t n);

/* Undoes percent-encoding (and '+' as a space when form is set) in place.
 * -1 for a malformed escape or an encoded NUL. */
int html__url_decode(char *s, bool form);

#endif
