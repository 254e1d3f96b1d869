// SPDX-License-Identifier: Apache-2.0
#include "delivery/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include "os/clock.h"
#include "os/log.h"

#define REC_MAGIC 0x3152574cu /* "LWR1" little-endian */
#define SEG_SUFFIX ".seg"

/* On disk before each record; the CRC covers ts_ms and the payload. */
struct rec_hdr {
	uint32_t magic;
	uint32_t len;
	uint32_t crc;
	uint32_t reserved;
	uint64_t ts_ms;
};

struct segment {
	uint64_t id;
	uint64_t size;
	uint64_t records;
	uint64_t first_ms;
};

struct spool {
	pthread_mutex_t lock;
	char dir[512];
	uint64_t max_bytes;
	uint64_t segment_bytes;
	struct segment *segs; /* ascending ids; the last one takes appends */
	size_t n_segs;
	uint64_t next_id;     /* ids only grow, so positions stay ordered */
	int wfd;              /* open on the last segment, or -1 */
	bool dirty;
	int rfd;              /* cached read descriptor */
	uint64_t rseg;
	struct spool_pos acked;
	struct spool_stats st;
};

static uint32_t rec_crc(const struct rec_hdr *h, const void *data, size_t len)
{
	uLong crc = crc32(0L, (const Bytef *)&h->ts_ms, sizeof(h->ts_ms));

	return (uint32_t)crc32(crc, data, (uInt)len);
}

static void seg_path(const struct spool *s, uint64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%016" PRIx64 SEG_SUFFIX, s->dir, id);
}

static int sync_dir(const struct spool *s)
{
	int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

static int read_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ENODATA;
		got += (size_t)n;
	}
	return 0;
}

/*
 * Checks the record at off. 0 and its length when whole and sound;
 * -EBADMSG when damaged; -ENODATA when it runs past `end` (a torn tail).
 */
static int check_record(int fd, uint64_t off, uint64_t end, void *buf, struct rec_hdr *h)
{
	int err;

	if (off + sizeof(*h) > end)
		return -ENODATA;
	err = read_full(fd, h, sizeof(*h), off);
	if (err)
		return err;
	if (h->magic != REC_MAGIC || h->len > SPOOL_MAX_RECORD)
		return -EBADMSG;
	if (off + sizeof(*h) + h->len > end)
		return -ENODATA;
	err = read_full(fd, buf, h->len, off + sizeof(*h));
	if (err)
		return err;
	return rec_crc(h, buf, h->len) == h->crc ? 0 : -EBADMSG;
}

/* The next offset after `off` where a record magic sits, or `end`. */
static uint64_t resync(int fd, uint64_t off, uint64_t end)
{
	uint8_t block[4096];

	for (off++; off + 4 <= end;) {
		size_t want = end - off < sizeof(block) ? (size_t)(end - off) : sizeof(block);
		ssize_t n = pread(fd, block, want, (off_t)off);

		if (n < 4)
			break;
		for (ssize_t i = 0; i + 4 <= n; i++) {
			uint32_t m;

			memcpy(&m, block + i, 4);
			if (m == REC_MAGIC)
				return off + (uint64_t)i;
		}
		off += (uint64_t)n - 3;
	}
	return end;
}

/*
 * The next offset at or after `off` where a whole, sound record starts
 * (magic, length and CRC all check), or `end` if none does. *damaged is how
 * many records the skipped bytes held, as told by the record magics in them
 * (at least one: the record at `off` itself). A length field that is wrong
 * therefore costs its own record, not the rest of the segment.
 */
static uint64_t next_sound(int fd, uint64_t off, uint64_t end, void *buf, uint64_t *damaged)
{
	struct rec_hdr h;
	uint64_t magics = 0, at = off;
	uint32_t m;

	if (pread(fd, &m, sizeof(m), (off_t)off) == (ssize_t)sizeof(m) && m == REC_MAGIC)
		magics++;
	for (;;) {
		at = resync(fd, at, end);
		if (at >= end || !check_record(fd, at, end, buf, &h))
			break;
		magics++;
	}
	*damaged = magics ? magics : 1;
	return at;
}

/*
 * Replays one segment: counts records and steps over damage. Only the last
 * segment can end in a torn record (a crash mid-append); that is cut.
 */
static int replay_segment(struct spool *s, struct segment *seg, bool last, void *buf)
{
	char path[600];
	struct stat st;
	struct rec_hdr h;
	uint64_t off = 0;
	int fd;

	seg_path(s, seg->id, path, sizeof(path));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	while (off < (uint64_t)st.st_size) {
		int err = check_record(fd, off, (uint64_t)st.st_size, buf, &h);
		uint64_t damaged, next;

		if (!err) {
			if (!seg->records++)
				seg->first_ms = h.ts_ms;
			off += sizeof(h) + h.len;
			continue;
		}
		next = next_sound(fd, off, (uint64_t)st.st_size, buf, &damaged);
		if (next >= (uint64_t)st.st_size && last && err == -ENODATA) {
			s->st.dropped_corrupt++;
			log_warn("spool %s: torn record at %" PRIu64 "; truncating", path, off);
			if (ftruncate(fd, (off_t)off) == 0)
				st.st_size = (off_t)off;
			break;
		}
		s->st.dropped_corrupt += damaged;
		log_warn("spool %s: %" PRIu64 " damaged record(s) at %" PRIu64 "; resuming at %" PRIu64, path,
			 damaged, off, next);
		off = next;
	}
	seg->size = (uint64_t)st.st_size;
	fsync(fd);
	close(fd);
	return 0;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int load_segments(struct spool *s)
{
	struct dirent *de;
	DIR *d = opendir(s->dir);
	void *buf;
	int err = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct segment *grown;
		char *end;
		uint64_t id = strtoull(de->d_name, &end, 16);

		if (strlen(de->d_name) != 16 + strlen(SEG_SUFFIX) || strcmp(end, SEG_SUFFIX))
			continue;
		grown = realloc(s->segs, (s->n_segs + 1) * sizeof(*grown));
		if (!grown) {
			err = -ENOMEM;
			break;
		}
		s->segs = grown;
		memset(&s->segs[s->n_segs], 0, sizeof(s->segs[0]));
		s->segs[s->n_segs++].id = id;
	}
	closedir(d);
	if (err)
		return err;
	qsort(s->segs, s->n_segs, sizeof(*s->segs), cmp_seg);
	buf = malloc(SPOOL_MAX_RECORD);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_segs && !err; i++)
		err = replay_segment(s, &s->segs[i], i + 1 == s->n_segs, buf);
	free(buf);
	return err;
}

static void stats_recount(struct spool *s)
{
	s->st.bytes = 0;
	for (size_t i = 0; i < s->n_segs; i++)
		s->st.bytes += s->segs[i].size;
	s->st.segments = s->n_segs;
}

int spool__open(const struct spool_opts *opts, struct spool **out)
{
	struct spool *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	snprintf(s->dir, sizeof(s->dir), "%s", opts->dir);
	s->max_bytes = opts->max_bytes;
	/* several segments must fit, or the size bound would eat the live one */
	s->segment_bytes = opts->segment_bytes < opts->max_bytes / 4 ? opts->segment_bytes : opts->max_bytes / 4;
	if (s->segment_bytes < 4096)
		s->segment_bytes = 4096;
	s->wfd = s->rfd = -1;
	if (mkdir(s->dir, 0700) && errno != EEXIST) {
		err = -errno;
		goto fail;
	}
	err = load_segments(s);
	if (err)
		goto fail;
	for (size_t i = 0; i < s->n_segs; i++)
		s->st.records += s->segs[i].records;
	s->next_id = s->n_segs ? s->segs[s->n_segs - 1].id + 1 : 1;
	if (s->n_segs)
		s->acked = (struct spool_pos){ s->segs[0].id, 0 };
	stats_recount(s);
	*out = s;
	return 0;
fail:
	spool__close(s);
	return err;
}

void spool__close(struct spool *s)
{
	if (!s)
		return;
	if (s->wfd >= 0) {
		fdatasync(s->wfd);
		close(s->wfd);
	}
	if (s->rfd >= 0)
		close(s->rfd);
	free(s->segs);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* Unacknowledged records of seg, found by walking its record headers. */
static uint64_t unacked_in(struct spool *s, const struct segment *seg)
{
	char path[600];
	struct rec_hdr h;
	uint64_t off, n = 0;
	int fd;

	if (seg->id < s->acked.segment)
		return 0;
	off = seg->id == s->acked.segment ? s->acked.offset : 0;
	if (off == 0)
		return seg->records;
	seg_path(s, seg->id, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return seg->records;
	while (off + sizeof(h) <= seg->size && !read_full(fd, &h, sizeof(h), off) && h.magic == REC_MAGIC) {
		n++;
		off += sizeof(h) + h.len;
	}
	close(fd);
	return n;
}

static void drop_first_segment(struct spool *s)
{
	char path[600];
	struct segment *seg = &s->segs[0];

	seg_path(s, seg->id, path, sizeof(path));
	if (s->rfd >= 0 && s->rseg == seg->id) {
		close(s->rfd);
		s->rfd = -1;
	}
	if (s->n_segs == 1 && s->wfd >= 0) {
		close(s->wfd);
		s->wfd = -1;
	}
	unlink(path);
	s->st.records -= seg->records < s->st.records ? seg->records : s->st.records;
	memmove(s->segs, s->segs + 1, (s->n_segs - 1) * sizeof(*s->segs));
	s->n_segs--;
	if (s->n_segs && (s->acked.segment < s->segs[0].id))
		s->acked = (struct spool_pos){ s->segs[0].id, 0 };
	stats_recount(s);
}

/* A new segment to append to; the directory is synced so it survives a crash. */
static int roll(struct spool *s)
{
	uint64_t id = s->next_id++;
	struct segment *grown;
	char path[600];

	if (s->wfd >= 0) {
		fdatasync(s->wfd);
		close(s->wfd);
		s->wfd = -1;
	}
	grown = realloc(s->segs, (s->n_segs + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	s->segs = grown;
	seg_path(s, id, path, sizeof(path));
	s->wfd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (s->wfd < 0)
		return -errno;
	memset(&s->segs[s->n_segs], 0, sizeof(*s->segs));
	s->segs[s->n_segs++].id = id;
	if (s->n_segs == 1)
		s->acked = (struct spool_pos){ id, 0 };
	sync_dir(s);
	stats_recount(s);
	return 0;
}

int spool__append(struct spool *s, const void *data, size_t len)
{
	struct rec_hdr h = { .magic = REC_MAGIC, .len = (uint32_t)len };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)data, len } };
	struct segment *cur;
	ssize_t n;
	int err = 0;

	if (len > SPOOL_MAX_RECORD)
		return -EMSGSIZE;
	h.ts_ms = clock__realtime_ns() / 1000000ULL;
	h.crc = rec_crc(&h, data, len);
	pthread_mutex_lock(&s->lock);
	/* stay under the bound by letting the oldest (unsent) records go */
	while (s->n_segs > 1 && s->st.bytes + sizeof(h) + len > s->max_bytes) {
		s->st.dropped_full += unacked_in(s, &s->segs[0]);
		drop_first_segment(s);
	}
	if (s->wfd < 0 || !s->n_segs || s->segs[s->n_segs - 1].size >= s->segment_bytes)
		err = roll(s);
	if (err)
		goto fail;
	cur = &s->segs[s->n_segs - 1];
	n = writev(s->wfd, iov, 2);
	if (n != (ssize_t)(sizeof(h) + len)) {
		err = n < 0 ? -errno : -ENOSPC;
		/* never leave half a record behind */
		if (ftruncate(s->wfd, (off_t)cur->size))
			log_warn("spool: cannot cut a partial record: %s", strerror(errno));
		goto fail;
	}
	if (!cur->records++)
		cur->first_ms = h.ts_ms;
	cur->size += sizeof(h) + len;
	s->st.bytes += sizeof(h) + len;
	s->st.records++;
	s->st.appended++;
	s->dirty = true;
	pthread_mutex_unlock(&s->lock);
	return 0;
fail:
	s->st.write_errors++;
	pthread_mutex_unlock(&s->lock);
	return err;
}

int spool__sync(struct spool *s)
{
	int err = 0;

	pthread_mutex_lock(&s->lock);
	if (s->dirty && s->wfd >= 0) {
		if (fdatasync(s->wfd))
			err = -errno;
		else
			s->st.syncs++;
		s->dirty = false;
	}
	pthread_mutex_unlock(&s->lock);
	return err;
}

struct spool_pos spool__start(struct spool *s)
{
	struct spool_pos p;

	pthread_mutex_lock(&s->lock);
	p = s->acked;
	pthread_mutex_unlock(&s->lock);
	return p;
}

static const struct segment *find_from(const struct spool *s, uint64_t id)
{
	for (size_t i = 0; i < s->n_segs; i++)
		if (s->segs[i].id >= id)
			return &s->segs[i];
	return NULL;
}

static int read_fd(struct spool *s, uint64_t id)
{
	char path[600];

	if (s->rfd >= 0 && s->rseg == id)
		return s->rfd;
	if (s->rfd >= 0)
		close(s->rfd);
	seg_path(s, id, path, sizeof(path));
	s->rfd = open(path, O_RDONLY | O_CLOEXEC);
	s->rseg = id;
	return s->rfd;
}

int spool__read(struct spool *s, struct spool_pos *cursor, size_t max_records, size_t max_bytes,
		spool_record_fn fn, void *ctx)
{
	void *buf = malloc(SPOOL_MAX_RECORD);
	size_t count = 0, bytes = 0;

	if (!buf)
		return -ENOMEM;
	pthread_mutex_lock(&s->lock);
	while (count < max_records && bytes < max_bytes) {
		const struct segment *seg = find_from(s, cursor->segment);
		struct rec_hdr h;
		int fd, err;

		if (!seg)
			break;
		if (seg->id != cursor->segment)
			*cursor = (struct spool_pos){ seg->id, 0 };
		if (cursor->offset >= seg->size) {
			if (seg == &s->segs[s->n_segs - 1])
				break; /* caught up with the writer */
			*cursor = (struct spool_pos){ seg->id + 1, 0 };
			continue;
		}
		fd = read_fd(s, seg->id);
		if (fd < 0)
			break;
		err = check_record(fd, cursor->offset, seg->size, buf, &h);
		if (err) {
			uint64_t damaged;

			/* damage already counted at replay: step over it */
			cursor->offset = next_sound(fd, cursor->offset, seg->size, buf, &damaged);
			continue;
		}
		cursor->offset += sizeof(h) + h.len;
		count++;
		bytes += h.len;
		if (fn(ctx, buf, h.len, cursor))
			break;
	}
	pthread_mutex_unlock(&s->lock);
	free(buf);
	return (int)count;
}

int spool__ack(struct spool *s, const struct spool_pos *upto)
{
	pthread_mutex_lock(&s->lock);
	if (upto->segment > s->acked.segment ||
	    (upto->segment == s->acked.segment && upto->offset > s->acked.offset)) {
		uint64_t before = s->st.records;

		s->acked = *upto;
		while (s->n_segs) {
			const struct segment *seg = &s->segs[0];
			bool done = seg->id < upto->segment ||
				    (seg->id == upto->segment && upto->offset >= seg->size && seg->size);

			if (!done)
				break;
			/* the live segment is retired too once all of it is delivered,
			 * so that a restart has nothing old to resend */
			drop_first_segment(s);
		}
		s->st.acked += before - s->st.records;
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void spool__stats(struct spool *s, struct spool_stats *out)
{
	pthread_mutex_lock(&s->lock);
	*out = s->st;
	out->oldest_ms = 0;
	for (size_t i = 0; i < s->n_segs; i++) {
		if (s->segs[i].records) {
			out->oldest_ms = s->segs[i].first_ms;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
}
