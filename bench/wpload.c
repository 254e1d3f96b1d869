// SPDX-License-Identifier: Apache-2.0
/*
 * `wpload OBJ PROG [watched]`: loads one build of bpf/write.bpf.c (a step
 * variant, or an older commit's) or bench/empty.bpf.o, attaches PROG alone,
 * and plays the agent's part in judging files: every file the programs
 * report is answered IGNORED, as the agent answers a file that is not a
 * log; with `watched`, a file named *.log is answered WATCHED, and the
 * captured bytes are read from the ring buffer as the agent reads them
 * (same ring size, same poll), then thrown away. Runs until SIGTERM.
 * Without the agent's start-up, scans and other programs, builds of
 * several commits compare in one sitting (bench/writepath_steps.sh).
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "leakwatch/events.h"

#define AGENT_RINGBUF_BYTES (8 * 1024 * 1024) /* capture.ringbuf_size's default */
#define AGENT_POLL_MS 100                    /* agent/cmd/cmd_run.c */

static volatile sig_atomic_t stop;
static struct bpf_map *verdicts;
static int watch_logs;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Sets a `const volatile` of .rodata by name, where this build has it. */
static void set_rodata(struct bpf_object *obj, const char *name, __u64 val)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, ".rodata");
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *v;
	const struct btf_type *sec;
	size_t size;
	char *data;
	int id;

	if (!map || !btf || (id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC)) < 0)
		return;
	data = (char *)bpf_map__initial_value(map, &size);
	sec = btf__type_by_id(btf, (__u32)id);
	v = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, v++) {
		const struct btf_type *var = btf__type_by_id(btf, v->type);

		if (!strcmp(btf__name_by_offset(btf, var->name_off), name) && v->offset + v->size <= size)
			memcpy(data + v->offset, &val, v->size < sizeof(val) ? v->size : sizeof(val));
	}
}

static int on_event(void *ctx, void *data, size_t len)
{
	const struct lw_file_event *e = data;
	struct lw_verdict v = { .state = LW_VERDICT_IGNORED };
	size_t name_len;

	(void)ctx;
	if (len < sizeof(__u32) || e->kind != LW_EVENT_FILE || len < sizeof(*e))
		return 0;
	name_len = strnlen(e->names[0], sizeof(e->names[0]));
	if (watch_logs && name_len > 4 && !strcmp(e->names[0] + name_len - 4, ".log"))
		v.state = LW_VERDICT_WATCHED;
	v.generation = e->generation;
	bpf_map__update_elem(verdicts, &e->file, sizeof(e->file), &v, sizeof(v), BPF_ANY);
	return 0;
}

int main(int argc, char **argv)
{
	struct ring_buffer *rb = NULL;
	struct bpf_link *link = NULL;
	struct bpf_object *obj;
	struct bpf_program *p, *step;
	struct bpf_map *events, *progs;
	int rc = 1;

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "watched"))) {
		fprintf(stderr, "usage: wpload OBJ PROG [watched]\n");
		return 2;
	}
	watch_logs = argc == 4;
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		perror(argv[1]);
		return 1;
	}
	/* the walk the agent takes on this kernel (see agent/kernel/loader.c) */
	set_rodata(obj, "fd_walk", LW_FD_WALK_CAST);
	set_rodata(obj, "agent_tgid", (__u64)getpid());
	/* as agent/kernel/loader.c */
	set_rodata(obj, "wakeup_bytes", AGENT_RINGBUF_BYTES / 8);
	set_rodata(obj, "wakeup_check_bytes", AGENT_RINGBUF_BYTES / 8 / (__u64)libbpf_num_possible_cpus());
	events = bpf_object__find_map_by_name(obj, "events");
	if (events)
		bpf_map__set_max_entries(events, AGENT_RINGBUF_BYTES);
	bpf_object__for_each_program(p, obj) {
		const char *name = bpf_program__name(p);

		bpf_program__set_autoload(p, !strcmp(name, argv[2]) || !strcmp(name, "lw_capture_step"));
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "wpload: cannot load %s\n", argv[1]);
		goto cleanup;
	}
	verdicts = bpf_object__find_map_by_name(obj, "verdicts");
	progs = bpf_object__find_map_by_name(obj, "capture_progs");
	step = bpf_object__find_program_by_name(obj, "lw_capture_step");
	if (progs && step) {
		__u32 slot = 0;
		int fd = bpf_program__fd(step);

		bpf_map__update_elem(progs, &slot, sizeof(slot), &fd, sizeof(fd), BPF_ANY);
	}
	p = bpf_object__find_program_by_name(obj, argv[2]);
	if (!p || !(link = bpf_program__attach(p))) {
		fprintf(stderr, "wpload: cannot attach %s\n", argv[2]);
		goto cleanup;
	}
	if (events && verdicts)
		rb = ring_buffer__new(bpf_map__fd(events), on_event, NULL, NULL);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("attached\n");
	fflush(stdout);
	while (!stop) {
		if (rb) {
			/* as loader__poll: captured bytes often wait without a wake-up */
			ring_buffer__poll(rb, AGENT_POLL_MS);
			ring_buffer__consume(rb);
		} else
			pause();
	}
	rc = 0;
cleanup:
	ring_buffer__free(rb);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return rc;
}
