// SPDX-License-Identifier: Apache-2.0
/*
 * filetab: the files the kernel asked about, each with its path, verdict
 * and, for a watched one, the scanner stream that reassembles what is
 * appended to it. A stream goes on while chunks follow on and starts afresh
 * where they do not; whatever closes a stream flushes it first, so that a
 * token at the very end of a file is still reported. Streams are bounded,
 * idle ones close, and forgotten files go.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attrib/hostfs.h"
#include "logfiles/filetab.h"
#include "tokens.h"
#include "tree.h"

#define MIN_MS (60 * 1000)

/* What the flush callback saw: the files whose stream closed, and what their streams still held. */
struct flushes {
	int n;
	char last_path[64];
	int found;
	char secret[TOKEN_LEN + 1];
};

static int collect(void *ctx, const struct lw_scan_match *m)
{
	struct flushes *fl = ctx;

	fl->found++;
	snprintf(fl->secret, sizeof(fl->secret), "%.*s", (int)m->secret_len, m->secret);
	return 0;
}

static void on_flush(void *ctx, struct file_entry *e)
{
	struct flushes *fl = ctx;

	fl->n++;
	snprintf(fl->last_path, sizeof(fl->last_path), "%s", e->path);
	scanner__stream_flush(e->stream, collect, fl);
}

static struct lw_file_key key(uint64_t ino)
{
	return (struct lw_file_key){ .dev = 8 << 20 | 1, .ino = ino };
}

static struct file_entry *put(struct filetab *t, uint64_t ino, const char *path, bool watched)
{
	struct lw_file_key k = key(ino);

	return filetab__put(t, &k, 0x801, 1, strdup(path), watched);
}

static void feed(struct scanner_stream *st, const char *text, struct flushes *fl)
{
	assert_int_equal(scanner__stream_feed(st, text, strlen(text), collect, fl), 0);
}

/* The group's state: a scanner with the built-in rules. */
static int setup(void **state)
{
	char err[256];

	return scanner__new(NULL, 0, (struct scanner **)state, err, sizeof(err));
}

static int teardown(void **state)
{
	scanner__free(*state);
	return 0;
}

static void test_files_are_kept_by_key_with_their_verdict(void **state)
{
	struct scanner *sc = *state;
	struct flushes fl = { 0 };
	struct filetab *t = filetab__new(sc, 4, on_flush, &fl);
	struct lw_file_key k = key(7), other = key(8);
	struct file_entry *e;

	e = put(t, 7, "/var/log/app.log", true);
	assert_non_null(e);
	assert_ptr_equal(filetab__get(t, &k), e);
	assert_null(filetab__get(t, &other));
	assert_string_equal(e->path, "/var/log/app.log");
	assert_true(e->watched);
	assert_int_equal(e->dev, 0x801);
	/* the same inode again (a new generation, a renewed verdict) replaces it */
	e = filetab__put(t, &k, 0x801, 2, strdup("/var/log/app.log.1"), false);
	assert_ptr_equal(filetab__get(t, &k), e);
	assert_int_equal(e->generation, 2);
	assert_false(e->watched);
	assert_string_equal(e->path, "/var/log/app.log.1");
	assert_int_equal(filetab__count(t), 1);
	filetab__free(t);
	assert_int_equal(fl.n, 0); /* no stream was ever opened */
}

static void test_a_stream_goes_on_while_chunks_follow_on(void **state)
{
	struct scanner *sc = *state;
	struct flushes fl = { 0 };
	struct filetab *t = filetab__new(sc, 4, on_flush, &fl);
	struct file_entry *e = put(t, 7, "/var/log/app.log", true);
	struct scanner_stream *st, *again;
	char tok[TOKEN_LEN + 1], first[32], second[32];

	token_aws(tok, 1);
	snprintf(first, sizeof(first), "key=%.10s", tok);
	snprintf(second, sizeof(second), "%s done\n", tok + 10);
	st = filetab__stream_for(t, e, 100, false, 1000);
	assert_non_null(st);
	assert_int_equal(e->stream_base, 100);
	assert_int_equal(filetab__streams(t), 1);
	feed(st, first, &fl);
	e->next_offset = 100 + strlen(first);
	/* the next chunk starts where the last ended: the same stream, and the
	 * key split between the two is found whole */
	again = filetab__stream_for(t, e, e->next_offset, false, 2000);
	assert_ptr_equal(again, st);
	feed(again, second, &fl);
	assert_int_equal(fl.found, 1);
	assert_string_equal(fl.secret, tok);
	assert_int_equal(e->last_ms, 2000);
	filetab__free(t);
}

static void test_a_rewrite_or_gap_starts_afresh_after_flushing(void **state)
{
	struct scanner *sc = *state;
	struct flushes fl = { 0 };
	struct filetab *t = filetab__new(sc, 4, on_flush, &fl);
	struct file_entry *e = put(t, 7, "/var/log/app.log", true);
	struct scanner_stream *st;
	char tok[TOKEN_LEN + 1], line[40];

	/* a key that ends the bytes so far waits for the next byte... */
	token_aws(tok, 2);
	snprintf(line, sizeof(line), "key=%s", tok);
	st = filetab__stream_for(t, e, 0, false, 1000);
	feed(st, line, &fl);
	e->next_offset = strlen(line);
	assert_int_equal(fl.found, 0);
	/* ...and a chunk elsewhere (truncated and rewritten) closes that
	 * stream: flushed first, the key is reported */
	st = filetab__stream_for(t, e, 0, false, 2000);
	assert_int_equal(fl.n, 1);
	assert_int_equal(fl.found, 1);
	assert_string_equal(fl.secret, tok);
	assert_int_equal(e->stream_base, 0);
	assert_int_equal(filetab__streams(t), 1);
	/* bytes the kernel could not read: the next chunk does not join what came before */
	e->next_offset = 50;
	st = filetab__stream_for(t, e, 50, true, 3000);
	assert_non_null(st);
	assert_int_equal(fl.n, 2);
	assert_int_equal(e->stream_base, 50);
	assert_int_equal(scanner__stream_offset(st), 0);
	filetab__free(t);
}

static void test_streams_are_bounded_the_idlest_closes(void **state)
{
	struct scanner *sc = *state;
	struct flushes fl = { 0 };
	struct filetab *t = filetab__new(sc, 2, on_flush, &fl);
	struct file_entry *a = put(t, 1, "/var/log/a.log", true), *b = put(t, 2, "/var/log/b.log", true),
			  *c = put(t, 3, "/var/log/c.log", true);

	assert_non_null(filetab__stream_for(t, a, 0, false, 5000));
	assert_non_null(filetab__stream_for(t, b, 0, false, 4000));
	assert_int_equal(fl.n, 0);
	/* a third stream: b, written to longest ago, is flushed and closed */
	assert_non_null(filetab__stream_for(t, c, 0, false, 6000));
	assert_int_equal(filetab__streams(t), 2);
	assert_int_equal(fl.n, 1);
	assert_string_equal(fl.last_path, "/var/log/b.log");
	assert_null(b->stream);
	assert_non_null(a->stream);
	/* its file keeps its verdict; its next chunk opens a stream again */
	assert_true(b->watched);
	assert_int_equal(filetab__count(t), 3);
	filetab__free(t);
	assert_int_equal(fl.n, 3);
}

static void test_sweep_closes_idle_streams_and_forgets_old_files(void **state)
{
	struct scanner *sc = *state;
	struct flushes fl = { 0 };
	struct filetab *t = filetab__new(sc, 4, on_flush, &fl);
	struct file_entry *w = put(t, 1, "/var/log/w.log", true), *ign = put(t, 2, "/home/u/notes.txt", false);
	struct lw_file_key kw = key(1), ki = key(2);

	ign->last_ms = 0;
	assert_non_null(filetab__stream_for(t, w, 0, false, 0));
	/* an ignored file is remembered only for chunks already in flight */
	filetab__sweep(t, 4 * 1000);
	assert_non_null(filetab__get(t, &ki));
	filetab__sweep(t, 6 * 1000);
	assert_null(filetab__get(t, &ki));
	/* a watched file's idle stream closes after a minute, the file stays */
	filetab__sweep(t, MIN_MS);
	assert_non_null(w->stream);
	filetab__sweep(t, MIN_MS + 1);
	assert_null(w->stream);
	assert_int_equal(fl.n, 1);
	assert_ptr_equal(filetab__get(t, &kw), w);
	/* and is forgotten after half an hour without a write */
	filetab__sweep(t, 30 * MIN_MS + 1);
	assert_null(filetab__get(t, &kw));
	assert_int_equal(filetab__count(t), 0);
	filetab__free(t);
}

static void test_clear_forgets_every_verdict_after_flushing(void **state)
{
	struct scanner *sc = *state;
	struct flushes fl = { 0 };
	struct filetab *t = filetab__new(sc, 4, on_flush, &fl);
	struct file_entry *a = put(t, 1, "/var/log/a.log", true);

	put(t, 2, "/var/log/b.log", false);
	assert_non_null(filetab__stream_for(t, a, 0, false, 0));
	filetab__clear(t);
	assert_int_equal(fl.n, 1);
	assert_int_equal(filetab__count(t), 0);
	assert_int_equal(filetab__streams(t), 0);
	filetab__free(t);
}

static int count_acme(void *ctx, const struct lw_scan_match *m)
{
	if (!strcmp(m->rule->id, "acme"))
		(*(int *)ctx)++;
	return 0;
}

static void test_streams_opened_after_a_new_scanner_use_it(void **state)
{
	struct scanner *sc = *state;
	struct filetab *t = filetab__new(sc, 4, NULL, NULL);
	struct file_entry *e = put(t, 1, "/var/log/a.log", true);
	char *kw[] = { "acme" };
	struct lw_user_rule rule = { .id = "acme", .regex = "acme_[a-z]{12}", .keywords = kw, .n_keywords = 1 };
	struct scanner *custom;
	struct scanner_stream *st;
	const char *line = "acme token acme_hxkrvqpmzlwa\n";
	char err[256];
	int n = 0;

	assert_int_equal(scanner__new(&rule, 1, &custom, err, sizeof(err)), 0);
	st = filetab__stream_for(t, e, 0, false, 0);
	assert_int_equal(scanner__stream_feed(st, line, strlen(line), count_acme, &n), 0);
	assert_int_equal(scanner__stream_flush(st, count_acme, &n), 0);
	assert_int_equal(n, 0); /* the built-in rules do not know it */
	filetab__clear(t);
	filetab__set_scanner(t, custom);
	e = put(t, 1, "/var/log/a.log", true);
	st = filetab__stream_for(t, e, 0, false, 0);
	assert_int_equal(scanner__stream_feed(st, line, strlen(line), count_acme, &n), 0);
	assert_int_equal(scanner__stream_flush(st, count_acme, &n), 0);
	assert_int_equal(n, 1);
	filetab__free(t);
	scanner__free(custom);
}

static void test_paths_are_joined_from_the_kernels_names(void **state)
{
	struct lw_file_event *e = calloc(1, sizeof(*e));
	char *p;
	(void)state;

	/* leaf first; an empty name or "/" is a mount crossing or a root */
	strcpy(e->names[0], "app.log");
	strcpy(e->names[1], "log");
	strcpy(e->names[2], "/");
	strcpy(e->names[3], "var");
	e->depth = 5;
	p = filetab__join_path(e);
	assert_string_equal(p, "/var/log/app.log");
	free(p);
	/* deeper than the kernel spells out: the top is missing, and says so */
	e->truncated = 1;
	p = filetab__join_path(e);
	assert_string_equal(p, "/.../var/log/app.log");
	free(p);
	memset(e, 0, sizeof(*e));
	p = filetab__join_path(e);
	assert_string_equal(p, "/");
	free(p);
	free(e);
}

static void test_a_path_is_recovered_from_proc_while_the_file_is_open(void **state)
{
	char root[TREE_ROOT_MAX], real[128], gone[128];
	struct stat st, st_gone;
	char *p;
	(void)state;

	/* a fabricated /proc/4242/fd under hostfs's root: 3 is a log, 4 one
	 * deleted since (the kernel's " (deleted)" mark is not part of the name) */
	assert_int_equal(tree_make(root, "filetab"), 0);
	tree_file(root, "/app.log", "");
	tree_file(root, "/old.log (deleted)", "");
	snprintf(real, sizeof(real), "%s/app.log", root);
	snprintf(gone, sizeof(gone), "%s/old.log (deleted)", root);
	assert_int_equal(stat(real, &st), 0);
	assert_int_equal(stat(gone, &st_gone), 0);
	tree_file(root, "/proc/4242/fd/README", "");
	tree_link(root, "/proc/4242/fd/3", real);
	tree_link(root, "/proc/4242/fd/4", gone);
	hostfs__set_root(root);

	p = filetab__path_from_proc(4242, 3, (uint64_t)st.st_ino);
	assert_string_equal(p, real);
	free(p);
	p = filetab__path_from_proc(4242, 4, (uint64_t)st_gone.st_ino);
	gone[strlen(gone) - strlen(" (deleted)")] = '\0';
	assert_string_equal(p, gone);
	free(p);
	/* closed, or the descriptor now names another file: no answer */
	assert_null(filetab__path_from_proc(4242, 5, (uint64_t)st.st_ino));
	assert_null(filetab__path_from_proc(4242, 3, (uint64_t)st_gone.st_ino));
	hostfs__set_root("");
	assert_int_equal(tree_remove(root), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files_are_kept_by_key_with_their_verdict),
		cmocka_unit_test(test_a_stream_goes_on_while_chunks_follow_on),
		cmocka_unit_test(test_a_rewrite_or_gap_starts_afresh_after_flushing),
		cmocka_unit_test(test_streams_are_bounded_the_idlest_closes),
		cmocka_unit_test(test_sweep_closes_idle_streams_and_forgets_old_files),
		cmocka_unit_test(test_clear_forgets_every_verdict_after_flushing),
		cmocka_unit_test(test_streams_opened_after_a_new_scanner_use_it),
		cmocka_unit_test(test_paths_are_joined_from_the_kernels_names),
		cmocka_unit_test(test_a_path_is_recovered_from_proc_while_the_file_is_open),
	};

	return cmocka_run_group_tests_name("filetab", tests, setup, teardown);
}
