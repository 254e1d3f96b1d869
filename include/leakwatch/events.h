/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Records the kernel programs put on the ring buffer. Shared by bpf/ and
 * agent/, so only fixed-width types appear here, and every struct has a size
 * assertion: if one side changes a layout, both fail to build.
 */
#ifndef LEAKWATCH_EVENTS_H
#define LEAKWATCH_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define LW_COMM_LEN 16
#define LW_ADDR_LEN 16

/* Address families as the kernel numbers them (bpf/ has no <sys/socket.h>). */
#define LW_AF_INET 2
#define LW_AF_INET6 10

/* First field of every record; tells the consumer how to read the rest. */
enum lw_event_kind {
	LW_EVENT_LISTENER = 1,
	LW_EVENT_WRITE = 2, /* bytes written to a watched (or undecided) file */
	LW_EVENT_FILE = 3,  /* first write to a file: its path, for the agent to judge */
	LW_EVENT_SPAN = 4,  /* bytes reached a watched file by a path whose bytes are not copied */
};

enum lw_listener_op {
	LW_LISTENER_OPEN = 1,
	LW_LISTENER_CLOSE = 2,
};

/* Indexes into the per-CPU `drops` array of every program object. */
enum lw_drop_reason {
	LW_DROP_RINGBUF = 0,   /* ring buffer reserve failed */
	LW_DROP_TRUNCATED = 1, /* captured bytes cut at capture.max_bytes */
	LW_DROP_IOV = 2,       /* writev iovecs beyond the bounded count */
	LW_DROP_READ = 3,      /* a kernel or user read failed */
	LW_DROP_UNTRACKED = 4, /* tracking map full: a close may go unseen */
	LW_DROP_MAX = 5,
};

/*
 * How the write programs read a task's descriptor table (the `fd_walk`
 * rodata). The agent loads the fastest the kernel verifies, from the top.
 */
enum lw_fd_walk {
	LW_FD_WALK_HELPERS = 0,  /* bpf_probe_read_kernel all the way */
	LW_FD_WALK_TASK_BTF = 1, /* typed task pointers (5.11+), one read for the slot */
	LW_FD_WALK_CAST = 2,     /* the slot array cast to plain memory too */
};

struct lw_task {
	__u64 ts_ns;     /* CLOCK_BOOTTIME */
	__u64 cgroup_id; /* cgroup v2 id of the task */
	__u32 tgid;
	__u32 pid;
	__u32 uid;
	__u32 gid;
	char comm[LW_COMM_LEN];
};

struct lw_listener_event {
	__u32 kind;      /* LW_EVENT_LISTENER */
	__u8 op;         /* enum lw_listener_op */
	__u8 protocol;   /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 family;     /* LW_AF_INET or LW_AF_INET6 */
	__u8 v6only;     /* AF_INET6 only: IPV6_V6ONLY is set */
	struct lw_task task;
	__u32 netns_ino; /* inode of the socket's network namespace */
	__u16 port;      /* host byte order */
	__u16 pad;
	__u8 addr[LW_ADDR_LEN]; /* network order; AF_INET uses the first 4 */
	__u64 sock_ino;  /* socket inode, as in /proc/PID/fd; 0 when unknown */
	__u64 netns_cookie; /* the namespace's cookie: never reused, unlike its inode; 0 before 5.14 */
};

/* Bytes per write record, and the deepest path a file record spells out. */
#define LW_CHUNK_MAX 4096
#define LW_PATH_DEPTH 32
#define LW_NAME_MAX 256
/* Hard ceilings for the rodata knobs the agent sets. */
#define LW_CAPTURE_MAX (256 * 1024)
#define LW_IOV_MAX 64

/* What the kernel keys a file by: its filesystem's dev_t and inode number. */
struct lw_file_key {
	__u64 dev;  /* kernel dev_t (major << 20 | minor) */
	__u64 ino;
};

/* Value of the `verdicts` map; the agent writes WATCHED or IGNORED. */
enum lw_verdict_state {
	LW_VERDICT_PENDING = 0, /* asked the agent; capture meanwhile */
	LW_VERDICT_WATCHED = 1,
	LW_VERDICT_IGNORED = 2,
};

struct lw_verdict {
	__u32 generation; /* i_generation: an inode number reused later is a new file */
	__u32 state;
};

enum lw_write_syscall {
	LW_SYS_WRITE = 1,
	LW_SYS_WRITEV = 2,
	LW_SYS_PWRITE64 = 3,
	LW_SYS_PWRITEV = 4,
	LW_SYS_PWRITEV2 = 5,
	/* io_uring requests, captured at submission (io_uring:io_uring_submit_req) */
	LW_SYS_IO_URING_WRITE = 6,
	LW_SYS_IO_URING_WRITEV = 7,
	LW_SYS_IO_URING_WRITE_FIXED = 8,
	LW_SYS_IO_URING_WRITEV_FIXED = 9,
	/* bytes read back from the file after an LW_EVENT_SPAN (enum lw_span_via + 16) */
	LW_SYS_READBACK = 16,
};

/*
 * How bytes reached a watched file without passing through a buffer the
 * programs can read: sendfile, splice and copy_file_range move pages, and
 * an mmap store is no call at all. The agent reads the span back from the
 * file once written, or (mmap) counts it.
 */
enum lw_span_via {
	LW_VIA_SENDFILE = 1,
	LW_VIA_SPLICE = 2,
	LW_VIA_COPY_FILE_RANGE = 3,
	LW_VIA_IO_URING_SPLICE = 4,
	LW_VIA_MMAP = 5,         /* a shared writable mapping: stores are not seen */
	LW_VIA_MAX = 6,
};

enum lw_write_flags {
	LW_WRITE_PENDING = 1 << 0,   /* the file had no verdict yet */
	LW_WRITE_TRUNCATED = 1 << 1, /* the syscall wrote more than was captured */
	LW_WRITE_GAP = 1 << 2,       /* bytes before this chunk could not be read */
};

struct lw_write_event {
	__u32 kind;      /* LW_EVENT_WRITE */
	__u8 syscall;    /* enum lw_write_syscall */
	__u8 flags;      /* enum lw_write_flags */
	__u16 len;       /* bytes of data */
	struct lw_task task;
	struct lw_file_key file;
	__u64 offset;    /* file offset of data[0] (the file size for O_APPEND) */
	__s32 fd;
	__u32 seq;       /* chunk index within the syscall */
	char data[LW_CHUNK_MAX];
};

struct lw_span_event {
	__u32 kind;      /* LW_EVENT_SPAN */
	__u8 via;        /* enum lw_span_via */
	__u8 flags;      /* LW_WRITE_PENDING */
	__u16 pad;
	struct lw_task task;
	struct lw_file_key file;
	__u64 offset;    /* file offset of the first byte (the file size for O_APPEND) */
	__u64 len;       /* bytes asked for (mapped, for mmap) */
	__s32 fd;        /* -1 for an io_uring registered file */
	__u32 pad2;
};

struct lw_file_event {
	__u32 kind;      /* LW_EVENT_FILE */
	__u32 depth;     /* names[] slots used, leaf first; empty slots mark mount crossings */
	struct lw_task task;
	struct lw_file_key file;
	__u32 dev;       /* kernel dev_t of the filesystem, as in file.dev */
	__u32 generation;
	__s32 fd;
	__u8 truncated;  /* deeper than LW_PATH_DEPTH: the top is missing */
	__u8 pad[3];
	char names[LW_PATH_DEPTH][LW_NAME_MAX];
};

_Static_assert(sizeof(struct lw_task) == 48, "lw_task layout");
_Static_assert(sizeof(struct lw_file_key) == 16, "lw_file_key layout");
_Static_assert(sizeof(struct lw_verdict) == 8, "lw_verdict layout");
_Static_assert(sizeof(struct lw_write_event) == 88 + LW_CHUNK_MAX, "lw_write_event layout");
_Static_assert(sizeof(struct lw_file_event) == 88 + LW_PATH_DEPTH * LW_NAME_MAX, "lw_file_event layout");
_Static_assert(sizeof(struct lw_listener_event) == 96, "lw_listener_event layout");
_Static_assert(sizeof(struct lw_span_event) == 96, "lw_span_event layout");
#ifndef __VMLINUX_H__
#include <sys/socket.h>
_Static_assert(LW_AF_INET == AF_INET && LW_AF_INET6 == AF_INET6, "the kernel's address families");
#endif

#endif
