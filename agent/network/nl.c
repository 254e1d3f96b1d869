// SPDX-License-Identifier: Apache-2.0
#include "network/nl.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

int nl__dump(int fd, struct nlmsghdr *req, nl_msg_fn fn, void *ctx)
{
	static uint32_t seq;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	/* netlink dumps use up to 32 KiB messages; keep the buffer aligned */
	uint64_t buf[32768 / sizeof(uint64_t)];
	int stopped = 0;

	req->nlmsg_seq = ++seq;
	if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;
		int rem;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		rem = (int)n;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)rem); h = NLMSG_NEXT(h, rem)) {
			if (h->nlmsg_seq != req->nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return stopped;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error ? e->error : stopped;
			}
			/* keep reading to the end so the socket stays usable */
			if (!stopped)
				stopped = fn(h, ctx);
		}
	}
}
