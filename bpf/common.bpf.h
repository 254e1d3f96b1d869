/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Maps and helpers every leakwatch program object carries: the ring buffer
 * it reports on, the per-CPU drop counters, and the task header filler.
 * Each *.bpf.c includes this once, so each object gets its own copies.
 */
#ifndef LEAKWATCH_COMMON_BPF_H
#define LEAKWATCH_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "leakwatch/events.h"

#define AF_INET LW_AF_INET
#define AF_INET6 LW_AF_INET6

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Size is set by the agent before load (bpf_map__set_max_entries). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Per-CPU so counting a drop never contends; the agent sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LW_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline void lw_count_drop(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&drops, &reason);

	if (n)
		*n += 1;
}

static __always_inline void lw_fill_task(struct lw_task *t)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();

	t->ts_ns = bpf_ktime_get_boot_ns();
	t->cgroup_id = bpf_get_current_cgroup_id();
	t->tgid = pid_tgid >> 32;
	t->pid = (__u32)pid_tgid;
	t->uid = (__u32)uid_gid;
	t->gid = uid_gid >> 32;
	bpf_get_current_comm(t->comm, sizeof(t->comm));
}

/* The struct file behind a descriptor of the current task, or NULL. */
static __always_inline struct file *lw_fd_file(__s32 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;

	if (!fdt || fd < 0 || (__u32)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
		return NULL;
	return file;
}

#endif
