/* SPDX-License-Identifier: Apache-2.0 */
/* A small JSON writer into a growable buffer: events, logs, CLI output. */
#ifndef LW_JSONW_H
#define LW_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSONW_MAX_DEPTH 16

struct jsonw {
	char *buf;
	size_t len;
	size_t cap;
	int depth;
	bool first[JSONW_MAX_DEPTH]; /* no element written yet at this depth */
	bool after_key;
	bool failed; /* out of memory or nesting too deep; output is unusable */
};

void jsonw__init(struct jsonw *w);
void jsonw__reset(struct jsonw *w);
void jsonw__free(struct jsonw *w);

void jsonw__begin_object(struct jsonw *w);
void jsonw__end_object(struct jsonw *w);
void jsonw__begin_array(struct jsonw *w);
void jsonw__end_array(struct jsonw *w);
void jsonw__key(struct jsonw *w, const char *key);
void jsonw__string(struct jsonw *w, const char *s);
void jsonw__string_len(struct jsonw *w, const char *s, size_t n);
void jsonw__u64(struct jsonw *w, uint64_t v);
void jsonw__i64(struct jsonw *w, int64_t v);
void jsonw__double(struct jsonw *w, double v);
void jsonw__bool(struct jsonw *w, bool v);
void jsonw__null(struct jsonw *w);

/* key + value shorthands; a NULL string writes null */
void jsonw__kv_str(struct jsonw *w, const char *key, const char *v);
void jsonw__kv_u64(struct jsonw *w, const char *key, uint64_t v);
void jsonw__kv_i64(struct jsonw *w, const char *key, int64_t v);
void jsonw__kv_bool(struct jsonw *w, const char *key, bool v);

/* NUL-terminated result, or NULL if writing failed */
const char *jsonw__str(struct jsonw *w);

#endif
