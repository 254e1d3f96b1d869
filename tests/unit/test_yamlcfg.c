// SPDX-License-Identifier: Apache-2.0
/*
 * Configuration tables: keys read straight into members by kind, sections
 * with their checks, lists of items, and errors that name the key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/yamlcfg.h"

struct item {
	char *name;
	uint16_t port;
};

struct sample {
	struct lw_log_settings log;
	bool on;
	uint8_t small;
	uint32_t mid;
	uint64_t ms, bytes, ring;
	char *path, *text;
	struct {
		uint64_t a, b;
	} pair;
	struct item *items;
	size_t n_items;
	unsigned word;
};

#define YAMLCFG_TARGET struct item
static const struct yamlcfg_key item_keys[] = {
	YAMLCFG_STRING("name", name),
	YAMLCFG_UINT("port", port, 1, 65535),
	{ 0 },
};
#undef YAMLCFG_TARGET

static int item(struct yamlcfg *c, yaml_node_t *n)
{
	struct sample *s = c->target;
	struct item *it = yamlcfg__append(c, (void **)&s->items, &s->n_items, sizeof(*it), 2, "items");

	return it ? yamlcfg__walk_map_into(c, n, item_keys, it) : -EINVAL;
}

static int items(struct yamlcfg *c, yaml_node_t *n)
{
	return yamlcfg__walk_seq(c, n, item);
}

static int word(struct yamlcfg *c, yaml_node_t *n)
{
	static const char *const words[] = { "red", "green", "blue" };

	return yamlcfg__word(c, n, words, 3, &((struct sample *)c->target)->word);
}

#define YAMLCFG_TARGET struct sample
static int pair_check(struct yamlcfg *c, yaml_node_t *n)
{
	(void)n;
	/* c->target is the struct the section's keys filled */
	if (((struct sample *)c->target)->pair.b < ((struct sample *)c->target)->pair.a)
		return yamlcfg__fail(c, "b must be at least a");
	return 0;
}

static const struct yamlcfg_key pair_keys[] = {
	YAMLCFG_UINT("a", pair.a, 0, 100),
	YAMLCFG_UINT("b", pair.b, 0, 100),
	{ 0 },
};

static const struct yamlcfg_key top[] = {
	YAMLCFG_SECTION_IN("log", log, yamlcfg_log_keys, NULL),
	YAMLCFG_BOOL("on", on),
	YAMLCFG_UINT("small", small, 0, 1000), /* a table mistake: 1000 does not fit 8 bits */
	YAMLCFG_UINT("mid", mid, 1, 1000000),
	YAMLCFG_DURATION("wait", ms, 10, 60000),
	YAMLCFG_SIZE("size", bytes, 1024, 1 << 30),
	YAMLCFG_POW2_SIZE("ring", ring, 4096, 1 << 30),
	YAMLCFG_PATH("path", path),
	YAMLCFG_STRING("text", text),
	YAMLCFG_SECTION("pair", pair_keys, pair_check),
	{ "items", items },
	{ "word", word },
	{ 0 },
};
#undef YAMLCFG_TARGET

static void sample__defaults(struct sample *s)
{
	memset(s, 0, sizeof(*s));
	s->mid = 7;
}

static void sample__free(struct sample *s)
{
	for (size_t i = 0; i < s->n_items; i++)
		free(s->items[i].name);
	free(s->items);
	free(s->path);
	free(s->text);
	memset(s, 0, sizeof(*s));
}

YAMLCFG_DEFINE_LOAD(sample, struct sample, top)

static char err[256];

static int load(struct sample *s, const char *yaml)
{
	err[0] = '\0';
	return sample__load_string(s, yaml, err, sizeof(err));
}

static void test_members_are_read_by_kind(void **state)
{
	struct sample s;
	(void)state;

	sample__defaults(&s);
	assert_int_equal(load(&s, "log: {level: debug, format: text}\non: yes\nmid: 123456\nwait: 2s\n"
				  "size: 64KiB\nring: 8KiB\npath: /var/x\ntext: hello\npair: {a: 1, b: 2}\n"
				  "word: blue\n"), 0);
	assert_int_equal(s.log.level, LW_LOG_DEBUG);
	assert_int_equal(s.log.format, LW_LOG_TEXT);
	assert_true(s.log.format_set);
	assert_true(s.on);
	assert_int_equal(s.mid, 123456);
	assert_int_equal(s.ms, 2000);
	assert_int_equal(s.bytes, 65536);
	assert_int_equal(s.ring, 8192);
	assert_string_equal(s.path, "/var/x");
	assert_string_equal(s.text, "hello");
	assert_int_equal(s.pair.a, 1);
	assert_int_equal(s.pair.b, 2);
	assert_int_equal(s.word, 2);
	sample__free(&s);
}

static void test_errors_name_the_key_and_keep_what_was_there(void **state)
{
	static const struct {
		const char *yaml, *err;
	} bad[] = {
		{ "mid: 0\n", "mid: 0 is outside 1..1000000" },
		{ "wait: 5ms\n", "wait: \"5ms\" is outside 10ms..60000ms" },
		{ "wait: soon\n", "wait: expected a duration such as 500ms, 5s, 2m or 1h, got \"soon\"" },
		{ "size: 1\n", "size: \"1\" is outside 1024..1073741824 bytes" },
		{ "ring: 12KiB\n", "ring: must be a power of two" },
		{ "path: relative\n", "path: must be an absolute path, got \"relative\"" },
		{ "on: maybe\n", "on: expected true or false, got \"maybe\"" },
		{ "small: 300\n", "small: 300 does not fit" },
		{ "pair: {a: 5, b: 4}\n", "pair: b must be at least a" },
		{ "pair: {c: 1}\n", "pair.c: unknown key" },
		{ "word: pink\n", "word: expected red, green or blue, got \"pink\"" },
		{ "log: {level: loud}\n", "log.level: expected debug, info, warn or error, got \"loud\"" },
		{ "items: [{port: 0}]\n", "items[0].port: 0 is outside 1..65535" },
		{ "items: [{name: a}, {name: b}, {name: c}]\n", "items[2]: at most 2 items" },
		{ "mid: 5\nmid: 6\n", "mid: key given twice" },
	};
	struct sample s;
	(void)state;

	sample__defaults(&s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (load(&s, bad[i].yaml) != -EINVAL)
			fail_msg("accepted: %s", bad[i].yaml);
		assert_string_equal(err, bad[i].err);
		assert_int_equal(s.mid, 7); /* a failed load changes nothing */
	}
	sample__free(&s);
}

static void test_list_items_fill_their_own_struct(void **state)
{
	struct sample s;
	(void)state;

	sample__defaults(&s);
	assert_int_equal(load(&s, "items:\n  - {name: a, port: 80}\n  - {port: 443}\n"), 0);
	assert_int_equal(s.n_items, 2);
	assert_string_equal(s.items[0].name, "a");
	assert_int_equal(s.items[0].port, 80);
	assert_null(s.items[1].name); /* appended zeroed */
	assert_int_equal(s.items[1].port, 443);
	sample__free(&s);
}

static void test_path_or_a_default_under_a_directory(void **state)
{
	char buf[64];
	(void)state;

	assert_string_equal(yamlcfg__path_or("/etc/x", "/var/lib", "x", buf, sizeof(buf)), "/etc/x");
	assert_string_equal(yamlcfg__path_or(NULL, "/var/lib", "x", buf, sizeof(buf)), "/var/lib/x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members_are_read_by_kind),
		cmocka_unit_test(test_errors_name_the_key_and_keep_what_was_there),
		cmocka_unit_test(test_list_items_fill_their_own_struct),
		cmocka_unit_test(test_path_or_a_default_under_a_directory),
	};

	return cmocka_run_group_tests_name("yamlcfg", tests, NULL, NULL);
}
