/* SPDX-License-Identifier: Apache-2.0 */
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

/* First field of every record; tells the consumer how to read the rest. */
enum lw_event_kind {
	LW_EVENT_LISTENER = 1,
	LW_EVENT_WRITE = 2,
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
	__u8 family;     /* AF_INET or AF_INET6 */
	__u8 v6only;     /* AF_INET6 only: IPV6_V6ONLY is set */
	struct lw_task task;
	__u32 netns_ino; /* inode of the socket's network namespace */
	__u16 port;      /* host byte order */
	__u16 pad;
	__u8 addr[LW_ADDR_LEN]; /* network order; AF_INET uses the first 4 */
	__u64 sock_ino;  /* socket inode, as in /proc/PID/fd; 0 when unknown */
};

_Static_assert(sizeof(struct lw_task) == 48, "lw_task layout");
_Static_assert(sizeof(struct lw_listener_event) == 88, "lw_listener_event layout");

#endif
