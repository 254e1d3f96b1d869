// SPDX-License-Identifier: Apache-2.0
#include "scan/unpack.h"

#include <bzlib.h>
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "wire/gz.h"

#define UNPACK_XZ_MEMLIMIT (1ULL << 30) /* xz -9 needs 65 MiB; a stream asking for more is not a log */

struct unpack {
	enum unpack_format f;
	union {
		z_stream z;
		ZSTD_DStream *zs;
		lzma_stream x;
		bz_stream b;
	};
};

enum unpack_format unpack__detect(const unsigned char *head, size_t n)
{
	static const struct {
		enum unpack_format f;
		unsigned char magic[6];
		size_t len;
	} magics[] = {
		{ UNPACK_GZIP, { 0x1f, 0x8b }, 2 },
		{ UNPACK_ZSTD, { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
		{ UNPACK_XZ, { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6 },
		{ UNPACK_BZIP2, { 'B', 'Z', 'h' }, 3 },
	};

	static const unsigned char bz_block[] = { 0x31, 0x41, 0x59, 0x26, 0x53, 0x59 },
				   bz_end[] = { 0x17, 0x72, 0x45, 0x38, 0x50, 0x90 };

	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		if (n < magics[i].len || memcmp(head, magics[i].magic, magics[i].len))
			continue;
		/* "BZh" starts text too: a block size digit and a block's or the end's magic follow */
		if (magics[i].f == UNPACK_BZIP2 &&
		    (n < 10 || head[3] < '1' || head[3] > '9' ||
		     (memcmp(head + 4, bz_block, 6) && memcmp(head + 4, bz_end, 6))))
			continue;
		return magics[i].f;
	}
	/* a zstd skippable frame first (pzstd writes one): 0x184D2A5? */
	if (n >= 4 && (head[0] & 0xf0) == 0x50 && head[1] == 0x2a && head[2] == 0x4d && head[3] == 0x18)
		return UNPACK_ZSTD;
	return UNPACK_NONE;
}

const char *unpack__name(enum unpack_format f)
{
	switch (f) {
	case UNPACK_GZIP: return "gzip";
	case UNPACK_ZSTD: return "zstd";
	case UNPACK_XZ: return "xz";
	case UNPACK_BZIP2: return "bzip2";
	default: return "none";
	}
}

static int bz_init(struct unpack *u)
{
	memset(&u->b, 0, sizeof(u->b));
	return BZ2_bzDecompressInit(&u->b, 0, 0) == BZ_OK ? 0 : -ENOMEM;
}

int unpack__open(enum unpack_format f, struct unpack **out)
{
	struct unpack *u = calloc(1, sizeof(*u));
	int rc = 0;

	*out = NULL;
	if (!u)
		return -ENOMEM;
	u->f = f;
	switch (f) {
	case UNPACK_GZIP:
		rc = inflateInit2(&u->z, 16 + MAX_WBITS) == Z_OK ? 0 : -ENOMEM;
		break;
	case UNPACK_ZSTD:
		/* --long=31 from a pipe keeps its window in the frame: allow the largest */
		rc = (u->zs = ZSTD_createDStream()) && !ZSTD_isError(ZSTD_initDStream(u->zs)) &&
				     !ZSTD_isError(ZSTD_DCtx_setParameter(u->zs, ZSTD_d_windowLogMax, 31))
			     ? 0
			     : -ENOMEM;
		if (rc)
			ZSTD_freeDStream(u->zs);
		break;
	case UNPACK_XZ:
		u->x = (lzma_stream)LZMA_STREAM_INIT;
		/* CONCATENATED: several streams one after another, as xz writes with -T or cat */
		rc = lzma_stream_decoder(&u->x, UNPACK_XZ_MEMLIMIT, LZMA_CONCATENATED) == LZMA_OK ? 0 : -ENOMEM;
		break;
	case UNPACK_BZIP2:
		rc = bz_init(u);
		break;
	default:
		rc = -EINVAL;
	}
	if (rc) {
		free(u);
		return rc;
	}
	*out = u;
	return 0;
}

static int step_gzip(struct unpack *u, const uint8_t **in, size_t *in_len, uint8_t *out, size_t *out_len,
		     bool *at_end)
{
	int zrc;

	u->z.next_in = (Bytef *)*in;
	u->z.avail_in = (uInt)*in_len;
	u->z.next_out = out;
	u->z.avail_out = (uInt)*out_len;
	zrc = inflate(&u->z, Z_NO_FLUSH);
	*in = u->z.next_in;
	*in_len = u->z.avail_in;
	*out_len -= u->z.avail_out;
	if (zrc == Z_STREAM_END) {
		inflateReset(&u->z); /* the next member, if any */
		*at_end = true;
		return 0;
	}
	*at_end = false;
	return zrc == Z_OK || zrc == Z_BUF_ERROR ? 0 : zrc == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
}

static int step_zstd(struct unpack *u, const uint8_t **in, size_t *in_len, uint8_t *out, size_t *out_len,
		     bool *at_end)
{
	ZSTD_inBuffer ib = { *in, *in_len, 0 };
	ZSTD_outBuffer ob = { out, *out_len, 0 };
	size_t r = ZSTD_decompressStream(u->zs, &ob, &ib);

	*in += ib.pos;
	*in_len -= ib.pos;
	*out_len = ob.pos;
	if (ZSTD_isError(r))
		return ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? -ENOMEM : -EINVAL;
	*at_end = r == 0; /* a frame is complete and flushed */
	return 0;
}

static int step_xz(struct unpack *u, const uint8_t **in, size_t *in_len, uint8_t *out, size_t *out_len,
		   bool *at_end)
{
	lzma_ret r;

	u->x.next_in = *in;
	u->x.avail_in = *in_len;
	u->x.next_out = out;
	u->x.avail_out = *out_len;
	/* LZMA_FINISH once the caller has no more input: it says the file ended */
	r = lzma_code(&u->x, *in_len ? LZMA_RUN : LZMA_FINISH);
	*in = u->x.next_in;
	*in_len = u->x.avail_in;
	*out_len -= u->x.avail_out;
	*at_end = r == LZMA_STREAM_END;
	if (r == LZMA_OK || r == LZMA_STREAM_END || r == LZMA_BUF_ERROR)
		return 0;
	return r == LZMA_MEMLIMIT_ERROR ? -E2BIG : r == LZMA_MEM_ERROR ? -ENOMEM : -EINVAL;
}

static int step_bzip2(struct unpack *u, const uint8_t **in, size_t *in_len, uint8_t *out, size_t *out_len,
		      bool *at_end)
{
	int r;

	u->b.next_in = (char *)*in;
	u->b.avail_in = (unsigned)*in_len;
	u->b.next_out = (char *)out;
	u->b.avail_out = (unsigned)*out_len;
	r = BZ2_bzDecompress(&u->b);
	*in = (const uint8_t *)u->b.next_in;
	*in_len = u->b.avail_in;
	*out_len -= u->b.avail_out;
	*at_end = false;
	if (r == BZ_STREAM_END) {
		/* bzip2 -c a b > ab: streams one after another; start the next */
		BZ2_bzDecompressEnd(&u->b);
		*at_end = true;
		return bz_init(u);
	}
	return r == BZ_OK ? 0 : r == BZ_MEM_ERROR ? -ENOMEM : -EINVAL;
}

int unpack__step(struct unpack *u, const uint8_t **in, size_t *in_len, uint8_t *out, size_t *out_len,
		 bool *at_end)
{
	switch (u->f) {
	case UNPACK_GZIP: return step_gzip(u, in, in_len, out, out_len, at_end);
	case UNPACK_ZSTD: return step_zstd(u, in, in_len, out, out_len, at_end);
	case UNPACK_XZ: return step_xz(u, in, in_len, out, out_len, at_end);
	case UNPACK_BZIP2: return step_bzip2(u, in, in_len, out, out_len, at_end);
	default: return -EINVAL;
	}
}

void unpack__close(struct unpack *u)
{
	if (!u)
		return;
	switch (u->f) {
	case UNPACK_GZIP: inflateEnd(&u->z); break;
	case UNPACK_ZSTD: ZSTD_freeDStream(u->zs); break;
	case UNPACK_XZ: lzma_end(&u->x); break;
	case UNPACK_BZIP2: BZ2_bzDecompressEnd(&u->b); break;
	default: break;
	}
	free(u);
}

int unpack__gzip_member(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *used,
			size_t *out_len)
{
	return gz__inflate_member(in, in_len, out, out_cap, used, out_len) ? -EAGAIN : 0;
}

#define HUGE_PAGE (2U << 20)

void unpack__buf_free(struct unpack_buf *b)
{
	if (b->p)
		munmap(b->p, b->cap);
	b->p = NULL;
	b->cap = 0;
}

/* Room for n bytes in b, in huge pages where the kernel has them: 4 KiB
 * pages fault 512 times as often, and the faults, not the inflating, are
 * then most of the cost. */
static bool buf_room(struct unpack_buf *b, size_t n)
{
	size_t cap = (n + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
	void *m;

	if (n <= b->cap)
		return true;
	unpack__buf_free(b);
	m = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return false;
	madvise(m, cap, MADV_HUGEPAGE); /* a hint; without it, 4 KiB pages */
	b->p = m;
	b->cap = cap;
	return true;
}

int unpack__gzip_file(int fd, size_t max_out, struct unpack_buf *b, const uint8_t **out, size_t *out_len)
{
	size_t size, isize, used = 0;
	uint8_t trailer[4];
	struct stat sb;
	void *in;
	int rc;

	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_size < 18 || (uint64_t)sb.st_size > max_out ||
	    pread(fd, trailer, sizeof(trailer), sb.st_size - 4) != (ssize_t)sizeof(trailer))
		return -EAGAIN;
	size = (size_t)sb.st_size;
	isize = gz__isize(trailer); /* the last member's length, modulo 2^32 */
	if (isize > max_out || !buf_room(b, isize ? isize : 1))
		return -EAGAIN;
	/* the page cache's own pages, mapped at once: no copy, few faults */
	in = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (in == MAP_FAILED)
		return -EAGAIN;
	/* a member shorter than the file is followed by another (a cat of
	 * several), whose length the trailer did not tell: streamed */
	rc = unpack__gzip_member(in, size, b->p, isize, &used, out_len);
	munmap(in, size);
	if (rc || *out_len != isize || used != size)
		return -EAGAIN;
	*out = b->p;
	return 0;
}
