// SPDX-License-Identifier: Apache-2.0
#include "wire/utf8.h"

#include <stdint.h>
#include <string.h>

bool utf8__valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *end;

	if (!len)
		return true;
	end = s + len;
	while (s < end) {
		unsigned char c = *s;
		size_t need;
		uint32_t cp, min;
		uint64_t word;

		/* ASCII 8 bytes at a time: nearly every string an agent sends is */
		if (end - s >= 8) {
			memcpy(&word, s, sizeof(word));
			if (!(word & 0x8080808080808080ULL)) {
				s += 8;
				continue;
			}
		}
		if (c < 0x80) {
			s++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			need = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if ((size_t)(end - s) <= need)
			return false;
		for (size_t i = 1; i <= need; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += need + 1;
	}
	return true;
}
