/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Credentials in a URI's userinfo: the password of scheme://user:password@host,
 * or the user itself when it is a token and the password a filler
 * (https://TOKEN:x-oauth-basic@github.com) or absent (https://TOKEN@host).
 * The scheme decides the rule: a database's or broker's, or any other URL's.
 */
#ifndef LW_URICRED_H
#define LW_URICRED_H

#include <stdbool.h>
#include <stddef.h>

#include "extract/extract.h"

/*
 * from and to: a match that ends at the '@' and starts no later than "://".
 * The secret in [*s0, *e0); *alt when the scheme is not a database's (the
 * URL then needs a host after the '@' and a password that looks chosen).
 */
enum lw_verdict uricred__resolve(const struct lw_view *v, size_t from, size_t to, size_t *s0, size_t *e0,
				 bool *alt);

#endif
