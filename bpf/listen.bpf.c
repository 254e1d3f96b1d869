/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Listener lifecycle: TCP sockets entering or leaving LISTEN, UDP sockets
 * explicitly bound, and those UDP sockets being released.
 */
#include "common.bpf.h"

#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define TCP_CLOSE 7
#define TCP_LISTEN 10

/* fd passed to bind(), kept from sys_enter to sys_exit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);   /* pid_tgid */
	__type(value, __s32); /* fd */
} bind_args SEC(".maps");

/*
 * UDP sockets reported as bound, keyed by their socket inode, so that only
 * their release is reported, not that of every DNS client socket. The agent
 * adds those its start-up inventory found, by the inode sock_diag gives.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);   /* socket inode */
	__type(value, __u8);
} udp_bound SEC(".maps");

/*
 * Threads whose UDP bind in progress asked for port 0. The kernel then
 * picks a port, as it does for a client socket (a resolver, a QUIC or
 * statsd client): that is no listener. Set by the bind4/6 hooks, which run
 * before the port is chosen; read by post_bind, which runs after, in the
 * same thread and the same call.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);  /* pid_tgid */
	__type(value, __u8);
} ephemeral_bind SEC(".maps");

static __always_inline struct lw_listener_event *reserve_listener(void)
{
	struct lw_listener_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		lw_count_drop(LW_DROP_RINGBUF);
		return NULL;
	}
	e->kind = LW_EVENT_LISTENER;
	e->pad = 0;
	lw_fill_task(&e->task);
	return e;
}

static __always_inline __u8 sk_v6only(const struct sock *sk)
{
	const struct sock_common *skc = &sk->__sk_common;

	return BPF_CORE_READ_BITFIELD_PROBED(skc, skc_ipv6only);
}

/* The socket inode lets the agent match kernel events to sockets it found
 * at start-up; socket_alloc puts the inode right after the socket. */
static __always_inline __u64 sk_inode(const struct sock *sk)
{
	struct socket_alloc *sa = (struct socket_alloc *)BPF_CORE_READ(sk, sk_socket);

	return sa ? BPF_CORE_READ(sa, vfs_inode.i_ino) : 0;
}

/* The namespace's cookie (struct net's net_cookie, kernel 5.14+), or 0. */
static __always_inline __u64 sk_netns_cookie(const struct sock *sk)
{
	struct net *net = BPF_CORE_READ(sk, __sk_common.skc_net.net);
	__u64 cookie = 0;

	if (net && bpf_core_field_exists(net->net_cookie))
		BPF_CORE_READ_INTO(&cookie, net, net_cookie);
	return cookie;
}

SEC("tracepoint/sock/inet_sock_set_state")
int lw_tcp_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	const struct sock *sk = ctx->skaddr;
	struct lw_listener_event *e;
	__u8 op;

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	/* A child socket cloned from a listener for a new connection also
	 * leaves LISTEN, for SYN_RECV; only LISTEN -> CLOSE ends a listener. */
	if (ctx->newstate == TCP_LISTEN)
		op = LW_LISTENER_OPEN;
	else if (ctx->oldstate == TCP_LISTEN && ctx->newstate == TCP_CLOSE)
		op = LW_LISTENER_CLOSE;
	else
		return 0;

	e = reserve_listener();
	if (!e)
		return 0;
	e->op = op;
	e->protocol = IPPROTO_TCP;
	e->family = ctx->family;
	e->port = ctx->sport;
	e->netns_ino = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	e->netns_cookie = sk_netns_cookie(sk);
	e->sock_ino = sk_inode(sk);
	__builtin_memset(e->addr, 0, sizeof(e->addr));
	/* from the socket: the tracepoint's address arrays are not
	 * readable through a moved context pointer */
	if (ctx->family == AF_INET6) {
		BPF_CORE_READ_INTO(&e->addr, sk, __sk_common.skc_v6_rcv_saddr);
		e->v6only = sk_v6only(sk);
	} else {
		BPF_CORE_READ_INTO(&e->addr, sk, __sk_common.skc_rcv_saddr);
		e->v6only = 0;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/*
 * UDP bind. Two ways to see it, and the agent attaches one: the cgroup
 * post_bind hooks on the root cgroup v2 where one is mounted, since they
 * run only on bind; otherwise the bind syscall tracepoints, whose exit half
 * makes every syscall on the host take the traced exit path.
 */
SEC("tracepoint/syscalls/sys_enter_bind")
int lw_bind_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__s32 fd = (__s32)ctx->args[0];
	const void *uaddr = (const void *)ctx->args[1];
	__u16 family = 0, port = 0;

	/* sockaddr_in and sockaddr_in6 both hold the port right after the
	 * family; a bind to port 0 lets the kernel pick one: not a listener */
	if (bpf_probe_read_user(&family, sizeof(family), uaddr) ||
	    bpf_probe_read_user(&port, sizeof(port), (const char *)uaddr + 2))
		return 0;
	if ((family == AF_INET || family == AF_INET6) && !port)
		return 0;
	bpf_map_update_elem(&bind_args, &id, &fd, BPF_ANY);
	return 0;
}

static __always_inline struct sock *sock_of_fd(__s32 fd)
{
	struct file *file = lw_fd_file(fd);
	struct socket *sock;

	if (!file)
		return NULL;
	/* bind() succeeded on this fd, so it is a socket file. */
	sock = BPF_CORE_READ(file, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

/* Fills a listener record from the socket itself: family, address, port. */
static __always_inline void fill_from_sock(struct lw_listener_event *e, struct sock *sk)
{
	e->protocol = IPPROTO_UDP;
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	e->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->netns_ino = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	e->netns_cookie = sk_netns_cookie(sk);
	e->sock_ino = sk_inode(sk);
	__builtin_memset(e->addr, 0, sizeof(e->addr));
	if (e->family == AF_INET6) {
		BPF_CORE_READ_INTO(&e->addr, sk, __sk_common.skc_v6_rcv_saddr);
		e->v6only = sk_v6only(sk);
	} else {
		BPF_CORE_READ_INTO(&e->addr, sk, __sk_common.skc_rcv_saddr);
		e->v6only = 0;
	}
}

/* Remembered so that its release is reported, then reported itself. */
static __always_inline void report_udp_bound(struct sock *sk)
{
	struct lw_listener_event *e;
	__u64 key = sk_inode(sk);
	__u8 one = 1;

	if (key && bpf_map_update_elem(&udp_bound, &key, &one, BPF_ANY))
		lw_count_drop(LW_DROP_UNTRACKED);
	e = reserve_listener();
	if (!e)
		return;
	e->op = LW_LISTENER_OPEN;
	fill_from_sock(e, sk);
	bpf_ringbuf_submit(e, 0);
}

SEC("tracepoint/syscalls/sys_exit_bind")
int lw_bind_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u16 family;
	__s32 *fdp, fd;
	struct sock *sk;

	fdp = bpf_map_lookup_elem(&bind_args, &id);
	if (!fdp)
		return 0;
	fd = *fdp;
	bpf_map_delete_elem(&bind_args, &id);
	if (ctx->ret != 0)
		return 0;

	sk = sock_of_fd(fd);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	report_udp_bound(sk);
	return 0;
}

/* Runs before the kernel picks a port: remembers a UDP bind to port 0. */
static __always_inline void note_bind_request(const struct bpf_sock_addr *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u8 one = 1;

	if (ctx->protocol != IPPROTO_UDP)
		return;
	if (ctx->user_port == 0)
		bpf_map_update_elem(&ephemeral_bind, &id, &one, BPF_ANY);
	else
		bpf_map_delete_elem(&ephemeral_bind, &id);
}

/* Optional: without them (an older kernel), a bind to port 0 is reported
 * with the port the kernel picked. Always allow the bind. */
SEC("cgroup/bind4")
int lw_bind4(struct bpf_sock_addr *ctx)
{
	note_bind_request(ctx);
	return 1;
}

SEC("cgroup/bind6")
int lw_bind6(struct bpf_sock_addr *ctx)
{
	note_bind_request(ctx);
	return 1;
}

/* True when this thread's bind asked for a port; consumes the note. */
static __always_inline bool asked_for_port(void)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (!bpf_map_lookup_elem(&ephemeral_bind, &id))
		return true;
	bpf_map_delete_elem(&ephemeral_bind, &id);
	return false;
}

/*
 * The context of a cgroup sock program is the kernel's struct sock, read
 * as in lw_sock_release. Runs after a successful bind, in the binder's
 * context; always allows it.
 */
SEC("cgroup/post_bind4")
int lw_post_bind4(struct bpf_sock *ctx)
{
	if (ctx->protocol == IPPROTO_UDP && asked_for_port())
		report_udp_bound((struct sock *)ctx);
	return 1;
}

SEC("cgroup/post_bind6")
int lw_post_bind6(struct bpf_sock *ctx)
{
	if (ctx->protocol == IPPROTO_UDP && asked_for_port())
		report_udp_bound((struct sock *)ctx);
	return 1;
}

/*
 * Attached to the root cgroup v2 when one is mounted; without it UDP close
 * goes unreported. The context of a cgroup sock program is the kernel's
 * struct sock: its src_* fields are closed to sock_release programs, so the
 * socket is read like the tracepoints read it (needs CAP_PERFMON, which
 * loading tracepoint programs needs anyway). Always allows the release.
 */
SEC("cgroup/sock_release")
int lw_sock_release(struct bpf_sock *ctx)
{
	struct sock *sk = (struct sock *)ctx;
	struct lw_listener_event *e;
	__u64 key;

	if (ctx->protocol != IPPROTO_UDP)
		return 1;
	key = sk_inode(sk);
	if (!key || !bpf_map_lookup_elem(&udp_bound, &key))
		return 1;
	bpf_map_delete_elem(&udp_bound, &key);

	e = reserve_listener();
	if (!e)
		return 1;
	e->op = LW_LISTENER_CLOSE;
	fill_from_sock(e, sk);
	bpf_ringbuf_submit(e, 0);
	return 1;
}
