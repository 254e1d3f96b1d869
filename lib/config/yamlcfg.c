// SPDX-License-Identifier: Apache-2.0
#include "config/yamlcfg.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wire/names.h"

/* "server: unknown key" in the agent's file: it is the collector's. */
static void name_foreign(const struct yamlcfg_schema *s, char *err, size_t errlen)
{
	static const char unknown[] = ": unknown key";
	size_t n = strcspn(err, ":");

	if (!s->foreign || strcmp(err + n, unknown))
		return;
	for (const char *const *k = s->foreign; *k; k++) {
		if (strlen(*k) == n && !strncmp(err, *k, n)) {
			size_t len = strlen(err);

			snprintf(err + len, errlen - len, " (%s)", s->hint);
			return;
		}
	}
}

int yamlcfg__load(const struct yamlcfg_schema *s, void *cfg, const char *file, const char *text,
		  bool must_exist, char *err, size_t errlen)
{
	struct yamlcfg c = { .err = err, .errlen = errlen };
	yaml_node_t *root;
	void *fresh;
	int rc;

	if (file && !must_exist && access(file, F_OK) && errno == ENOENT) {
		/* no file is an empty one: the defaults, not what cfg held */
		s->free(cfg);
		s->defaults(cfg);
		return 0;
	}
	fresh = malloc(s->size);
	if (!fresh) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->defaults(fresh);
	rc = file ? yamlcfg__load_file(&c, file, &root) : yamlcfg__load_string(&c, text, strlen(text), &root);
	if (!rc && root) {
		c.target = fresh;
		rc = yamlcfg__walk_map(&c, root, s->top);
	}
	if (rc) {
		name_foreign(s, err, errlen);
		s->free(fresh);
	} else {
		s->free(cfg);
		memcpy(cfg, fresh, s->size);
	}
	free(fresh);
	yamlcfg__free(&c);
	return rc;
}

int yamlcfg__abspath(struct yamlcfg *c, yaml_node_t *n, char **out)
{
	if (yamlcfg__strdup(c, n, out))
		return -EINVAL;
	if ((*out)[0] != '/')
		return yamlcfg__fail(c, "must be an absolute path, got \"%s\"", *out);
	return 0;
}

int yamlcfg__first_line(struct yamlcfg *c, yaml_node_t *n, char *buf, size_t size, size_t *len,
			const char **path)
{
	FILE *f;

	if (yamlcfg__str(c, n, path))
		return -EINVAL;
	if ((*path)[0] != '/')
		return yamlcfg__fail(c, "must be an absolute path, got \"%s\"", *path);
	f = fopen(*path, "r");
	if (!f)
		return yamlcfg__fail(c, "cannot read %s: %s", *path, strerror(errno));
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	fclose(f);
	*len = strcspn(buf, "\r\n");
	buf[*len] = '\0';
	return 0;
}

/* log.level and log.format, into the struct lw_log_settings c->target is */
static int log_setting(struct yamlcfg *c, yaml_node_t *n, bool format)
{
	struct lw_log_settings *l = c->target;
	const char *s = NULL;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (format ? log__parse_format(s, &l->format) : log__parse_level(s, &l->level))
		return yamlcfg__fail(c, "expected %s, got \"%s\"",
				     format ? "json or text" : "debug, info, warn or error", s);
	l->format_set |= format;
	return 0;
}

static int log_level(struct yamlcfg *c, yaml_node_t *n)
{
	return log_setting(c, n, false);
}

static int log_format(struct yamlcfg *c, yaml_node_t *n)
{
	return log_setting(c, n, true);
}

const struct yamlcfg_key yamlcfg_log_keys[] = {
	{ "level", log_level },
	{ "format", log_format },
	{ 0 },
};

int yamlcfg__severity(struct yamlcfg *c, yaml_node_t *n, enum lw_severity *out)
{
	const char *s = NULL;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (severity__parse(s, out))
		return yamlcfg__fail(c, "expected %s, got \"%s\"", severity__choices(), s);
	return 0;
}

int yamlcfg__fail(struct yamlcfg *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->path[0])
		snprintf(c->err, c->errlen, "%s: %s", c->path, msg);
	else
		snprintf(c->err, c->errlen, "%s", msg);
	return -EINVAL;
}

/*
 * One pass over the parser's events before anything is built: nesting
 * deeper than any configuration needs is refused as it arrives, because
 * composing a document nested 100,000 deep takes tens of seconds.
 */
static int check_depth(struct yamlcfg *c, const unsigned char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, err = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser))
		return yamlcfg__fail(c, "out of memory");
	yaml_parser_set_input_string(&parser, text, len);
	while (!done && !err) {
		if (!yaml_parser_parse(&parser, &ev)) {
			/* the loader reports syntax errors with their line */
			break;
		}
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > YAMLCFG_MAX_DEPTH)
				err = yamlcfg__fail(c, "line %zu: nested deeper than %d levels",
						    ev.start_mark.line + 1, YAMLCFG_MAX_DEPTH);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return err;
}

static int parse_text(struct yamlcfg *c, const unsigned char *text, size_t len, yaml_node_t **root)
{
	yaml_parser_t parser;
	int ok;

	*root = NULL;
	if (check_depth(c, text, len))
		return -EINVAL;
	if (!yaml_parser_initialize(&parser))
		return yamlcfg__fail(c, "out of memory");
	yaml_parser_set_input_string(&parser, text, len);
	ok = yaml_parser_load(&parser, &c->doc);
	if (!ok) {
		yamlcfg__fail(c, "line %zu: %s", parser.problem_mark.line + 1,
			      parser.problem ? parser.problem : "invalid YAML");
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	c->loaded = true;
	yaml_parser_delete(&parser);
	*root = yaml_document_get_root_node(&c->doc);
	if (*root && (*root)->type == YAML_SCALAR_NODE && (*root)->data.scalar.length == 0)
		*root = NULL; /* a file holding only comments */
	if (*root && (*root)->type != YAML_MAPPING_NODE)
		return yamlcfg__fail(c, "the top level must be a mapping of keys");
	return 0;
}

int yamlcfg__load_string(struct yamlcfg *c, const char *text, size_t len, yaml_node_t **root)
{
	return parse_text(c, (const unsigned char *)text, len, root);
}

int yamlcfg__load_file(struct yamlcfg *c, const char *file, yaml_node_t **root)
{
	struct stat st;
	unsigned char *buf;
	size_t got = 0;
	FILE *f;
	int fd, err;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer; only a
	 * regular file is read */
	fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return yamlcfg__fail(c, "cannot read: %s", strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return yamlcfg__fail(c, "not a regular file");
	}
	f = fdopen(fd, "rb");
	if (!f) {
		err = errno;
		close(fd);
		return yamlcfg__fail(c, "cannot read: %s", strerror(err));
	}
	if (st.st_size > YAMLCFG_MAX_FILE) {
		fclose(f);
		return yamlcfg__fail(c, "file larger than %d bytes", YAMLCFG_MAX_FILE);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		fclose(f);
		return yamlcfg__fail(c, "out of memory");
	}
	got = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		err = errno;
		free(buf);
		fclose(f);
		return yamlcfg__fail(c, "cannot read: %s", strerror(err));
	}
	fclose(f);
	err = parse_text(c, buf, got, root);
	free(buf);
	return err;
}

void yamlcfg__free(struct yamlcfg *c)
{
	if (c->loaded)
		yaml_document_delete(&c->doc);
	c->loaded = false;
}

/* Appends ".key" to the error path; returns the length to cut back to. */
static size_t path_push_key(struct yamlcfg *c, const char *key)
{
	size_t old = strlen(c->path);

	snprintf(c->path + old, sizeof(c->path) - old, old ? ".%s" : "%s", key);
	return old;
}

static size_t path_push_index(struct yamlcfg *c, size_t index)
{
	size_t old = strlen(c->path);

	snprintf(c->path + old, sizeof(c->path) - old, "[%zu]", index);
	return old;
}

static const char *scalar_of(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* "key:" with nothing after it, or "key: null": a section left empty */
static bool is_empty(yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = (const char *)n->data.scalar.value;
	return !*s || !strcmp(s, "~") || !strcmp(s, "null");
}

static int read_key(struct yamlcfg *c, const struct yamlcfg_key *k, yaml_node_t *n);

int yamlcfg__walk_map(struct yamlcfg *c, yaml_node_t *map, const struct yamlcfg_key *keys)
{
	yaml_node_pair_t *p;

	if (is_empty(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return yamlcfg__fail(c, "expected a mapping of keys");
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(&c->doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(&c->doc, p->value);
		const char *key = scalar_of(kn);
		const struct yamlcfg_key *k;
		size_t saved;
		int err;

		if (!key)
			return yamlcfg__fail(c, "a key must be a plain word");
		for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++)
			if (!strcmp(scalar_of(yaml_document_get_node(&c->doc, q->key)) ?: "", key)) {
				saved = path_push_key(c, key);
				return yamlcfg__fail(c, "key given twice");
			}
		for (k = keys; k->name; k++)
			if (!strcmp(k->name, key))
				break;
		saved = path_push_key(c, key);
		if (!k->name)
			return yamlcfg__fail(c, "unknown key");
		err = read_key(c, k, vn);
		if (err)
			return err;
		c->path[saved] = '\0';
	}
	return 0;
}

/* Walks map with target in c->target, then runs check (if any) on it. */
static int walk_into(struct yamlcfg *c, yaml_node_t *map, const struct yamlcfg_key *keys, void *target,
		     yamlcfg_fn check)
{
	void *saved = c->target, *outer = c->outer;
	int err;

	c->outer = saved;
	c->target = target;
	err = yamlcfg__walk_map(c, map, keys);
	if (!err && check)
		err = check(c, map);
	c->target = saved;
	c->outer = outer;
	return err;
}

int yamlcfg__walk_map_into(struct yamlcfg *c, yaml_node_t *map, const struct yamlcfg_key *keys,
			   void *target)
{
	return walk_into(c, map, keys, target, NULL);
}

/* A number into a member of k->width bytes; the table's max must fit it. */
static int put_uint(struct yamlcfg *c, const struct yamlcfg_key *k, void *member, uint64_t v)
{
	if (k->width < 8 && v >> (8 * k->width))
		return yamlcfg__fail(c, "%" PRIu64 " does not fit", v);
	switch (k->width) {
	case 1: *(uint8_t *)member = (uint8_t)v; break;
	case 2: *(uint16_t *)member = (uint16_t)v; break;
	case 4: *(uint32_t *)member = (uint32_t)v; break;
	case 8: *(uint64_t *)member = v; break;
	default: return yamlcfg__fail(c, "no number fits a member of %zu bytes", k->width);
	}
	return 0;
}

static int read_number(struct yamlcfg *c, const struct yamlcfg_key *k, yaml_node_t *n, void *member)
{
	uint64_t v = 0;
	int err;

	if (k->kind == YAMLCFG_UINT)
		err = yamlcfg__uint(c, n, k->min, k->max, &v);
	else if (k->kind == YAMLCFG_SIZE)
		err = yamlcfg__size(c, n, k->min, k->max, &v);
	else
		err = yamlcfg__duration_ms(c, n, k->min, k->max, &v);
	if (err)
		return err;
	/* the kernel wants ring buffers a power-of-two multiple of the page size */
	if (k->pow2 && (v & (v - 1)))
		return yamlcfg__fail(c, "must be a power of two");
	return put_uint(c, k, member, v);
}

static int read_key(struct yamlcfg *c, const struct yamlcfg_key *k, yaml_node_t *n)
{
	void *member = (char *)c->target + k->offset;

	switch (k->kind) {
	case YAMLCFG_CALL:
		c->member = member;
		return k->fn(c, n);
	case YAMLCFG_SECTION:
		return walk_into(c, n, k->keys, member, k->fn);
	case YAMLCFG_BOOL:
		return yamlcfg__bool(c, n, member);
	case YAMLCFG_UINT:
	case YAMLCFG_SIZE:
	case YAMLCFG_DURATION:
		return read_number(c, k, n, member);
	case YAMLCFG_STRING:
		return yamlcfg__strdup(c, n, member);
	case YAMLCFG_PATH:
		return yamlcfg__abspath(c, n, member);
	}
	return yamlcfg__fail(c, "no reader for this key");
}

int yamlcfg__walk_seq(struct yamlcfg *c, yaml_node_t *seq, yamlcfg_fn fn)
{
	yaml_node_item_t *it;
	size_t i = 0;

	if (is_empty(seq))
		return 0;
	if (seq->type != YAML_SEQUENCE_NODE)
		return yamlcfg__fail(c, "expected a list");
	for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++, i++) {
		size_t saved = path_push_index(c, i);
		int err = fn(c, yaml_document_get_node(&c->doc, *it));

		if (err)
			return err;
		c->path[saved] = '\0';
	}
	return 0;
}

void *yamlcfg__append(struct yamlcfg *c, void **items, size_t *n, size_t size, size_t max,
		      const char *what)
{
	char *grown;

	if (*n >= max) {
		yamlcfg__fail(c, "at most %zu %s", max, what);
		return NULL;
	}
	grown = realloc(*items, (*n + 1) * size);
	if (!grown) {
		yamlcfg__fail(c, "out of memory");
		return NULL;
	}
	*items = grown;
	memset(grown + *n * size, 0, size);
	return grown + (*n)++ * size;
}

int yamlcfg__append_str(struct yamlcfg *c, char ***list, size_t *n, const char *s)
{
	char *copy = strdup(s);
	char **grown = copy ? realloc(*list, (*n + 1) * sizeof(**list)) : NULL;

	if (!grown) {
		free(copy);
		return yamlcfg__fail(c, "out of memory");
	}
	*list = grown;
	grown[(*n)++] = copy;
	return 0;
}
