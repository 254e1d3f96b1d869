// SPDX-License-Identifier: Apache-2.0
#include "os/random.h"

#include <errno.h>
#include <stdint.h>
#include <sys/random.h>

int random__fill(void *buf, size_t n)
{
	uint8_t *p = buf;
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(p + got, n - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)r;
	}
	return 0;
}
