// SPDX-License-Identifier: Apache-2.0
#include "lastopen.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "service.h"

#define HEADER "leakwatch-listeners 1\n"

/* A field must not carry the separators. */
static void clean(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < len && src[i]; i++)
		dst[i] = src[i] == '\t' || src[i] == '\n' ? '?' : src[i];
	dst[i] = '\0';
}

struct save {
	FILE *f;
};

static void save_one(void *ctx, struct lw_listener *l)
{
	struct save *s = ctx;
	char addr[LW_ADDR_STRLEN], comm[sizeof(l->proc.comm)], exe[sizeof(l->proc.exe)];

	clean(comm, sizeof(comm), l->proc.comm);
	clean(exe, sizeof(exe), l->proc.exe);
	fprintf(s->f, "%u\t%u\t%d\t%s\t%u\t%u\t%u\t%d\t%d\t%d\t%d\t%s\t%s\n", l->netns_ino,
		l->protocol, l->v6only, addr__format(&l->addr, addr), l->port, l->proc.tgid, l->proc.uid,
		(int)l->severity, (int)l->exposure.level, l->exposure.wildcard, l->expected, comm, exe);
}

int lastopen__save(const char *path, struct socktab *t)
{
	char tmp[4096];
	struct save s;
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	s.f = fdopen(fd, "w");
	if (!s.f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	fputs(HEADER, s.f);
	socktab__each(t, save_one, &s);
	/* the rename must not publish a file whose bytes are not on disk */
	if (fflush(s.f) || fsync(fileno(s.f)))
		err = -errno;
	if (fclose(s.f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/* One saved line back into a close finding; -EINVAL when damaged. */
static int parse_line(char *line, struct lw_listener *l)
{
	char *field[13], *rest = line, *tok;
	unsigned long v[11];
	size_t n = 0;

	line[strcspn(line, "\n")] = '\0';
	/* strsep keeps empty fields: comm and exe may be empty */
	while ((tok = strsep(&rest, "\t")) && n < 13)
		field[n++] = tok;
	if (n != 13 || tok)
		return -EINVAL;
	for (size_t i = 0; i < 11; i++) {
		char *end;

		if (i == 3)
			continue;
		errno = 0;
		v[i] = strtoul(field[i], &end, 10);
		if (errno || *end || end == field[i])
			return -EINVAL;
	}
	if ((v[1] != IPPROTO_TCP && v[1] != IPPROTO_UDP) || v[4] > 65535 || v[0] > UINT32_MAX ||
	    v[5] > UINT32_MAX || v[6] > UINT32_MAX || v[7] > LW_SEV_CRITICAL || v[8] > LW_CLASS_PUBLIC ||
	    addr__parse(field[3], &l->addr))
		return -EINVAL;
	l->netns_ino = (uint32_t)v[0];
	l->protocol = (uint8_t)v[1];
	l->v6only = v[2] != 0;
	l->port = (uint16_t)v[4];
	l->proc.tgid = l->proc.pid = (uint32_t)v[5];
	l->proc.uid = (uint32_t)v[6];
	l->severity = (enum lw_severity)v[7];
	l->exposure.level = (enum lw_addr_class)v[8];
	l->exposure.wildcard = v[9] != 0;
	l->expected = v[10] != 0;
	snprintf(l->proc.comm, sizeof(l->proc.comm), "%s", field[11]);
	snprintf(l->proc.exe, sizeof(l->proc.exe), "%s", field[12]);
	return 0;
}

int lastopen__reconcile(const char *path, struct socktab *t, uint64_t now_ns,
			void (*fn)(void *ctx, struct lw_listener *closed), void *ctx, size_t *skipped)
{
	char line[2048];
	int closed = 0;
	FILE *f;

	*skipped = 0;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	if (!fgets(line, sizeof(line), f) || strcmp(line, HEADER)) {
		fclose(f);
		return -EINVAL;
	}
	while (fgets(line, sizeof(line), f)) {
		struct lw_listener l = { 0 };

		if (parse_line(line, &l)) {
			(*skipped)++;
			continue;
		}
		if (socktab__has(t, &l))
			continue;
		l.open = false;
		l.source = "restart";
		l.ts_ns = now_ns;
		service__identify(l.proc.comm, l.proc.exe, "", l.protocol, l.port, &l.service);
		fn(ctx, &l);
		closed++;
	}
	fclose(f);
	return closed;
}
