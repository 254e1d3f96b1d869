/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streaming decompression of the formats logrotate writes: gzip (zlib),
 * zstd (libzstd), xz (liblzma) and bzip2 (libbz2), each by its magic
 * bytes, each across concatenated members (`cat a.gz b.gz`, several xz
 * streams, zstd frames). One interface, so the scan and its bomb limits
 * are the same whatever the format. A whole gzip file that is small enough
 * is inflated in one call instead (unpack__gzip_member).
 */
#ifndef LW_UNPACK_H
#define LW_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum unpack_format { UNPACK_NONE, UNPACK_GZIP, UNPACK_ZSTD, UNPACK_XZ, UNPACK_BZIP2 };

/* The format the first bytes of a file announce, or UNPACK_NONE. */
enum unpack_format unpack__detect(const unsigned char *head, size_t n);
/* "gzip", "zstd", "xz", "bzip2" */
const char *unpack__name(enum unpack_format f);

struct unpack;

/* A decoder for f. -ENOMEM, or -EINVAL for UNPACK_NONE. */
int unpack__open(enum unpack_format f, struct unpack **out);
/*
 * Decodes from *in (advanced past what it used) into out (up to *out_len,
 * set to what it wrote). *at_end says that a member just ended, so the
 * input may stop here without being truncated. 0, or -EINVAL when the
 * data is corrupt, -E2BIG when it needs more memory than a log would
 * (xz past 1 GiB), -ENOMEM.
 */
int unpack__step(struct unpack *u, const uint8_t **in, size_t *in_len, uint8_t *out, size_t *out_len,
		 bool *at_end);
void unpack__close(struct unpack *u);

/*
 * One whole gzip member at the start of in, inflated in one call into out
 * (libdeflate: about twice zlib's speed, but only whole buffer to whole
 * buffer). out_cap is the room, which the member's trailer (ISIZE) tells.
 * 0 with *used, the member's compressed bytes, and *out_len; -EAGAIN when
 * it is not one whole member that fits (corrupt, truncated, larger, or
 * libdeflate missing memory): the caller streams it instead, which also
 * tells where the damage starts.
 */
int unpack__gzip_member(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *used,
			size_t *out_len);

/* Memory kept from file to file for what whole gzip files inflate to. */
struct unpack_buf {
	uint8_t *p;
	size_t cap;
};
void unpack__buf_free(struct unpack_buf *b);
/*
 * A regular gzip file of one member (what logrotate writes) that inflates
 * to at most max_out, inflated whole into b: *out, *out_len. -EAGAIN for
 * any other file (several members, damage, a trailer that does not add up,
 * larger), without moving fd's offset: the caller streams it instead.
 */
int unpack__gzip_file(int fd, size_t max_out, struct unpack_buf *b, const uint8_t **out, size_t *out_len);

#endif
