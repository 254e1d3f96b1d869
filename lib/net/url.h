/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Percent-encoding (RFC 3986) of a value for a URL: a path segment, a
 * query value, or with keep_slash a whole path. Unreserved characters and
 * ':' are kept as they are (an IPv6 address reads as one); everything else
 * becomes %XX, so the result is also safe in an HTML attribute as it is.
 */
#ifndef LW_URL_H
#define LW_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* n bytes of s; NULL writes nothing. */
void url__encode_n(FILE *f, const char *s, size_t n, bool keep_slash);
void url__encode(FILE *f, const char *s, bool keep_slash);

/* The one segment X of a path prefix X suffix ("/ui/leak/" X "/ack"),
 * copied NUL-ended into out of size bytes; NULL when path has another
 * form, X is empty or holds a '/', or X does not fit. */
const char *url__segment_between(const char *path, const char *prefix, const char *suffix, char *out,
				 size_t size);

#endif
