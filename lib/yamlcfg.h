/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Schema-driven walking of a YAML document, with the dotted path of the node
 * being read kept for error messages ("exposure.internal_cidrs[1]: ...").
 * config.c describes leakwatch's keys with it; nothing here knows them.
 */
#ifndef LW_YAMLCFG_H
#define LW_YAMLCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "leakwatch/severity.h"
#include "log.h"

#define YAMLCFG_MAX_FILE (1 << 20)

struct yamlcfg {
	yaml_document_t doc;
	bool loaded;
	char path[256];
	char *err;
	size_t errlen;
	void *target; /* what the key handlers fill in */
};

typedef int (*yamlcfg_fn)(struct yamlcfg *c, yaml_node_t *value);

struct yamlcfg_key {
	const char *name;
	yamlcfg_fn fn;
};

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
};

/*
 * Loads file (or, with file NULL, text) into *cfg: built aside from the
 * defaults, so that a failed load leaves *cfg as it was. A missing file is
 * the defaults unless must_exist. err: one line naming the key.
 */
int yamlcfg__load(const struct yamlcfg_schema *s, void *cfg, const char *file, const char *text,
		  bool must_exist, char *err, size_t errlen);

/* An absolute path, copied into *out (the caller frees it). */
int yamlcfg__abspath(struct yamlcfg *c, yaml_node_t *n, char **out);
/* log.level and log.format, as both programs spell them. */
int yamlcfg__log_level(struct yamlcfg *c, yaml_node_t *n, enum lw_log_level *out);
int yamlcfg__log_format(struct yamlcfg *c, yaml_node_t *n, enum lw_log_format *out);
/* A severity name: a rule's severity, a route's min_severity. */
int yamlcfg__severity(struct yamlcfg *c, yaml_node_t *n, enum lw_severity *out);

/* Formats "path: message" into c->err and returns -EINVAL. */
__attribute__((format(printf, 2, 3)))
int yamlcfg__fail(struct yamlcfg *c, const char *fmt, ...);

/* Calls the handler of each key of a mapping; an unknown or repeated key fails. */
int yamlcfg__walk_map(struct yamlcfg *c, yaml_node_t *map, const struct yamlcfg_key *keys);
/* Calls fn on each item of a sequence, with "[i]" on the path. */
int yamlcfg__walk_seq(struct yamlcfg *c, yaml_node_t *seq, yamlcfg_fn fn);

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

/* Pure parsers behind the readers, shared with command-line flags. */
int parse_duration_ms(const char *s, uint64_t *out);
int parse_size(const char *s, uint64_t *out);

#endif
