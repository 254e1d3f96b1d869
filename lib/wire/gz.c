// SPDX-License-Identifier: Apache-2.0
#include "wire/gz.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int gz__compress(const void *in, size_t len, uint8_t **out, size_t *out_len)
{
	z_stream z;
	size_t cap;
	uint8_t *buf;
	int rc;

	memset(&z, 0, sizeof(z));
	/* 15 window bits + 16: a gzip wrapper, as Content-Encoding: gzip wants */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	cap = deflateBound(&z, (uLong)len);
	buf = malloc(cap);
	if (!buf) {
		deflateEnd(&z);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -EIO;
	}
	*out = buf;
	*out_len = z.total_out;
	return 0;
}

int gz__inflate(const void *in, size_t len, size_t max_out, size_t max_ratio, uint8_t **out,
		size_t *out_len)
{
	size_t limit = max_out, cap = len * 4 + 1024, used = 0;
	uint8_t *buf = NULL;
	z_stream z;
	int rc, err = 0;

	if (max_ratio && len * max_ratio < limit)
		limit = len * max_ratio;
	/* gzip's trailer says the size, modulo 2^32, of what inflates: one buffer
	 * of that size, not a doubling from len * 4 with a copy at each step.
	 * Only a hint: a lie costs a regrowth, or is held to limit as before. */
	if (len >= 18) {
		const uint8_t *t = (const uint8_t *)in + len - 4;
		size_t isize = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;

		if (isize)
			cap = isize + 1; /* + 1: the end is seen without another step */
	}
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	for (;;) {
		uint8_t *grown;

		if (cap > limit + 1)
			cap = limit + 1; /* one byte over says "too big" */
		grown = realloc(buf, cap);
		if (!grown) {
			err = -ENOMEM;
			break;
		}
		buf = grown;
		z.next_out = buf + used;
		z.avail_out = (uInt)(cap - used);
		rc = inflate(&z, Z_NO_FLUSH);
		used = cap - z.avail_out;
		if (used > limit) {
			err = -EFBIG;
			break;
		}
		if (rc == Z_STREAM_END) {
			/* trailing bytes after the gzip member are not a valid body */
			if (z.avail_in)
				err = -EINVAL;
			break;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			err = -EINVAL;
			break;
		}
		if (rc == Z_BUF_ERROR && z.avail_out) {
			err = -EINVAL; /* input ended inside the stream */
			break;
		}
		if (!z.avail_out)
			cap = cap * 2;
	}
	inflateEnd(&z);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*out_len = used;
	return 0;
}
