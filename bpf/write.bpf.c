/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Bytes written to log files. Every write(2)-family call on a regular file
 * costs one descriptor walk and one lookup of the file's verdict; only
 * files the agent judged watched (or has not judged yet) are copied to the
 * ring buffer, in chunks of at most LW_CHUNK_MAX bytes.
 */
#include "common.bpf.h"

#define S_IFMT 00170000
#define S_IFREG 0100000
#define O_APPEND 02000
#define RWF_APPEND 0x10

/* Set by the agent between open and load. */
const volatile __u32 max_bytes = 64 * 1024; /* captured per syscall */
const volatile __u32 agent_tgid = 0;        /* never capture the agent itself */
/* How the descriptor table is read (enum lw_fd_walk); the agent tries the fastest first. */
const volatile __u32 fd_walk = LW_FD_WALK_HELPERS;

/*
 * Waking the agent for every chunk costs the writer more than the copy:
 * the ring buffer wakes a consumer that has caught up, and a fast agent
 * always has. So captured bytes wake it only once wakeup_bytes are
 * waiting or WAKEUP_NS after the last wake-up; the agent's poll timeout
 * bounds how long a lone chunk can wait.
 *
 * Asking the ring how much is waiting reads the line the agent's consumer
 * writes, so each CPU asks only after another wakeup_check_bytes of its
 * own. The agent sets that to wakeup_bytes over the number of CPUs: at
 * most twice wakeup_bytes can wait before some CPU looks.
 */
const volatile __u64 wakeup_bytes = 256 * 1024;
const volatile __u64 wakeup_check_bytes = 32 * 1024;
#define WAKEUP_NS (10 * 1000 * 1000ULL)
__u64 last_wakeup_ns = 0; /* racy across CPUs: at worst one extra wake-up */

/*
 * bench/writepath_steps.sh builds this file with LW_BENCH_STOP=n to time
 * the path up to each step: 0-4 on an unwatched write, 5-8 on a watched
 * one. The agent's build has no stop.
 */
#ifdef LW_BENCH_STOP
#define LW_STOP(n, ret)                  \
	do {                             \
		if (LW_BENCH_STOP == (n)) \
			return ret;      \
	} while (0)
#else
#define LW_STOP(n, ret) do { } while (0)
#endif

/* Bumped by the agent when verdicts are cleared, invalidating the cache. */
__u32 verdict_epoch = 0;

/*
 * Casts a plain kernel pointer to a typed one whose fields load directly
 * (6.2+). Where the kernel lacks it the address is 0 and the slower
 * helper reads are used instead.
 */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct lw_file_key);
	__type(value, struct lw_verdict);
} verdicts SEC(".maps");

/*
 * Where a capture stands. A syscall's bytes are copied over a chain of tail
 * calls, a few units of work per call, because one loop over all chunks and
 * iovecs is more than the verifier will follow on older kernels.
 */
struct capture_state {
	const struct iovec *vec; /* NULL for write and pwrite64 */
	__u64 vlen;
	__u64 iov_i;
	const char *base;        /* next byte to copy */
	__u64 left;              /* bytes left in the current buffer */
	__u64 budget;            /* bytes left under max_bytes */
	__u64 fill;              /* bytes in the chunk being assembled */
};

/*
 * A chunk is assembled here before it goes to the ring buffer with its
 * real length. The data area is twice a chunk so that the verifier can see
 * every copy (fill < LW_CHUNK_MAX, len <= LW_CHUNK_MAX) stays inside it.
 */
struct chunk_scratch {
	struct capture_state st;
	__u64 unchecked; /* bytes this CPU queued since it last asked the ring (wakeup_flags) */
	struct lw_write_event ev;
	char spill[LW_CHUNK_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct chunk_scratch);
} scratch SEC(".maps");

/* Slot 0: lw_capture_step, set by the agent after load. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} capture_progs SEC(".maps");

#define UNITS_PER_CALL 4

/*
 * A direct-mapped copy of final verdicts in front of the `verdicts` hash,
 * because every write on the host looks here. Each slot is one 64-bit word
 * (a hash of dev, inode, generation and epoch, with the verdict in the low
 * bits), so CPUs share it without locks and never read a torn entry; a
 * global array costs no helper call. Undecided files are never cached, and
 * bumping the epoch retires every slot at once.
 */
#define VCACHE_SLOTS 1024
#define VCACHE_STATE_MASK 3ULL

__u64 vcache[VCACHE_SLOTS];

/*
 * The inode's address stands in for its device here, one dependent load
 * (inode -> super block -> device) shorter on the path every write takes;
 * a stale hit would need a freed inode's address reused by a file with the
 * same inode number and generation. The `verdicts` map keys on the device.
 */
static __always_inline __u64 vcache_tag(__u64 inode, __u64 ino, __u32 generation, __u32 epoch)
{
	__u64 h = inode * 0x9e3779b97f4a7c15ULL ^ ino;

	h ^= (__u64)generation << 32 | epoch;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 31;
	return h & ~VCACHE_STATE_MASK;
}

struct watched_file {
	struct file *file;
	__u64 inode;            /* its address: a number, see vcache_tag */
	struct lw_file_key key; /* dev filled by file_dev() once needed */
	__u32 generation;
	__u8 pending;
};

/*
 * The fast path every write on the host pays for, so it avoids helper
 * calls where the kernel allows: the task's descriptor table through
 * typed pointers, then one read of the file pointer.
 */
static __always_inline struct file *current_fd_file(__s32 fd)
{
	struct file *file = NULL;
	struct file **fds;

	if (fd_walk != LW_FD_WALK_HELPERS) {
		struct task_struct *task = bpf_get_current_task_btf();
		struct fdtable *fdt = task->files->fdt;

		if (fd < 0 || (__u32)fd >= fdt->max_fds)
			return NULL;
		LW_STOP(1, NULL);
		if (fd_walk == LW_FD_WALK_CAST) {
			/* btf id 0: untyped memory, loaded directly (recent kernels) */
			fds = bpf_rdonly_cast(fdt->fd, 0);
			return fds[fd & 0x7fffffff];
		}
		fds = fdt->fd;
		if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
			return NULL;
		return file;
	}
	return lw_fd_file(fd);
}

/* Regular file? Then its identity. Typed loads when the kernel can cast. */
static __always_inline bool regular_file(struct watched_file *w, struct file *file)
{
	struct inode *inode;
	__u64 addr;
	umode_t mode;

	if (bpf_rdonly_cast) {
		/* the cache tag needs the inode pointer as a plain number, which
		 * a typed load cannot give: an untyped load (btf id 0) where the
		 * kernel took LW_FD_WALK_CAST, which probes for those, else a read */
		if (fd_walk == LW_FD_WALK_CAST) {
			const __u64 *raw = bpf_rdonly_cast(file, 0);

			addr = raw[bpf_core_field_offset(struct file, f_inode) / sizeof(__u64)];
		} else {
			addr = (__u64)BPF_CORE_READ(file, f_inode);
		}
		inode = bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct inode));
		mode = inode->i_mode;
		if ((mode & S_IFMT) != S_IFREG)
			return false;
		w->key.ino = inode->i_ino;
		w->generation = inode->i_generation;
	} else {
		/* locals, not w->: BPF_CORE_READ would relocate w's own fields */
		inode = BPF_CORE_READ(file, f_inode);
		addr = (__u64)inode;
		mode = BPF_CORE_READ(inode, i_mode);
		if ((mode & S_IFMT) != S_IFREG)
			return false;
		w->key.ino = BPF_CORE_READ(inode, i_ino);
		w->generation = BPF_CORE_READ(inode, i_generation);
	}
	w->file = file;
	w->inode = addr;
	return true;
}

/* The device half of the file's identity, off the cached path. */
static __always_inline void file_dev(struct watched_file *w)
{
	struct inode *inode = (struct inode *)w->inode;

	if (bpf_rdonly_cast) {
		struct inode *i = bpf_rdonly_cast(inode, bpf_core_type_id_kernel(struct inode));

		w->key.dev = i->i_sb->s_dev;
	} else {
		w->key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	}
}

static __always_inline struct mount *real_mount(struct vfsmount *vmnt)
{
	return (struct mount *)((void *)vmnt - bpf_core_field_offset(struct mount, mnt));
}

/*
 * Names from the leaf up to the root of the writer's mount namespace, one
 * slot per step; a step that crosses a mount leaves its slot empty. The
 * loop is unrolled with constant slot indexes so that the verifier can
 * merge the two paths of each step instead of following every combination.
 */
static __always_inline void fill_path(struct lw_file_event *e, struct file *file)
{
	struct dentry *d = BPF_CORE_READ(file, f_path.dentry);
	struct vfsmount *vmnt = BPF_CORE_READ(file, f_path.mnt);
	struct mount *mnt = real_mount(vmnt);

	e->truncated = 1;
	e->depth = LW_PATH_DEPTH;
#pragma unroll
	for (int i = 0; i < LW_PATH_DEPTH; i++) {
		struct dentry *parent = BPF_CORE_READ(d, d_parent);
		struct dentry *root = BPF_CORE_READ(vmnt, mnt_root);
		const unsigned char *name;

		e->names[i][0] = '\0';
		if (d == root || d == parent) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			if (up == mnt || !up) {
				e->truncated = 0;
				e->depth = i;
				break;
			}
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			vmnt = (struct vfsmount *)((void *)mnt + bpf_core_field_offset(struct mount, mnt));
			continue;
		}
		name = BPF_CORE_READ(d, d_name.name);
		bpf_probe_read_kernel_str(e->names[i], LW_NAME_MAX, name);
		d = parent;
	}
}

/* Tells the agent about a file it has not judged; it answers in `verdicts`. */
static __always_inline void report_file(struct watched_file *w, __s32 fd)
{
	struct lw_file_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		lw_count_drop(LW_DROP_RINGBUF);
		return;
	}
	e->kind = LW_EVENT_FILE;
	lw_fill_task(&e->task);
	e->file = w->key;
	e->dev = (__u32)w->key.dev;
	e->generation = w->generation;
	e->fd = fd;
	e->pad[0] = e->pad[1] = e->pad[2] = 0;
	fill_path(e, w->file);
	bpf_ringbuf_submit(e, 0);
}

#define VERDICT_UNKNOWN -1

/*
 * The fast path every write pays: descriptor -> inode -> verdict. Returns 0
 * when the bytes are wanted (watched, or not judged yet). fd is what the
 * file record names (-1 for an io_uring registered file).
 */
static __always_inline int lookup_file(struct file *file, __s32 fd, struct watched_file *w)
{
	struct lw_verdict fresh = {}, *v;
	__u64 tag, cached;
	__u32 idx;
	int state = VERDICT_UNKNOWN;

	if (!file)
		return -1;
	LW_STOP(2, -1);
	if (!regular_file(w, file))
		return -1;
	LW_STOP(3, -1);
	tag = vcache_tag(w->inode, w->key.ino, w->generation, verdict_epoch);
	LW_STOP(4, tag == 4 ? 0 : -1); /* a tag the compiler cannot rule out */
	idx = (__u32)(tag >> 32) & (VCACHE_SLOTS - 1);
	cached = vcache[idx];
	if ((cached & ~VCACHE_STATE_MASK) == tag && (cached & VCACHE_STATE_MASK))
		state = (int)(cached & VCACHE_STATE_MASK);
	if (state == LW_VERDICT_IGNORED)
		return -1;
	file_dev(w);
	if (state == VERDICT_UNKNOWN) {
		v = bpf_map_lookup_elem(&verdicts, &w->key);
		if (v && v->generation == w->generation) {
			state = v->state;
			if (state == LW_VERDICT_WATCHED || state == LW_VERDICT_IGNORED)
				vcache[idx] = tag | (__u64)state;
		}
	}
	if (state == LW_VERDICT_IGNORED)
		return -1;
	/* the agent's own output: checked past the common case */
	if (agent_tgid && (bpf_get_current_pid_tgid() >> 32) == agent_tgid)
		return -1;
	if (state == VERDICT_UNKNOWN) {
		/* first write seen (or the inode number was reused): ask the agent once */
		fresh.generation = w->generation;
		fresh.state = LW_VERDICT_PENDING;
		bpf_map_update_elem(&verdicts, &w->key, &fresh, BPF_ANY);
		report_file(w, fd);
		state = LW_VERDICT_PENDING;
	}
	w->pending = state == LW_VERDICT_PENDING;
	return 0;
}

static __always_inline int lookup_watched(__s32 fd, struct watched_file *w)
{
	LW_STOP(0, -1);
	return lookup_file(current_fd_file(fd), fd, w);
}

static __always_inline __u64 write_offset(struct watched_file *w, __s64 pos, bool append)
{
	struct file *file = w->file;

	if (bpf_rdonly_cast) {
		/* typed loads, as in regular_file: no helper call per field */
		struct file *f = bpf_rdonly_cast(file, bpf_core_type_id_kernel(struct file));
		struct inode *i = bpf_rdonly_cast((void *)w->inode, bpf_core_type_id_kernel(struct inode));

		if (append || (f->f_flags & O_APPEND))
			return i->i_size;
		if (pos >= 0)
			return pos;
		return f->f_pos;
	}
	if (append || (BPF_CORE_READ(file, f_flags) & O_APPEND))
		return BPF_CORE_READ(file, f_inode, i_size);
	if (pos >= 0)
		return pos;
	return BPF_CORE_READ(file, f_pos);
}

/*
 * now: the record's own time stamp (boot clock), which saves reading the
 * clock again. unchecked: the CPU's count of bytes queued since it last
 * asked the ring, or NULL to ask every time (rare records).
 */
static __always_inline __u64 wakeup_flags(__u64 now, __u64 *unchecked, __u64 len)
{
	LW_STOP(8, BPF_RB_NO_WAKEUP);
	if (now - last_wakeup_ns >= WAKEUP_NS)
		goto wake;
	if (unchecked) {
		*unchecked += len;
		if (*unchecked < wakeup_check_bytes)
			return BPF_RB_NO_WAKEUP;
		*unchecked = 0;
	}
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) < wakeup_bytes)
		return BPF_RB_NO_WAKEUP;
wake:
	last_wakeup_ns = now;
	return BPF_RB_FORCE_WAKEUP;
}

static __always_inline void send_chunk(struct chunk_scratch *s)
{
	__u64 fill = s->st.fill;

	if (fill > LW_CHUNK_MAX)
		return;
	LW_STOP(7, );
	s->ev.len = fill;
	if (bpf_ringbuf_output(&events, &s->ev, offsetof(struct lw_write_event, data) + fill,
			       wakeup_flags(s->ev.task.ts_ns, &s->unchecked, fill)))
		lw_count_drop(LW_DROP_RINGBUF);
	s->ev.seq++;
	s->ev.offset += fill;
	s->ev.flags &= ~LW_WRITE_GAP;
	s->st.fill = 0;
}

/* One step of a capture: take the next iovec, or copy into the chunk.
 * Returns 1 when the capture is complete. */
static __always_inline int capture_unit(struct chunk_scratch *s)
{
	struct capture_state *st = &s->st;
	__u64 fill, len;

	if (!st->left) {
		struct iovec iov;

		if (!st->vec || st->iov_i >= st->vlen)
			return 1;
		if (st->iov_i >= LW_IOV_MAX) {
			lw_count_drop(LW_DROP_IOV);
			s->ev.flags |= LW_WRITE_TRUNCATED;
			return 1;
		}
		if (bpf_probe_read_user(&iov, sizeof(iov), &st->vec[st->iov_i])) {
			lw_count_drop(LW_DROP_READ);
			return 1;
		}
		st->iov_i++;
		st->base = iov.iov_base;
		st->left = iov.iov_len;
		return 0;
	}
	if (!st->budget) {
		lw_count_drop(LW_DROP_TRUNCATED);
		s->ev.flags |= LW_WRITE_TRUNCATED;
		return 1;
	}
	fill = st->fill & (LW_CHUNK_MAX - 1);
	len = LW_CHUNK_MAX - fill;
	if (len > st->left)
		len = st->left;
	if (len > st->budget)
		len = st->budget;
	barrier_var(len);
	if (len > LW_CHUNK_MAX)
		return 1;
	if (bpf_probe_read_user(s->ev.data + fill, len, st->base)) {
		/* not resident (sys_enter cannot fault pages in): skip it */
		lw_count_drop(LW_DROP_READ);
		if (fill)
			send_chunk(s);
		s->ev.offset += len;
		s->ev.flags |= LW_WRITE_GAP;
	} else {
		st->fill = fill + len;
		if (st->fill >= LW_CHUNK_MAX)
			send_chunk(s);
	}
	st->base += len;
	st->left -= len;
	st->budget -= len;
	return 0;
}

static __always_inline void capture_finish(struct chunk_scratch *s)
{
	/* the last chunk, or an empty one to carry the truncation flag */
	if (s->st.fill || (s->ev.flags & LW_WRITE_TRUNCATED))
		send_chunk(s);
}

SEC("tracepoint")
int lw_capture_step(struct trace_event_raw_sys_enter *ctx)
{
	struct chunk_scratch *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
#pragma unroll
	for (int u = 0; u < UNITS_PER_CALL; u++) {
		if (capture_unit(s)) {
			capture_finish(s);
			return 0;
		}
	}
	bpf_tail_call(ctx, &capture_progs, 0);
	/* the kernel's tail call limit ends the chain: keep what we have */
	lw_count_drop(LW_DROP_TRUNCATED);
	s->ev.flags |= LW_WRITE_TRUNCATED;
	capture_finish(s);
	return 0;
}

/*
 * The writer's identity for a chunk's header: what lw_fill_task gives, by
 * typed loads where the kernel took LW_FD_WALK_CAST (which probes for
 * them), as the helper calls cost a watched write more than its copy.
 */
static __always_inline void fill_writer(struct lw_task *t)
{
	if (fd_walk == LW_FD_WALK_CAST) {
		struct task_struct *task = bpf_get_current_task_btf();
		const struct cred *cred = task->cred;
		/* comm is a char array, which typed loads read a byte at a time */
		const char *raw = bpf_rdonly_cast(task, 0);

		t->ts_ns = bpf_ktime_get_boot_ns();
		t->cgroup_id = task->cgroups->dfl_cgrp->kn->id;
		t->tgid = task->tgid;
		t->pid = task->pid;
		t->uid = cred->uid.val;
		t->gid = cred->gid.val;
		__builtin_memcpy(t->comm, raw + bpf_core_field_offset(struct task_struct, comm),
				 sizeof(t->comm));
		return;
	}
	lw_fill_task(t);
}

/*
 * Starts copying up to max_bytes of the written bytes: `buf, count` for
 * write and pwrite, else the iovec array. Small iovecs share a chunk.
 */
static __always_inline void capture(void *ctx, struct watched_file *w, __s32 fd, __u8 syscall,
				    __u64 offset, const char *buf, __u64 count,
				    const struct iovec *vec, __u64 vlen)
{
	struct chunk_scratch *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return;
	s->st.vec = vec;
	s->st.vlen = vlen;
	s->st.iov_i = 0;
	s->st.base = buf;
	s->st.left = vec ? 0 : count;
	s->st.budget = max_bytes < LW_CAPTURE_MAX ? max_bytes : LW_CAPTURE_MAX;
	s->st.fill = 0;
	s->ev.kind = LW_EVENT_WRITE;
	s->ev.syscall = syscall;
	s->ev.flags = w->pending ? LW_WRITE_PENDING : 0;
	s->ev.fd = fd;
	s->ev.seq = 0;
	s->ev.file = w->key;
	s->ev.offset = offset;
	fill_writer(&s->ev.task);
	LW_STOP(6, );
	bpf_tail_call(ctx, &capture_progs, 0);
	lw_count_drop(LW_DROP_READ); /* only if the agent did not install the step */
}

SEC("tracepoint/syscalls/sys_enter_write")
int lw_write(struct trace_event_raw_sys_enter *ctx)
{
	struct watched_file w = {};
	__s32 fd = (__s32)ctx->args[0];

	if (!ctx->args[2] || lookup_watched(fd, &w))
		return 0;
	LW_STOP(5, 0);
	capture(ctx, &w, fd, LW_SYS_WRITE, write_offset(&w, -1, false), (const char *)ctx->args[1],
		ctx->args[2], NULL, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_pwrite64")
int lw_pwrite64(struct trace_event_raw_sys_enter *ctx)
{
	struct watched_file w = {};
	__s32 fd = (__s32)ctx->args[0];

	if (!ctx->args[2] || lookup_watched(fd, &w))
		return 0;
	capture(ctx, &w, fd, LW_SYS_PWRITE64, write_offset(&w, (__s64)ctx->args[3], false),
		(const char *)ctx->args[1], ctx->args[2], NULL, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_writev")
int lw_writev(struct trace_event_raw_sys_enter *ctx)
{
	struct watched_file w = {};
	__s32 fd = (__s32)ctx->args[0];

	if (!ctx->args[2] || lookup_watched(fd, &w))
		return 0;
	capture(ctx, &w, fd, LW_SYS_WRITEV, write_offset(&w, -1, false), NULL, 0,
		(const struct iovec *)ctx->args[1], ctx->args[2]);
	return 0;
}

/* On 64-bit kernels pos_l holds the whole offset and pos_h is zero. */
SEC("tracepoint/syscalls/sys_enter_pwritev")
int lw_pwritev(struct trace_event_raw_sys_enter *ctx)
{
	struct watched_file w = {};
	__s32 fd = (__s32)ctx->args[0];

	if (!ctx->args[2] || lookup_watched(fd, &w))
		return 0;
	capture(ctx, &w, fd, LW_SYS_PWRITEV, write_offset(&w, (__s64)ctx->args[3], false), NULL, 0,
		(const struct iovec *)ctx->args[1], ctx->args[2]);
	return 0;
}

/* Offset -1 means the file position, and RWF_APPEND appends. */
SEC("tracepoint/syscalls/sys_enter_pwritev2")
int lw_pwritev2(struct trace_event_raw_sys_enter *ctx)
{
	struct watched_file w = {};
	__s32 fd = (__s32)ctx->args[0];

	if (!ctx->args[2] || lookup_watched(fd, &w))
		return 0;
	capture(ctx, &w, fd, LW_SYS_PWRITEV2,
		write_offset(&w, (__s64)ctx->args[3], (ctx->args[5] & RWF_APPEND) != 0), NULL, 0,
		(const struct iovec *)ctx->args[1], ctx->args[2]);
	return 0;
}

/* sendfile, splice, copy_file_range, io_uring and mmap into watched files */
#include "bypass.bpf.h"
