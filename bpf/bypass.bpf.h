/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The other ways bytes reach a watched file, included by write.bpf.c (they
 * share its verdicts, chunks and ring buffer):
 *
 * - io_uring writes (WRITE, WRITEV and their _FIXED forms): the request is
 *   decoded at io_uring:io_uring_submit_req (_sqe before 6.2), in the
 *   submitter's context, and
 *   its buffer copied as a write(2)'s is. Registered files are looked up in
 *   the ring's file table.
 * - sendfile, splice, copy_file_range and io_uring SPLICE move pages, not a
 *   buffer: the programs see where the bytes go and how many are asked for,
 *   and the agent reads that span back from the file once written.
 * - mmap: a store into a shared writable mapping is no call at all. Mapping
 *   a watched file that way is reported, and the agent counts it.
 *
 * Each of these runs only on its own syscall or tracepoint: the write(2)
 * path is unchanged.
 */
#ifndef LEAKWATCH_BYPASS_BPF_H
#define LEAKWATCH_BYPASS_BPF_H

#define PROT_WRITE 0x2
#define MAP_SHARED 0x1 /* also set in MAP_SHARED_VALIDATE */

/* io_uring opcodes: the uapi's numbers */
#define IORING_OP_WRITEV_ 2
#define IORING_OP_WRITE_FIXED_ 5
#define IORING_OP_WRITE_ 23
#define IORING_OP_SPLICE_ 30
#define IORING_OP_WRITEV_FIXED_ 61
#define REQ_F_FIXED_FILE_ 1ULL
#define IO_FILE_PTR_MASK (~3UL) /* FFS_NOWAIT and FFS_ISREG live in the low bits */

static __always_inline void report_span(struct watched_file *w, __s32 fd, __u8 via, __u64 offset, __u64 len)
{
	struct lw_span_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		lw_count_drop(LW_DROP_RINGBUF);
		return;
	}
	e->kind = LW_EVENT_SPAN;
	e->via = via;
	e->flags = w->pending ? LW_WRITE_PENDING : 0;
	e->pad = 0;
	lw_fill_task(&e->task);
	e->file = w->key;
	e->offset = offset;
	e->len = len;
	e->fd = fd;
	e->pad2 = 0;
	bpf_ringbuf_submit(e, wakeup_flags(e->task.ts_ns, NULL, 0));
}

/* An explicit offset passed by pointer (splice, copy_file_range), or -1. */
static __always_inline __s64 user_offset(const void *ptr)
{
	__s64 off = -1;

	if (ptr && bpf_probe_read_user(&off, sizeof(off), ptr))
		off = -1;
	return off;
}

/* The span written to out_fd by a call that moves pages. */
static __always_inline void span(__s32 fd, __u8 via, __s64 pos, __u64 len)
{
	struct watched_file w = {};

	if (!len || lookup_watched(fd, &w))
		return;
	report_span(&w, fd, via, write_offset(&w, pos, false), len);
}

SEC("tracepoint/syscalls/sys_enter_sendfile64")
int lw_sendfile(struct trace_event_raw_sys_enter *ctx)
{
	/* the offset argument is the input's: the output is written at its position */
	span((__s32)ctx->args[0], LW_VIA_SENDFILE, -1, ctx->args[3]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_splice")
int lw_splice(struct trace_event_raw_sys_enter *ctx)
{
	span((__s32)ctx->args[2], LW_VIA_SPLICE, user_offset((const void *)ctx->args[3]), ctx->args[4]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_copy_file_range")
int lw_copy_file_range(struct trace_event_raw_sys_enter *ctx)
{
	span((__s32)ctx->args[2], LW_VIA_COPY_FILE_RANGE, user_offset((const void *)ctx->args[3]),
	     ctx->args[4]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_mmap")
int lw_mmap(struct trace_event_raw_sys_enter *ctx)
{
	struct watched_file w = {};
	__s32 fd = (__s32)ctx->args[4];

	if (fd < 0 || !(ctx->args[2] & PROT_WRITE) || !(ctx->args[3] & MAP_SHARED) || lookup_watched(fd, &w))
		return 0;
	report_span(&w, fd, LW_VIA_MMAP, ctx->args[5], ctx->args[1]);
	return 0;
}

/*
 * io_uring's internals as this file reads them, relocated by name against
 * the running kernel (CO-RE): the vmlinux.h of another kernel (arm64's is
 * 6.1) need not have them, and a kernel without them skips that part.
 */
struct io_rsrc_node___lw {
	unsigned long file_ptr;
} __attribute__((preserve_access_index));

struct io_rsrc_data___lw {
	unsigned int nr;
	struct io_rsrc_node___lw **nodes;
} __attribute__((preserve_access_index));

struct io_file_table___lw {
	struct io_rsrc_data___lw data;
} __attribute__((preserve_access_index));

struct io_ring_ctx___lw {
	struct io_file_table___lw file_table;
} __attribute__((preserve_access_index));

/*
 * The tracepoint's record, io_uring_submit_req (io_uring_submit_sqe before
 * 6.2), whose fields changed over the versions: only `req` is read here, at
 * offset 16 in both, which the agent checks in the tracepoint's format file
 * before it loads this program. The rest comes from the request itself.
 */
struct uring_submit_record {
	__u64 common;
	void *ring;
	struct io_kiocb *req;
};

/* A registered file: the ring's table, laid out as since 6.13; else NULL. */
static __always_inline struct file *uring_fixed_file(struct io_kiocb *req, __u32 idx)
{
	struct io_rsrc_node___lw **nodes, *node = NULL;
	struct io_ring_ctx___lw *rctx;
	unsigned long ptr;

	if (!bpf_core_field_exists(struct io_rsrc_data___lw, nodes) ||
	    !bpf_core_field_exists(struct io_rsrc_node___lw, file_ptr))
		return NULL;
	rctx = (struct io_ring_ctx___lw *)BPF_CORE_READ(req, ctx);
	if (idx >= BPF_CORE_READ(rctx, file_table.data.nr))
		return NULL;
	nodes = BPF_CORE_READ(rctx, file_table.data.nodes);
	if (bpf_probe_read_kernel(&node, sizeof(node), &nodes[idx]) || !node)
		return NULL;
	ptr = BPF_CORE_READ(node, file_ptr);
	return (struct file *)(ptr & IO_FILE_PTR_MASK);
}

static __always_inline __u8 uring_syscall(__u8 op)
{
	switch (op) {
	case IORING_OP_WRITE_: return LW_SYS_IO_URING_WRITE;
	case IORING_OP_WRITEV_: return LW_SYS_IO_URING_WRITEV;
	case IORING_OP_WRITE_FIXED_: return LW_SYS_IO_URING_WRITE_FIXED;
	case IORING_OP_WRITEV_FIXED_: return LW_SYS_IO_URING_WRITEV_FIXED;
	}
	return 0;
}

/*
 * At submission the request is prepared (buffer, length, offset) and runs
 * in the submitter's context (or its SQPOLL thread, which shares its files
 * and memory), so the buffer is readable as a write(2)'s is.
 */
SEC("tracepoint")
int lw_uring_submit(struct uring_submit_record *ctx)
{
	struct io_kiocb *req = ctx->req;
	__u8 op = BPF_CORE_READ(req, opcode), sys = uring_syscall(op);
	struct watched_file w = {};
	struct file *file;
	__s32 fd;

	if ((!sys && op != IORING_OP_SPLICE_) || !bpf_core_type_exists(struct io_rw))
		return 0;
	fd = BPF_CORE_READ(req, cqe.fd);
	if (BPF_CORE_READ(req, flags) & REQ_F_FIXED_FILE_) {
		file = uring_fixed_file(req, (__u32)fd);
		fd = -1;
	} else {
		file = current_fd_file(fd);
	}
	if (lookup_file(file, fd, &w))
		return 0;
	if (op == IORING_OP_SPLICE_) {
		struct io_splice *sp = (struct io_splice *)req;

		report_span(&w, fd, LW_VIA_IO_URING_SPLICE, write_offset(&w, BPF_CORE_READ(sp, off_out), false),
			    BPF_CORE_READ(sp, len));
		return 0;
	}
	{
		struct io_rw *rw = (struct io_rw *)req;
		__u64 addr = BPF_CORE_READ(rw, addr), len = BPF_CORE_READ(rw, len);
		__s64 pos = BPF_CORE_READ(rw, kiocb.ki_pos);
		bool vec = sys == LW_SYS_IO_URING_WRITEV || sys == LW_SYS_IO_URING_WRITEV_FIXED;

		if (!len)
			return 0;
		capture(ctx, &w, fd, sys, write_offset(&w, pos, (BPF_CORE_READ(rw, flags) & RWF_APPEND) != 0),
			vec ? NULL : (const char *)addr, vec ? 0 : len, vec ? (const struct iovec *)addr : NULL,
			vec ? len : 0);
	}
	return 0;
}

#endif
