/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Schema-driven walking of a YAML document, with the dotted path of the node
 * being read kept for error messages ("exposure.internal_cidrs[1]: ...").
 * A configuration describes its keys in tables: most are read straight into
 * a member of its struct (YAMLCFG_UINT, YAMLCFG_PATH, ...), the rest by a
 * function of its own. Nothing here knows any program's keys.
 */
#ifndef LW_YAMLCFG_H
#define LW_YAMLCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "leakwatch/severity.h"
#include "os/log.h"

/* Nesting beyond this is refused before a document is built. */
#define YAMLCFG_MAX_DEPTH 64
#define YAMLCFG_MAX_FILE (1 << 20)

struct yamlcfg {
	yaml_document_t doc;
	bool loaded;
	char path[256];
	char *err;
	size_t errlen;
	void *target; /* what the key handlers fill in */
	void *outer;  /* the struct that holds target, within yamlcfg__walk_map_into */
	void *member; /* for a YAMLCFG_CALL_AT handler: its member of target */
};

typedef int (*yamlcfg_fn)(struct yamlcfg *c, yaml_node_t *value);

/* How a key's value is read. */
enum yamlcfg_kind {
	YAMLCFG_CALL,     /* fn reads it */
	YAMLCFG_SECTION,  /* a mapping of `keys` for the struct at offset; then fn, if any, checks it */
	YAMLCFG_BOOL,     /* true/false, yes/no, on/off */
	YAMLCFG_UINT,     /* a whole number in min..max */
	YAMLCFG_SIZE,     /* "64KiB", min..max bytes; a power of two if pow2 */
	YAMLCFG_DURATION, /* "5s", min..max ms */
	YAMLCFG_STRING,   /* malloc'd */
	YAMLCFG_PATH,     /* an absolute path, malloc'd */
};

struct yamlcfg_key {
	const char *name;
	yamlcfg_fn fn;
	enum yamlcfg_kind kind;
	size_t offset;   /* of the member in c->target */
	size_t width;    /* of a number member: 1, 2, 4 or 8 bytes */
	uint64_t min, max;
	bool pow2;
	const struct yamlcfg_key *keys;
};

/*
 * Keys read straight into a member of YAMLCFG_TARGET, which the file that
 * uses these defines as the struct type its table fills (c->target).
 */
#define YAMLCFG_MEMBER(kind_, key, member, ...)                                                  \
	{ .name = (key), .kind = (kind_), .offset = offsetof(YAMLCFG_TARGET, member),            \
	  .width = sizeof(((YAMLCFG_TARGET *)0)->member), __VA_ARGS__ }
#define YAMLCFG_BOOL(key, member) YAMLCFG_MEMBER(YAMLCFG_BOOL, key, member)
#define YAMLCFG_UINT(key, member, lo, hi) YAMLCFG_MEMBER(YAMLCFG_UINT, key, member, .min = (lo), .max = (hi))
#define YAMLCFG_SIZE(key, member, lo, hi) YAMLCFG_MEMBER(YAMLCFG_SIZE, key, member, .min = (lo), .max = (hi))
#define YAMLCFG_POW2_SIZE(key, member, lo, hi) \
	YAMLCFG_MEMBER(YAMLCFG_SIZE, key, member, .min = (lo), .max = (hi), .pow2 = true)
#define YAMLCFG_DURATION(key, member, lo, hi) \
	YAMLCFG_MEMBER(YAMLCFG_DURATION, key, member, .min = (lo), .max = (hi))
#define YAMLCFG_STRING(key, member) YAMLCFG_MEMBER(YAMLCFG_STRING, key, member)
#define YAMLCFG_PATH(key, member) YAMLCFG_MEMBER(YAMLCFG_PATH, key, member)
/* A key read by fn into the member at c->member: a reader shared by keys. */
#define YAMLCFG_CALL_AT(key, member, fn_) \
	{ .name = (key), .fn = (fn_), .kind = YAMLCFG_CALL, .offset = offsetof(YAMLCFG_TARGET, member) }
/* A mapping whose keys fill the same struct; check (may be NULL) runs after,
 * with c->target the struct its keys filled. */
#define YAMLCFG_SECTION(key, keys_, check) \
	{ .name = (key), .fn = (check), .kind = YAMLCFG_SECTION, .keys = (keys_) }
/* A mapping whose keys fill the struct in `member`. */
#define YAMLCFG_SECTION_IN(key, member, keys_, check)                                    \
	{ .name = (key), .fn = (check), .kind = YAMLCFG_SECTION, .keys = (keys_),           \
	  .offset = offsetof(YAMLCFG_TARGET, member) }

/* `log:` (level, format) into a struct lw_log_settings: YAMLCFG_SECTION_IN("log", log, yamlcfg_log_keys, NULL). */
extern const struct yamlcfg_key yamlcfg_log_keys[];

/* Reads and parses a file; root is NULL for an empty document. */
int yamlcfg__load_file(struct yamlcfg *c, const char *file, yaml_node_t **root);
/* Parses YAML text (for tests and check-config on stdin). */
int yamlcfg__load_string(struct yamlcfg *c, const char *text, size_t len, yaml_node_t **root);
void yamlcfg__free(struct yamlcfg *c);

/* A configuration type: what yamlcfg__load builds and replaces. */
struct yamlcfg_schema {
	const struct yamlcfg_key *top; /* the file's top-level keys */
	size_t size;                   /* of the configuration struct */
	void (*defaults)(void *cfg);
	void (*free)(void *cfg);       /* what it owns, not cfg itself */
	/* the other binary's top-level keys: a file holding one of them, and
	 * unknown here, is named as the other kind (hint), not just refused */
	const char *const *foreign;
	const char *hint;
};

/*
 * Loads file (or, with file NULL, text) into *cfg: built aside from the
 * defaults, so that a failed load leaves *cfg as it was. A missing file is
 * the defaults unless must_exist. err: one line naming the key.
 */
int yamlcfg__load(const struct yamlcfg_schema *s, void *cfg, const char *file, const char *text,
		  bool must_exist, char *err, size_t errlen);

/*
 * Defines, for a configuration TYPE whose PREFIX__defaults and PREFIX__free
 * exist and whose top-level keys are TOP:
 *   int PREFIX__load(TYPE *cfg, const char *file, bool must_exist, char *err, size_t errlen);
 *   int PREFIX__load_string(TYPE *cfg, const char *text, char *err, size_t errlen);
 */
#define YAMLCFG_DEFINE_LOAD(PREFIX, TYPE, TOP) YAMLCFG_DEFINE_LOAD_HINTED(PREFIX, TYPE, TOP, NULL, NULL)

/* The same, naming a file of the other kind (see yamlcfg_schema.foreign). */
#define YAMLCFG_DEFINE_LOAD_HINTED(PREFIX, TYPE, TOP, FOREIGN, HINT)                               \
	static void PREFIX##_defaults_of(void *cfg)                                                \
	{                                                                                          \
		PREFIX##__defaults(cfg);                                                           \
	}                                                                                          \
	static void PREFIX##_free_of(void *cfg)                                                    \
	{                                                                                          \
		PREFIX##__free(cfg);                                                               \
	}                                                                                          \
	static const struct yamlcfg_schema PREFIX##_schema = { TOP, sizeof(TYPE), PREFIX##_defaults_of, \
							       PREFIX##_free_of, FOREIGN, HINT };  \
	int PREFIX##__load(TYPE *cfg, const char *file, bool must_exist, char *err, size_t errlen) \
	{                                                                                          \
		return yamlcfg__load(&PREFIX##_schema, cfg, file, NULL, must_exist, err, errlen);  \
	}                                                                                          \
	int PREFIX##__load_string(TYPE *cfg, const char *text, char *err, size_t errlen)           \
	{                                                                                          \
		return yamlcfg__load(&PREFIX##_schema, cfg, NULL, text, true, err, errlen);        \
	}

/* An absolute path, copied into *out (the caller frees it). */
int yamlcfg__abspath(struct yamlcfg *c, yaml_node_t *n, char **out);
/*
 * The first line of the file at the absolute path the node names (a token,
 * a key, a DSN: kept out of the YAML, in a private file), without its line
 * end, in buf; *len its length and *path the file's name, for messages.
 * The caller checks the line, and wipes buf when it holds a secret.
 */
int yamlcfg__first_line(struct yamlcfg *c, yaml_node_t *n, char *buf, size_t size, size_t *len,
			const char **path);
/* A severity name: a rule's severity, a route's min_severity. */
int yamlcfg__severity(struct yamlcfg *c, yaml_node_t *n, enum lw_severity *out);

/* Formats "path: message" into c->err and returns -EINVAL. */
__attribute__((format(printf, 2, 3)))
int yamlcfg__fail(struct yamlcfg *c, const char *fmt, ...);

/* Calls the handler of each key of a mapping; an unknown or repeated key fails. */
int yamlcfg__walk_map(struct yamlcfg *c, yaml_node_t *map, const struct yamlcfg_key *keys);
/* The same, the keys filling target (an item of a list, say) instead of c->target. */
int yamlcfg__walk_map_into(struct yamlcfg *c, yaml_node_t *map, const struct yamlcfg_key *keys,
			   void *target);
/* Calls fn on each item of a sequence, with "[i]" on the path. */
int yamlcfg__walk_seq(struct yamlcfg *c, yaml_node_t *seq, yamlcfg_fn fn);

/*
 * An item of a list: grows *items (*n of size bytes) by one zeroed item and
 * returns it, or NULL after yamlcfg__fail when out of memory or past max
 * ("at most max what").
 */
void *yamlcfg__append(struct yamlcfg *c, void **items, size_t *n, size_t size, size_t max,
		      const char *what);
/* A copy of s at the end of the string list *list of *n; fails when out of memory. */
int yamlcfg__append_str(struct yamlcfg *c, char ***list, size_t *n, const char *s);

/* A configured path, or name under dir when none was given. */
const char *yamlcfg__path_or(const char *path, const char *dir, const char *name, char *buf, size_t len);

/* Scalar readers; each fails with the path and the expected form. */
int yamlcfg__str(struct yamlcfg *c, yaml_node_t *n, const char **out);
int yamlcfg__strdup(struct yamlcfg *c, yaml_node_t *n, char **out);
int yamlcfg__bool(struct yamlcfg *c, yaml_node_t *n, bool *out);
int yamlcfg__uint(struct yamlcfg *c, yaml_node_t *n, uint64_t min, uint64_t max, uint64_t *out);
/* "250ms", "5s", "2m", "1h", "7d"; a bare number is seconds. */
int yamlcfg__duration_ms(struct yamlcfg *c, yaml_node_t *n, uint64_t min_ms, uint64_t max_ms,
			 uint64_t *out);
/* "4096", "64KiB", "8MiB", "1GiB". */
int yamlcfg__size(struct yamlcfg *c, yaml_node_t *n, uint64_t min, uint64_t max, uint64_t *out);
/* One of count words: its index. Fails with "expected a, b or c". */
int yamlcfg__word(struct yamlcfg *c, yaml_node_t *n, const char *const *words, size_t count,
		  unsigned *index);
/* A listener's port, 1 to 65535, and its protocol, "tcp" or "udp"
 * (IPPROTO_TCP or IPPROTO_UDP): the keys of entries that name listeners. */
int yamlcfg__port(struct yamlcfg *c, yaml_node_t *n, uint16_t *out);
int yamlcfg__protocol(struct yamlcfg *c, yaml_node_t *n, uint8_t *out);

/* Pure parsers behind the readers, shared with command-line flags. */
int parse_duration_ms(const char *s, uint64_t *out);
int parse_size(const char *s, uint64_t *out);

#endif
