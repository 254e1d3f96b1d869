// SPDX-License-Identifier: Apache-2.0
#include "web/form.h"

#include <errno.h>
#include <string.h>

#include "web/html.h"

int form__get(const char *body, size_t len, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	const char *p = body, *end = body + len;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *field_end = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(field_end - p));

		if (eq && (size_t)(eq - p) == nlen && !memcmp(p, name, nlen)) {
			size_t vlen = (size_t)(field_end - eq - 1);

			if (vlen >= outlen || memchr(eq + 1, '\0', vlen))
				return -EINVAL;
			memcpy(out, eq + 1, vlen);
			out[vlen] = '\0';
			return html__url_decode(out, true) ? -EINVAL : 0;
		}
		p = field_end + 1;
	}
	return -ENOENT;
}
