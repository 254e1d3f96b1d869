/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An application/x-www-form-urlencoded body, as the login and acknowledge
 * forms POST it.
 */
#ifndef COLLECTOR_FORM_H
#define COLLECTOR_FORM_H

#include <stddef.h>

/*
 * The decoded value of field `name` into out (NUL-terminated). 0; -ENOENT
 * when the body has no such field; -EINVAL when it is malformed, holds a
 * NUL, or does not fit in outlen.
 */
int form__get(const char *body, size_t len, const char *name, char *out, size_t outlen);

#endif
