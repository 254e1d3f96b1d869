// SPDX-License-Identifier: Apache-2.0
/*
 * leaks: the log-write pipeline fed kernel records by hand. A file the
 * kernel asks about gets a verdict; bytes written to a watched one are
 * reassembled and scanned, and each secret becomes one report: redacted,
 * fingerprinted with the deployment's key, placed at its file offset and
 * attributed to the writer (this test process, read from the real /proc).
 * Repeats are counted, not repeated; what a stream holds back is reported
 * at shutdown; bad records are counted. Secrets are built at run time and
 * never printed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/clock.h"
#include "leaks/leaks.h"
#include "tokens.h"
#include "tree.h"

#define MAX_REPORTS 8
#define DELAY_MS 1000
#define MAX_VERDICTS 16

struct report {
	char rule[64], redacted[LW_REDACTED_MAX], fingerprint[LW_FINGERPRINT_LEN + 1], path[256];
	uint64_t offset, count;
	uint32_t length;
	int32_t fd;
	uint32_t tgid;
	char exe[256];
};

/* What the pipeline told the kernel and the run loop. */
struct seen {
	size_t n_verdicts;
	struct {
		uint64_t ino;
		int state;
	} verdicts[MAX_VERDICTS];
	size_t n;
	struct report r[MAX_REPORTS];
};

struct fixture {
	struct scanner *scanner;
	struct procinfo *procs;
	struct lw_fpkey key;
	struct watch_set watch;
	struct leaks *leaks;
	struct seen seen;
	struct lw_write_event *ev;
};

static void set_verdict(void *ctx, const struct lw_file_key *key, uint32_t generation, int state)
{
	struct seen *s = ctx;

	(void)generation;
	if (s->n_verdicts < MAX_VERDICTS) {
		s->verdicts[s->n_verdicts].ino = key->ino;
		s->verdicts[s->n_verdicts++].state = state;
	}
}

static void emit(void *ctx, const struct lw_leak *leak)
{
	struct seen *s = ctx;
	struct report *r = &s->r[s->n < MAX_REPORTS ? s->n : MAX_REPORTS - 1];

	s->n++;
	snprintf(r->rule, sizeof(r->rule), "%s", leak->rule->id);
	memcpy(r->redacted, leak->redacted, sizeof(r->redacted));
	memcpy(r->fingerprint, leak->fingerprint, sizeof(r->fingerprint));
	snprintf(r->path, sizeof(r->path), "%s", leak->path ? leak->path : "");
	r->offset = leak->offset;
	r->count = leak->count;
	r->length = leak->length;
	r->fd = leak->fd;
	r->tgid = leak->proc.tgid;
	snprintf(r->exe, sizeof(r->exe), "%s", leak->proc.exe);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	if (!f || scanner__new(NULL, 0, &f->scanner, err, sizeof(err)) || secret__ephemeral_key(&f->key))
		return -1;
	f->procs = procinfo__new();
	f->ev = calloc(1, sizeof(*f->ev));
	f->watch.defaults = true; /* every *.log, everything under /var/log */
	*state = f;
	return f->procs && f->ev ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	scanner__free(f->scanner);
	procinfo__free(f->procs);
	free(f->ev);
	free(f);
	return 0;
}

static void opts(struct fixture *f, struct leaks_opts *o)
{
	*o = (struct leaks_opts){
		.watch = &f->watch,
		.max_streams = 8,
		.coalesce_delay_ms = DELAY_MS,
		.coalesce_window_ms = 60 * 1000,
		.scanner = f->scanner,
		.key = &f->key,
		.procs = f->procs,
		.set_verdict = set_verdict,
		.emit = emit,
		.ctx = &f->seen,
	};
}

static int start(void **state)
{
	struct fixture *f = *state;
	struct leaks_opts o;

	memset(&f->seen, 0, sizeof(f->seen));
	opts(f, &o);
	return leaks__new(&o, &f->leaks);
}

static int stop(void **state)
{
	struct fixture *f = *state;

	leaks__free(f->leaks);
	return 0;
}

static struct lw_file_key key(uint64_t ino)
{
	return (struct lw_file_key){ .dev = 8 << 20 | 1, .ino = ino };
}

/* The kernel asks about a file: /srv/app/<name>, leaf first. */
static void file_event(struct fixture *f, uint64_t ino, const char *name)
{
	static struct lw_file_event e;

	memset(&e, 0, sizeof(e));
	e.kind = LW_EVENT_FILE;
	e.file = key(ino);
	e.dev = 0x801;
	e.generation = 1;
	e.depth = 3;
	snprintf(e.names[0], LW_NAME_MAX, "%s", name);
	snprintf(e.names[1], LW_NAME_MAX, "app");
	snprintf(e.names[2], LW_NAME_MAX, "srv");
	leaks__on_file(f->leaks, &e);
}

/* write(2) of text at offset, by this process on descriptor fd. */
static void write_event_fd(struct fixture *f, uint64_t ino, int32_t fd, uint64_t offset, const char *text,
			   uint8_t flags)
{
	struct lw_write_event *ev = f->ev;
	size_t len = strlen(text);

	memset(ev, 0, offsetof(struct lw_write_event, data));
	ev->kind = LW_EVENT_WRITE;
	ev->syscall = LW_SYS_WRITE;
	ev->flags = flags;
	ev->len = (uint16_t)len;
	ev->task.tgid = ev->task.pid = (uint32_t)getpid();
	ev->task.uid = (uint32_t)getuid();
	snprintf(ev->task.comm, sizeof(ev->task.comm), "test_leaks");
	ev->file = key(ino);
	ev->offset = offset;
	ev->fd = fd;
	memcpy(ev->data, text, len);
	leaks__on_write(f->leaks, ev, offsetof(struct lw_write_event, data) + len);
}

static void write_event(struct fixture *f, uint64_t ino, uint64_t offset, const char *text)
{
	write_event_fd(f, ino, 3, offset, text, 0);
}

/* Writes "key=" the seed's key, then end, at offset 0 of file ino. */
static void write_key(struct fixture *f, uint64_t ino, uint32_t seed, const char *end)
{
	char tok[TOKEN_LEN + 1], line[64];

	token_aws(tok, seed);
	snprintf(line, sizeof(line), "key=%s%s", tok, end);
	write_event(f, ino, 0, line);
}

/* The run loop's periodic call, once the coalescing delay has passed. */
static void tick(struct fixture *f)
{
	leaks__tick(f->leaks, clock__monotonic_ms() + DELAY_MS);
}

static struct leaks_stats stats(struct fixture *f)
{
	struct leaks_stats st;

	leaks__stats(f->leaks, &st);
	return st;
}

static void test_a_watched_file_gets_a_verdict_and_its_secret_one_report(void **state)
{
	struct fixture *f = *state;
	char tok[TOKEN_LEN + 1], line[64], fp[LW_FINGERPRINT_LEN + 1], exe[256] = "";
	struct report *r = &f->seen.r[0];

	token_aws(tok, 11);
	file_event(f, 7, "app.log");
	file_event(f, 8, "notes.txt");
	assert_int_equal(f->seen.n_verdicts, 2);
	assert_int_equal(f->seen.verdicts[0].state, LW_VERDICT_WATCHED);
	assert_int_equal(f->seen.verdicts[1].state, LW_VERDICT_IGNORED);

	snprintf(line, sizeof(line), "user=alice key=%s ok\n", tok);
	write_event(f, 7, 1000, line);
	tick(f);
	assert_int_equal(f->seen.n, 1);
	assert_string_equal(r->rule, "aws-access-key-id");
	assert_string_equal(r->path, "/srv/app/app.log");
	assert_int_equal(r->offset, 1000 + 15);
	assert_int_equal(r->length, TOKEN_LEN);
	assert_int_equal(r->count, 1);
	assert_int_equal(r->fd, 3);
	/* no secret leaves: a redacted form, and the keyed fingerprint */
	assert_null(strstr(r->redacted, tok));
	assert_true(strlen(r->redacted) < TOKEN_LEN);
	secret__fingerprint(&f->key, tok, TOKEN_LEN, fp);
	assert_string_equal(r->fingerprint, fp);
	/* the writer, as /proc tells it */
	assert_int_equal(r->tgid, (uint32_t)getpid());
	assert_true(readlink("/proc/self/exe", exe, sizeof(exe) - 1) > 0);
	assert_string_equal(r->exe, exe);

	assert_int_equal(stats(f).files_watched, 1);
	assert_int_equal(stats(f).files_ignored, 1);
	assert_int_equal(stats(f).matches, 1);
	assert_int_equal(stats(f).reports, 1);
	assert_int_equal(stats(f).bytes_scanned, strlen(line));
	assert_int_equal(stats(f).open_streams, 1);
}

static void test_bytes_of_an_ignored_file_are_not_scanned(void **state)
{
	struct fixture *f = *state;

	file_event(f, 8, "notes.txt");
	write_key(f, 8, 12, "\n");
	leaks__flush(f->leaks);
	assert_int_equal(f->seen.n, 0);
	assert_int_equal(stats(f).chunks_ignored, 1);
	assert_int_equal(stats(f).bytes_scanned, 0);
}

/* "key=" and a key, cut after its 7th character: a is what comes before, b after. */
static void split_key(uint32_t seed, char a[32], char b[32])
{
	char tok[TOKEN_LEN + 1];

	token_aws(tok, seed);
	snprintf(a, 32, "key=%.7s", tok);
	snprintf(b, 32, "%s\n", tok + 7);
}

static void test_a_secret_split_across_writes_is_one_report_at_its_offset(void **state)
{
	struct fixture *f = *state;
	char a[32], b[32];

	split_key(13, a, b);
	file_event(f, 7, "app.log");
	write_event(f, 7, 500, a);
	write_event(f, 7, 500 + strlen(a), b);
	leaks__flush(f->leaks);
	assert_int_equal(f->seen.n, 1);
	assert_int_equal(f->seen.r[0].offset, 504);
	assert_int_equal(f->seen.r[0].length, TOKEN_LEN);
}

static void test_a_repeated_secret_is_one_report_with_its_count(void **state)
{
	struct fixture *f = *state;
	char tok[TOKEN_LEN + 1], line[64];
	uint64_t off = 0;

	token_aws(tok, 14);
	file_event(f, 7, "app.log");
	snprintf(line, sizeof(line), "GET /items auth=%s\n", tok);
	for (int i = 0; i < 100; i++, off += strlen(line))
		write_event(f, 7, off, line);
	assert_int_equal(f->seen.n, 0); /* held for the delay */
	tick(f);
	assert_int_equal(f->seen.n, 1);
	assert_int_equal(f->seen.r[0].count, 100);
	assert_int_equal(stats(f).matches, 100);
	assert_int_equal(stats(f).reports, 1);
}

static void test_what_a_stream_holds_back_is_reported_at_shutdown(void **state)
{
	struct fixture *f = *state;

	/* a key that ends the file so far may go on in the next write */
	file_event(f, 7, "app.log");
	write_key(f, 7, 15, "");
	tick(f);
	assert_int_equal(f->seen.n, 0);
	leaks__flush(f->leaks);
	assert_int_equal(f->seen.n, 1);
	assert_int_equal(f->seen.r[0].offset, 4);
}

static void test_a_lost_file_record_is_recovered_from_proc(void **state)
{
	struct fixture *f = *state;
	char dir[TREE_ROOT_MAX], path[128], tok[TOKEN_LEN + 1], line[64];
	struct stat st;
	int fd;

	assert_int_equal(tree_make(dir, "leaks"), 0);
	snprintf(path, sizeof(path), "%s/lost.log", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0 && fstat(fd, &st) == 0);
	token_aws(tok, 16);
	snprintf(line, sizeof(line), "key=%s\n", tok);
	/* no file record came (the ring buffer was full): the descriptor is still open */
	write_event_fd(f, st.st_ino, fd, 0, line, LW_WRITE_PENDING);
	assert_int_equal(f->seen.n_verdicts, 1);
	assert_int_equal(f->seen.verdicts[0].ino, st.st_ino);
	assert_int_equal(f->seen.verdicts[0].state, LW_VERDICT_WATCHED);
	/* closed already: the kernel is told to forget the file, so that its
	 * next write names it again; this chunk is scanned meanwhile */
	write_event_fd(f, 999, 9999, 0, line, LW_WRITE_PENDING);
	assert_int_equal(f->seen.n_verdicts, 2);
	assert_int_equal(f->seen.verdicts[1].ino, 999);
	assert_int_equal(f->seen.verdicts[1].state, -1);
	leaks__flush(f->leaks);
	assert_int_equal(f->seen.n, 2);
	assert_string_equal(f->seen.r[0].path[0] == '(' ? f->seen.r[1].path : f->seen.r[0].path, path);
	assert_string_equal(f->seen.r[0].path[0] == '(' ? f->seen.r[0].path : f->seen.r[1].path, "(unknown)");
	close(fd);
	assert_int_equal(tree_remove(dir), 0);
}

static void test_bad_records_are_counted_not_read(void **state)
{
	struct fixture *f = *state;

	file_event(f, 7, "app.log");
	memset(f->ev, 0, sizeof(*f->ev));
	f->ev->kind = LW_EVENT_WRITE;
	f->ev->file = key(7);
	/* shorter than a header; longer than a chunk can be; shorter than it says */
	leaks__on_write(f->leaks, f->ev, 10);
	f->ev->len = LW_CHUNK_MAX + 1;
	leaks__on_write(f->leaks, f->ev, sizeof(*f->ev));
	f->ev->len = 100;
	leaks__on_write(f->leaks, f->ev, offsetof(struct lw_write_event, data) + 99);
	assert_int_equal(stats(f).malformed, 3);
	assert_int_equal(stats(f).chunks, 0);
	assert_int_equal(stats(f).bytes_scanned, 0);
}

static void test_lost_bytes_are_counted_and_not_joined_over(void **state)
{
	struct fixture *f = *state;
	char a[32], b[32];

	split_key(17, a, b);
	file_event(f, 7, "app.log");
	write_event_fd(f, 7, 3, 0, a, LW_WRITE_TRUNCATED);
	/* the bytes between the two could not be read: the halves are not one key */
	write_event_fd(f, 7, 3, 4096, b, LW_WRITE_GAP);
	leaks__flush(f->leaks);
	assert_int_equal(f->seen.n, 0);
	assert_int_equal(stats(f).truncated, 1);
	assert_int_equal(stats(f).gaps, 1);
}

static void test_reconfigure_reports_what_is_held_then_judges_again(void **state)
{
	struct fixture *f = *state;
	char *txt[] = { "/srv/app/*.txt" };
	struct watch_set only_txt = { .paths = txt, .n_paths = 1 };
	struct leaks_opts o;

	file_event(f, 7, "app.log");
	write_key(f, 7, 18, "");
	/* a reload: the held key is reported under the rules it was found with */
	opts(f, &o);
	o.watch = &only_txt;
	leaks__reconfigure(f->leaks, &o);
	tick(f);
	assert_int_equal(f->seen.n, 1);
	assert_int_equal(stats(f).files, 0);
	/* every file is judged again, against the new watch set */
	file_event(f, 7, "app.log");
	file_event(f, 8, "notes.txt");
	assert_int_equal(f->seen.verdicts[f->seen.n_verdicts - 2].state, LW_VERDICT_IGNORED);
	assert_int_equal(f->seen.verdicts[f->seen.n_verdicts - 1].state, LW_VERDICT_WATCHED);
}

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, start, stop)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_a_watched_file_gets_a_verdict_and_its_secret_one_report),
		CASE(test_bytes_of_an_ignored_file_are_not_scanned),
		CASE(test_a_secret_split_across_writes_is_one_report_at_its_offset),
		CASE(test_a_repeated_secret_is_one_report_with_its_count),
		CASE(test_what_a_stream_holds_back_is_reported_at_shutdown),
		CASE(test_a_lost_file_record_is_recovered_from_proc),
		CASE(test_bad_records_are_counted_not_read),
		CASE(test_lost_bytes_are_counted_and_not_joined_over),
		CASE(test_reconfigure_reports_what_is_held_then_judges_again),
	};

	return cmocka_run_group_tests_name("leaks", tests, setup, teardown);
}
