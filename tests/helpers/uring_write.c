// SPDX-License-Identifier: Apache-2.0
/*
 * Writes one line to a file through io_uring, for the integration tests:
 *   uring_write MODE FILE TEXT
 * MODE: write, writev, fixed-file (a registered file), fixed-buf
 * (WRITE_FIXED from a registered buffer), sqpoll (a kernel thread submits).
 * Appends TEXT and a newline; prints the file offset it landed at.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static int die(const char *what, int err)
{
	fprintf(stderr, "uring_write: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

int main(int argc, char **argv)
{
	struct io_uring_params p = { 0 };
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct iovec iov[2];
	struct stat st;
	const char *mode;
	char *line;
	size_t n;
	int fd, err;

	if (argc != 4)
		return fprintf(stderr, "usage: uring_write write|writev|fixed-file|fixed-buf|sqpoll FILE TEXT\n"), 2;
	mode = argv[1];
	n = strlen(argv[3]) + 1;
	line = malloc(n + 1);
	if (!line)
		return die("malloc", ENOMEM);
	snprintf(line, n + 1, "%s\n", argv[3]);
	fd = open(argv[2], O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || fstat(fd, &st))
		return die(argv[2], errno);
	if (!strcmp(mode, "sqpoll"))
		p.flags = IORING_SETUP_SQPOLL;
	err = io_uring_queue_init_params(8, &ring, &p);
	if (err)
		return die("io_uring_queue_init", err);
	sqe = io_uring_get_sqe(&ring);
	if (!strcmp(mode, "writev")) {
		iov[0].iov_base = line;
		iov[0].iov_len = n / 2;
		iov[1].iov_base = line + n / 2;
		iov[1].iov_len = n - n / 2;
		io_uring_prep_writev(sqe, fd, iov, 2, (unsigned long long)st.st_size);
	} else if (!strcmp(mode, "fixed-file")) {
		err = io_uring_register_files(&ring, &fd, 1);
		if (err)
			return die("io_uring_register_files", err);
		io_uring_prep_write(sqe, 0, line, (unsigned)n, (unsigned long long)st.st_size);
		sqe->flags |= IOSQE_FIXED_FILE;
	} else if (!strcmp(mode, "fixed-buf")) {
		iov[0].iov_base = line;
		iov[0].iov_len = n;
		err = io_uring_register_buffers(&ring, iov, 1);
		if (err)
			return die("io_uring_register_buffers", err);
		io_uring_prep_write_fixed(sqe, fd, line, (unsigned)n, (unsigned long long)st.st_size, 0);
	} else if (!strcmp(mode, "write") || !strcmp(mode, "sqpoll")) {
		io_uring_prep_write(sqe, fd, line, (unsigned)n, (unsigned long long)st.st_size);
	} else {
		return die(mode, EINVAL);
	}
	err = io_uring_submit(&ring);
	if (err < 0)
		return die("io_uring_submit", err);
	err = io_uring_wait_cqe(&ring, &cqe);
	if (err)
		return die("io_uring_wait_cqe", err);
	if (cqe->res < 0)
		return die("write", cqe->res);
	io_uring_cqe_seen(&ring, cqe);
	printf("%lld\n", (long long)st.st_size);
	io_uring_queue_exit(&ring);
	close(fd);
	free(line);
	return 0;
}
