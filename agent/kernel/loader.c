// SPDX-License-Identifier: Apache-2.0
#include "kernel/loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "listen.skel.h"
#include "write.skel.h"
#include "os/log.h"

#define MAX_PROGS 32

struct loader {
	struct loader_opts opts;
	struct lw_listen *listen;
	/* UDP: bind4/6, post_bind4/6 and sock_release on the root cgroup v2,
	 * or without one the bind tracepoints (and no release); NULL where not
	 * attached */
	struct bpf_link *udp_links[6];
	size_t n_udp_links;
	struct lw_write *write;       /* NULL when capture is off or failed */
	/* sendfile, splice, copy_file_range, mmap, io_uring: each optional */
	struct bpf_link *bypass_links[8];
	size_t n_bypass;
	struct ring_buffer *rb;
	int epfd; /* the rings, edge-triggered: see loader__poll */
	const char *attached[MAX_PROGS];
	size_t n_attached;
};

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[1024];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log__msg(level == LIBBPF_WARN ? LW_LOG_WARN : LW_LOG_DEBUG, "libbpf: %s", msg);
	return 0;
}

static void add_attached(struct loader *l, const char *name)
{
	if (l->n_attached < MAX_PROGS)
		l->attached[l->n_attached++] = name;
}

/* libbpf resolves tracepoint ids through tracefs; some hosts never mount it. */
static int ensure_tracefs(void)
{
	if (!access("/sys/kernel/tracing/events", F_OK) || !access("/sys/kernel/debug/tracing/events", F_OK))
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL)) {
		int err = -errno;

		log_error("tracefs is not mounted and mounting it at /sys/kernel/tracing failed: %s",
			  strerror(errno));
		return err;
	}
	log_info("mounted tracefs at /sys/kernel/tracing");
	return 0;
}

/*
 * The root of the cgroup v2 hierarchy, opened: a program attached there
 * sees every socket on the host. A mount of a cgroup namespace's own
 * subtree (a container without the host's /sys/fs/cgroup) would see only
 * that subtree, so only a directory without cgroup.type, which every
 * cgroup but the root has, will do. -ENOENT: no cgroup2 mount; -ENOTDIR:
 * mounts, none of them the root (why says which was seen).
 */
static int open_cgroup2_root(char *why, size_t len)
{
	char line[1024];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int err = -ENOENT, fd = -1;

	if (!f)
		return -errno;
	while (fd < 0 && fgets(line, sizeof(line), f)) {
		char mnt[512], fstype[64];
		const char *sep = strstr(line, " - ");

		/* "id parent maj:min root mountpoint opts ... - fstype source opts" */
		if (!sep || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(why, len, "cannot open %s: %s", mnt, strerror(errno));
			err = -ENOTDIR;
		} else if (!faccessat(fd, "cgroup.type", F_OK, 0) || errno != ENOENT) {
			snprintf(why, len, "%s is not the root of the cgroup v2 hierarchy (a cgroup namespace?)",
				 mnt);
			close(fd);
			fd = -1;
			err = -ENOTDIR;
		}
	}
	fclose(f);
	if (fd >= 0)
		return fd;
	if (err == -ENOENT)
		snprintf(why, len, "no cgroup v2 mount");
	return err;
}

/* Attaches one UDP program; its link is kept for loader__stop. 0 or -errno. */
static int attach_udp_prog(struct loader *l, struct bpf_program *prog, int cgroup_fd)
{
	struct bpf_link *link;

	link = cgroup_fd >= 0 ? bpf_program__attach_cgroup(prog, cgroup_fd) : bpf_program__attach(prog);
	if (!link)
		return -errno;
	l->udp_links[l->n_udp_links++] = link;
	add_attached(l, bpf_program__name(prog));
	return 0;
}

static void detach_udp(struct loader *l)
{
	while (l->n_udp_links)
		bpf_link__destroy(l->udp_links[--l->n_udp_links]);
}

/*
 * UDP listeners. The cgroup hooks on the root cgroup v2 are preferred: they
 * run on bind and release only, where the sys_exit_bind tracepoint sends
 * every syscall on the host through the traced exit path. Without them the
 * tracepoints see binds, and releases go unreported.
 */
static int attach_udp(struct loader *l)
{
	struct lw_listen *p = l->listen;
	size_t listed = l->n_attached;
	char why[600];
	int fd, err;

	fd = open_cgroup2_root(why, sizeof(why));
	if (fd >= 0) {
		err = attach_udp_prog(l, p->progs.lw_post_bind4, fd);
		if (!err)
			err = attach_udp_prog(l, p->progs.lw_post_bind6, fd);
		if (!err) {
			int rel = attach_udp_prog(l, p->progs.lw_sock_release, fd);
			int pre = attach_udp_prog(l, p->progs.lw_bind4, fd);

			if (rel)
				log_warn("cgroup sock_release attach failed: %s; UDP listener close will not "
					 "be reported", strerror(-rel));
			pre = pre ?: attach_udp_prog(l, p->progs.lw_bind6, fd);
			if (pre)
				log_warn("cgroup bind4/6 attach failed: %s; a UDP bind to port 0 will be "
					 "reported as a listener", strerror(-pre));
			close(fd);
			return 0;
		}
		close(fd);
		snprintf(why, sizeof(why), "cgroup post_bind attach failed: %s", strerror(-err));
		detach_udp(l);
		l->n_attached = listed; /* only what is attached is listed */
	}
	log_warn("%s: UDP binds are seen through the bind syscall, and UDP listener close will "
		 "not be reported", why);
	err = attach_udp_prog(l, p->progs.lw_bind_enter, -1);
	if (!err)
		err = attach_udp_prog(l, p->progs.lw_bind_exit, -1);
	if (err)
		log_error("attaching the UDP bind programs failed: %s", strerror(-err));
	return err;
}

static const char *const fd_walk_names[] = {
	[LW_FD_WALK_HELPERS] = "helper reads",
	[LW_FD_WALK_TASK_BTF] = "typed task pointers",
	[LW_FD_WALK_CAST] = "typed casts",
};

/*
 * The io_uring tracepoint lw_uring_submit attaches to: io_uring_submit_req,
 * io_uring_submit_sqe before 6.2, each with the request at offset 16 of its
 * record (bypass.bpf.h reads only that), as its format file must say.
 */
static const char *uring_tracepoint(void)
{
	static const char *const names[] = { "io_uring_submit_req", "io_uring_submit_sqe" };
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[256], line[256];

	for (size_t r = 0; r < 2; r++) {
		for (size_t i = 0; i < 2; i++) {
			bool ok = false;
			FILE *f;

			snprintf(path, sizeof(path), "%s/events/io_uring/%s/format", roots[r], names[i]);
			f = fopen(path, "re");
			if (!f)
				continue;
			while (!ok && fgets(line, sizeof(line), f))
				ok = strstr(line, "field:void * req;") && strstr(line, "offset:16;");
			fclose(f);
			if (ok)
				return names[i];
		}
	}
	return NULL;
}

static struct bpf_program *bypass_prog(struct lw_write *w, size_t i)
{
	struct bpf_program *progs[] = { w->progs.lw_sendfile, w->progs.lw_splice, w->progs.lw_copy_file_range,
					w->progs.lw_mmap, w->progs.lw_uring_submit };

	return i < sizeof(progs) / sizeof(progs[0]) ? progs[i] : NULL;
}

/*
 * Attached one by one, after the write programs: none of them is required.
 * Without `with`, not even loaded: a kernel whose verifier refuses one must
 * not cost the write path.
 */
static void bypass__prepare(struct lw_write *w, bool with)
{
	struct bpf_program *p;

	for (size_t i = 0; (p = bypass_prog(w, i)); i++) {
		bpf_program__set_autoattach(p, false);
		bpf_program__set_autoload(p, with);
	}
	/* a kernel without io_uring has no such tracepoint, nor its types */
	if (!uring_tracepoint())
		bpf_program__set_autoload(w->progs.lw_uring_submit, false);
}

static void bypass__attach(struct loader *l)
{
	struct bpf_program *p;

	for (size_t i = 0; (p = bypass_prog(l->write, i)); i++) {
		struct bpf_link *link = NULL;

		if (bpf_program__autoload(p))
			link = p == l->write->progs.lw_uring_submit
				       ? bpf_program__attach_tracepoint(p, "io_uring", uring_tracepoint())
				       : bpf_program__attach(p);
		if (!link) {
			if (bpf_program__autoload(p))
				log_warn("%s not attached: %s; those writes to watched files are not seen",
					 bpf_program__name(p), strerror(errno));
			else
				log_info("%s not loaded: those writes to watched files are not seen",
					 bpf_program__name(p));
			continue;
		}
		l->bypass_links[l->n_bypass++] = link;
		add_attached(l, bpf_program__name(p));
	}
}

/* Opens and loads the write programs with one descriptor-walk mode. */
static struct lw_write *load_write(const struct loader *l, enum lw_fd_walk mode, bool bypass)
{
	struct lw_write *w = lw_write__open();
	int err, ncpu;

	if (!w)
		return NULL;
	w->rodata->max_bytes = l->opts.capture_max_bytes;
	w->rodata->agent_tgid = (__u32)getpid();
	w->rodata->fd_walk = mode;
	/* an eighth of the ring: the agent is woken well before it fills */
	w->rodata->wakeup_bytes = l->opts.capture_ringbuf_bytes / 8;
	ncpu = libbpf_num_possible_cpus();
	w->rodata->wakeup_check_bytes = w->rodata->wakeup_bytes / (uint64_t)(ncpu > 0 ? ncpu : 1);
	bpf_map__set_max_entries(w->maps.events, (uint32_t)l->opts.capture_ringbuf_bytes);
	bpf_program__set_autoattach(w->progs.lw_capture_step, false);
	bypass__prepare(w, bypass);
	err = lw_write__load(w);
	if (err) {
		lw_write__destroy(w);
		errno = -err;
		return NULL;
	}
	return w;
}

/*
 * The log-write programs. The cheapest descriptor walk the kernel verifies
 * is used: every write on the host pays for it. A failure here is logged
 * and leaves listener detection running: one blind spot is better than none.
 */
static int start_capture(struct loader *l)
{
	enum lw_fd_walk mode = LW_FD_WALK_CAST;
	struct lw_write *w = NULL;
	__u32 slot = 0;
	int fd, err;

	if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_get_current_task_btf, NULL) != 1)
		mode = LW_FD_WALK_HELPERS;
	/* LEAKWATCH_FD_WALK=helpers|task: start lower, as an older kernel would
	 * (for tests, and to rule the fast walks out when debugging) */
	if (getenv("LEAKWATCH_FD_WALK")) {
		const char *want = getenv("LEAKWATCH_FD_WALK");

		if (!strcmp(want, "helpers"))
			mode = LW_FD_WALK_HELPERS;
		else if (!strcmp(want, "task") && mode > LW_FD_WALK_TASK_BTF)
			mode = LW_FD_WALK_TASK_BTF;
	}
	for (;; mode--) {
		/* quiet while probing: a refused mode is expected on older kernels */
		if (mode != LW_FD_WALK_HELPERS)
			libbpf_set_print(NULL);
		w = load_write(l, mode, true);
		if (!w) {
			w = load_write(l, mode, false);
			if (w)
				log_warn("write path: the programs for sendfile, splice, copy_file_range, mmap and "
					 "io_uring were refused by this kernel; those writes are not seen");
		}
		libbpf_set_print(libbpf_log);
		if (w || mode == LW_FD_WALK_HELPERS)
			break;
		log_debug("write programs: %s not accepted by this kernel", fd_walk_names[mode]);
	}
	if (!w) {
		err = -errno;
		log_error("log capture disabled: loading the write programs failed: %s", strerror(errno));
		return err;
	}
	fd = bpf_program__fd(w->progs.lw_capture_step);
	err = bpf_map__update_elem(w->maps.capture_progs, &slot, sizeof(slot), &fd, sizeof(fd), BPF_ANY);
	if (err) {
		log_error("log capture disabled: installing the capture step failed: %s", strerror(-err));
		goto fail;
	}
	err = lw_write__attach(w);
	if (err) {
		log_error("log capture disabled: attaching the write programs failed: %s", strerror(-err));
		goto fail;
	}
	log_info("write path: descriptor walk by %s", fd_walk_names[mode]);
	add_attached(l, "lw_write");
	add_attached(l, "lw_writev");
	add_attached(l, "lw_pwrite64");
	add_attached(l, "lw_pwritev");
	add_attached(l, "lw_pwritev2");
	l->write = w;
	bypass__attach(l);
	return 0;
fail:
	lw_write__destroy(w);
	return err;
}

static int on_record(void *ctx, void *data, size_t size)
{
	const struct loader *l = ctx;

	return l->opts.on_event(l->opts.ctx, data, size);
}

/*
 * The agent sleeps on its own epoll set, where the rings are
 * edge-triggered: it wakes when a program asks for it (write.bpf.c: once
 * wakeup_bytes wait, or 10 ms after the last wake-up; a listener's record
 * when the agent had caught up). libbpf's ring_buffer__poll is
 * level-triggered: while a process writes to a watched log, its next line
 * is always there when the agent looks, so the agent looped ~8,600 times a
 * second for ~46 lines each, and its loop, not the scan, was its cost.
 */
static int watch_rings(struct loader *l)
{
	int fds[2] = { bpf_map__fd(l->listen->maps.events), l->write ? bpf_map__fd(l->write->maps.events) : -1 };

	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		log_error("epoll_create1: %s", strerror(errno));
		return -errno;
	}
	for (int i = 0; i < 2; i++) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u32 = (uint32_t)i };

		if (fds[i] >= 0 && epoll_ctl(l->epfd, EPOLL_CTL_ADD, fds[i], &ev)) {
			log_error("ring buffer setup failed: epoll_ctl: %s", strerror(errno));
			return -errno;
		}
	}
	return 0;
}

int loader__start(const struct loader_opts *opts, struct loader **out)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	struct loader *l;
	int err;

	libbpf_set_print(libbpf_log);
	/* kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK */
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	err = ensure_tracefs();
	if (err)
		return err;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->opts = *opts;
	l->epfd = -1;

	l->listen = lw_listen__open();
	if (!l->listen) {
		err = -errno;
		log_error("opening the listener programs failed: %s", strerror(errno));
		goto fail;
	}
	bpf_map__set_max_entries(l->listen->maps.events, (uint32_t)opts->ringbuf_bytes);
	/* attach_udp picks the UDP programs */
	bpf_program__set_autoattach(l->listen->progs.lw_sock_release, false);
	bpf_program__set_autoattach(l->listen->progs.lw_post_bind4, false);
	bpf_program__set_autoattach(l->listen->progs.lw_post_bind6, false);
	bpf_program__set_autoattach(l->listen->progs.lw_bind4, false);
	bpf_program__set_autoattach(l->listen->progs.lw_bind6, false);
	bpf_program__set_autoattach(l->listen->progs.lw_bind_enter, false);
	bpf_program__set_autoattach(l->listen->progs.lw_bind_exit, false);
	err = lw_listen__load(l->listen);
	if (err) {
		log_error("loading the listener programs failed: %s (is this kernel >= 5.8 with BTF?)",
			  strerror(-err));
		goto fail;
	}
	err = lw_listen__attach(l->listen);
	if (err) {
		log_error("attaching the listener programs failed: %s", strerror(-err));
		goto fail;
	}
	add_attached(l, "lw_tcp_state");
	err = attach_udp(l);
	if (err)
		goto fail;
	if (opts->capture)
		start_capture(l);

	l->rb = ring_buffer__new(bpf_map__fd(l->listen->maps.events), on_record, l, NULL);
	if (!l->rb) {
		err = -errno;
		log_error("ring buffer setup failed: %s", strerror(errno));
		goto fail;
	}
	if (l->write) {
		err = ring_buffer__add(l->rb, bpf_map__fd(l->write->maps.events), on_record, l);
		if (err) {
			log_error("ring buffer setup failed: %s", strerror(-err));
			goto fail;
		}
	}
	err = watch_rings(l);
	if (err)
		goto fail;
	*out = l;
	return 0;
fail:
	loader__stop(l);
	return err;
}

int loader__poll(struct loader *l, int timeout_ms)
{
	struct epoll_event ready[2];

	if (epoll_wait(l->epfd, ready, 2, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	/* captured bytes are often queued without a wake-up (write.bpf.c), so
	 * every ring is read, not only those that signalled. A callback's error
	 * would end this drain early and strand the rest until the next edge;
	 * the one callback (runtime__on_record) always returns 0, so the only
	 * negative here is not a record's (loader.h) */
	return ring_buffer__consume(l->rb);
}

int loader__drain(struct loader *l)
{
	return ring_buffer__consume(l->rb);
}

static void add_drops(const struct bpf_map *map, uint64_t out[LW_DROP_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *per_cpu;

	if (ncpu <= 0)
		return;
	per_cpu = calloc((size_t)ncpu, sizeof(*per_cpu));
	if (!per_cpu)
		return;
	for (uint32_t r = 0; r < LW_DROP_MAX; r++) {
		if (bpf_map__lookup_elem(map, &r, sizeof(r), per_cpu, (size_t)ncpu * sizeof(*per_cpu), 0))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[r] += per_cpu[c];
	}
	free(per_cpu);
}

void loader__drops(struct loader *l, uint64_t out[LW_DROP_MAX])
{
	memset(out, 0, LW_DROP_MAX * sizeof(out[0]));
	add_drops(l->listen->maps.drops, out);
	if (l->write)
		add_drops(l->write->maps.drops, out);
}

bool loader__capturing(const struct loader *l)
{
	return l->write != NULL;
}

int loader__set_verdict(struct loader *l, const struct lw_file_key *key, uint32_t generation, int state)
{
	struct lw_verdict v = { .generation = generation, .state = (__u32)state };

	if (!l->write)
		return -ENOENT;
	if (state < 0) {
		int err = bpf_map__delete_elem(l->write->maps.verdicts, key, sizeof(*key), 0);

		return err == -ENOENT ? 0 : err;
	}
	return bpf_map__update_elem(l->write->maps.verdicts, key, sizeof(*key), &v, sizeof(v), BPF_ANY);
}

void loader__clear_verdicts(struct loader *l)
{
	struct lw_file_key key, next;
	int fd;

	if (!l->write)
		return;
	fd = bpf_map__fd(l->write->maps.verdicts);
	/* delete the first key until none is left: deleting while walking skips keys */
	while (!bpf_map_get_next_key(fd, NULL, &next)) {
		key = next;
		if (bpf_map_delete_elem(fd, &key))
			break;
	}
	/* and retire every per-CPU cached verdict at once */
	__atomic_add_fetch(&l->write->bss->verdict_epoch, 1, __ATOMIC_SEQ_CST);
}

size_t loader__programs(struct loader *l, const char **names, size_t max)
{
	size_t n = l->n_attached < max ? l->n_attached : max;

	memcpy(names, l->attached, n * sizeof(*names));
	return l->n_attached;
}

int loader__track_udp(struct loader *l, uint64_t sock_ino)
{
	uint8_t one = 1;

	if (!sock_ino)
		return -EINVAL;
	return bpf_map_update_elem(bpf_map__fd(l->listen->maps.udp_bound), &sock_ino, &one, BPF_ANY) ? -errno
												       : 0;
}

void loader__stop(struct loader *l)
{
	if (!l)
		return;
	ring_buffer__free(l->rb);
	if (l->epfd >= 0)
		close(l->epfd);
	while (l->n_bypass)
		bpf_link__destroy(l->bypass_links[--l->n_bypass]);
	lw_write__destroy(l->write);
	detach_udp(l);
	lw_listen__destroy(l->listen);
	free(l);
}

const char *loader__drop_name(enum lw_drop_reason r)
{
	switch (r) {
	case LW_DROP_RINGBUF: return "ringbuf_full";
	case LW_DROP_TRUNCATED: return "truncated";
	case LW_DROP_IOV: return "iovec_limit";
	case LW_DROP_READ: return "read_failed";
	case LW_DROP_UNTRACKED: return "untracked";
	case LW_DROP_MAX: break;
	}
	return "unknown";
}
