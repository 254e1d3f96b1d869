// SPDX-License-Identifier: Apache-2.0
#include "journal/jcursor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os/tmpfile.h"

int jcursor__load(const char *path, char out[JCURSOR_MAX])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, out, JCURSOR_MAX - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	/* a cursor is printable ASCII with no spaces */
	for (const char *p = out; *p; p++)
		if (*p <= ' ' || *p > '~')
			return -EINVAL;
	return out[0] ? 0 : -EINVAL;
}

int jcursor__save(const char *path, const char *cursor)
{
	char tmp[4096];
	size_t n = strlen(cursor);
	int fd, err = 0;

	if (n >= JCURSOR_MAX || snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* no fsync: the loop must not wait on the disk, and after a crash of
	 * the host an older cursor only means a few entries scanned again */
	if (write(fd, cursor, n) != (ssize_t)n || write(fd, "\n", 1) != 1)
		err = errno ? -errno : -EIO;
	if (close(fd) && !err)
		err = -errno;
	return tmpfile__finish(tmp, path, err);
}

static bool hex(const char *s, size_t n, uint64_t *out)
{
	char buf[20], *end;

	if (!n || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*out = strtoull(buf, &end, 16);
	return *end == '\0';
}

bool jcursor__parse(const char *cursor, struct jcursor_pos *out)
{
	const char *p = cursor;

	memset(out, 0, sizeof(*out));
	while (*p) {
		size_t n = strcspn(p, ";");

		if (n > 2 && p[1] == '=') {
			if (p[0] == 's' && n - 2 < sizeof(out->seqnum_id)) {
				memcpy(out->seqnum_id, p + 2, n - 2);
				out->seqnum_id[n - 2] = '\0';
			} else if (p[0] == 'i') {
				out->has_seqnum = hex(p + 2, n - 2, &out->seqnum);
			} else if (p[0] == 't') {
				out->has_realtime = hex(p + 2, n - 2, &out->realtime_us);
			}
		}
		p += n;
		if (*p == ';')
			p++;
	}
	return out->seqnum_id[0] && out->has_seqnum;
}

int64_t jcursor__between(const struct jcursor_pos *a, const struct jcursor_pos *b)
{
	if (!a->has_seqnum || !b->has_seqnum || strcmp(a->seqnum_id, b->seqnum_id) || b->seqnum <= a->seqnum)
		return -1;
	return (int64_t)(b->seqnum - a->seqnum - 1);
}
