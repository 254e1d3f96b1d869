// SPDX-License-Identifier: Apache-2.0
#include "wire/jsonw.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/grow.h"

void jsonw__init(struct jsonw *w)
{
	memset(w, 0, sizeof(*w));
	w->first[0] = true;
}

void jsonw__reset(struct jsonw *w)
{
	char *buf = w->buf;
	size_t cap = w->cap;

	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
	w->first[0] = true;
	if (buf)
		buf[0] = '\0';
}

void jsonw__free(struct jsonw *w)
{
	free(w->buf);
	jsonw__init(w);
}

/* Out of line: most puts fit in what the buffer already has. */
static bool make_room(struct jsonw *w, size_t n)
{
	if (n > SIZE_MAX - w->len - 1 || grow__reserve((void **)&w->buf, &w->cap, w->len + n + 1, 1, 256)) {
		w->failed = true;
		return false;
	}
	return true;
}

static inline void put(struct jsonw *w, const char *s, size_t n)
{
	/* len < cap once there is a buffer (its NUL): no sum to overflow */
	if (w->failed || (n >= w->cap - w->len && !make_room(w, n)))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void puts_(struct jsonw *w, const char *s)
{
	put(w, s, strlen(s));
}

/* Separator before a value: a comma unless first in its container or after a key. */
static void before_value(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		put(w, ",", 1);
	w->first[w->depth] = false;
}

static void open_(struct jsonw *w, char c)
{
	before_value(w);
	put(w, &c, 1);
	if (w->depth + 1 >= JSONW_MAX_DEPTH) {
		w->failed = true;
		return;
	}
	w->first[++w->depth] = true;
}

static void close_(struct jsonw *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	put(w, &c, 1);
}

void jsonw__begin_object(struct jsonw *w) { open_(w, '{'); }
void jsonw__end_object(struct jsonw *w) { close_(w, '}'); }
void jsonw__begin_array(struct jsonw *w) { open_(w, '['); }
void jsonw__end_array(struct jsonw *w) { close_(w, ']'); }

/* Bytes a JSON string cannot hold as they are: controls, '"', '\\' and DEL.
 * A table: every byte of every string passes here. */
static const bool must_escape[256] = {
	[0x00 ... 0x1f] = true, ['"'] = true, ['\\'] = true, [0x7f] = true,
};

static void put_escaped(struct jsonw *w, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

	switch (c) {
	case '"': put(w, "\\\"", 2); break;
	case '\\': put(w, "\\\\", 2); break;
	case '\n': put(w, "\\n", 2); break;
	case '\r': put(w, "\\r", 2); break;
	case '\t': put(w, "\\t", 2); break;
	default: put(w, esc, 6); break;
	}
}

/* The runs between escapes go out whole, each with one put. */
static void quoted(struct jsonw *w, const char *s, size_t n)
{
	size_t i, run = 0;

	put(w, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!must_escape[c])
			continue;
		put(w, s + run, i - run);
		put_escaped(w, c);
		run = i + 1;
	}
	put(w, s + run, n - run);
	put(w, "\"", 1);
}

void jsonw__key(struct jsonw *w, const char *key)
{
	before_value(w);
	quoted(w, key, strlen(key));
	put(w, ":", 1);
	w->after_key = true;
}

void jsonw__string_len(struct jsonw *w, const char *s, size_t n)
{
	before_value(w);
	quoted(w, s, n);
}

void jsonw__string(struct jsonw *w, const char *s)
{
	if (!s) {
		jsonw__null(w);
		return;
	}
	jsonw__string_len(w, s, strlen(s));
}

/* Decimal digits by hand: snprintf was 2% of a retro-scan's JSON report,
 * four numbers a finding. */
static void put_decimal(struct jsonw *w, bool negative, uint64_t magnitude)
{
	char num[21];
	size_t at = sizeof(num);

	do {
		num[--at] = (char)('0' + magnitude % 10);
		magnitude /= 10;
	} while (magnitude);
	if (negative)
		num[--at] = '-';
	put(w, num + at, sizeof(num) - at);
}

void jsonw__u64(struct jsonw *w, uint64_t v)
{
	before_value(w);
	put_decimal(w, false, v);
}

void jsonw__i64(struct jsonw *w, int64_t v)
{
	before_value(w);
	/* in unsigned arithmetic, so INT64_MIN has a magnitude */
	put_decimal(w, v < 0, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

void jsonw__double(struct jsonw *w, double v)
{
	char num[32];

	before_value(w);
	if (!isfinite(v)) {
		puts_(w, "null");
		return;
	}
	snprintf(num, sizeof(num), "%.6g", v);
	puts_(w, num);
}

void jsonw__bool(struct jsonw *w, bool v)
{
	before_value(w);
	puts_(w, v ? "true" : "false");
}

void jsonw__null(struct jsonw *w)
{
	before_value(w);
	puts_(w, "null");
}

void jsonw__kv_str(struct jsonw *w, const char *key, const char *v)
{
	jsonw__key(w, key);
	jsonw__string(w, v);
}

void jsonw__kv_u64(struct jsonw *w, const char *key, uint64_t v)
{
	jsonw__key(w, key);
	jsonw__u64(w, v);
}

void jsonw__kv_i64(struct jsonw *w, const char *key, int64_t v)
{
	jsonw__key(w, key);
	jsonw__i64(w, v);
}

void jsonw__kv_bool(struct jsonw *w, const char *key, bool v)
{
	jsonw__key(w, key);
	jsonw__bool(w, v);
}

const char *jsonw__str(struct jsonw *w)
{
	if (w->failed)
		return NULL;
	if (!w->buf)
		put(w, "", 0);
	return w->failed ? NULL : w->buf;
}
