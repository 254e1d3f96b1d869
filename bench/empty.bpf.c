/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The baseline for the write-path benchmark: programs on the same
 * tracepoints as bpf/write.bpf.c that do nothing, so the figures separate
 * what any tracepoint program costs from what leakwatch adds.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tracepoint/syscalls/sys_enter_write")
int bench_write(void *ctx __attribute__((unused))) { return 0; }

SEC("tracepoint/syscalls/sys_enter_writev")
int bench_writev(void *ctx __attribute__((unused))) { return 0; }

SEC("tracepoint/syscalls/sys_enter_pwrite64")
int bench_pwrite64(void *ctx __attribute__((unused))) { return 0; }

SEC("tracepoint/syscalls/sys_enter_pwritev")
int bench_pwritev(void *ctx __attribute__((unused))) { return 0; }

SEC("tracepoint/syscalls/sys_enter_pwritev2")
int bench_pwritev2(void *ctx __attribute__((unused))) { return 0; }
