// SPDX-License-Identifier: Apache-2.0
#include "listeners/lastopen.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/grow.h"
#include "net/addr.h"
#include "os/tmpfile.h"
#include "listeners/service.h"

#define MAGIC "leakwatch-listeners 2"
/* a line saved before the namespace's cookie and name were kept has the first 15 */
#define FIELDS_OLD 15
#define FIELDS 17
#define MAX_LINE 2048

/* A field must not carry the separators. */
static void clean(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src && i + 1 < len && src[i]; i++)
		dst[i] = src[i] == '\t' || src[i] == '\n' || src[i] == ' ' ? '?' : src[i];
	dst[i] = '\0';
}

static void save_one(FILE *f, const struct lw_listener *l)
{
	char addr[LW_ADDR_STRLEN], comm[sizeof(l->proc.comm)], exe[sizeof(l->proc.exe)];
	char name[sizeof(l->netns_name)];

	clean(comm, sizeof(comm), l->proc.comm);
	clean(exe, sizeof(exe), l->proc.exe);
	clean(name, sizeof(name), l->netns_name);
	fprintf(f, "%u\t%u\t%d\t%s\t%u\t%u\t%u\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%" PRIu64 "\t%s\n",
		l->netns_ino, l->protocol, l->v6only, addr__format(&l->addr, addr), l->port, l->proc.tgid,
		l->proc.uid, (int)l->severity, (int)l->exposure.level, l->exposure.wildcard, l->expected,
		l->service.name ? l->service.name : "-", l->service.via ? l->service.via : "-", comm, exe,
		l->netns_cookie, name);
}

struct save {
	FILE *f;
};

static void save_open(void *ctx, struct lw_listener *l)
{
	save_one(((struct save *)ctx)->f, l);
}

int lastopen__save(const char *path, const char *boot_id, uint64_t now_ns, struct socktab *t,
		   const struct lw_listener *carried, size_t n_carried)
{
	char tmp[4096], boot[64];
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
	clean(boot, sizeof(boot), boot_id);
	fprintf(s.f, MAGIC " %s %" PRIu64 "\n", *boot ? boot : "-", now_ns);
	socktab__each(t, save_open, &s);
	for (size_t i = 0; i < n_carried; i++)
		if (!socktab__has(t, &carried[i]))
			save_one(s.f, &carried[i]);
	/* no fsync: after a crash of the host a stale file only means fewer
	 * closes reported, and the agent's loop must not wait on the disk */
	if (fclose(s.f))
		err = -errno;
	return tmpfile__finish(tmp, path, err);
}

static int number(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end || end == s || *s == '-' || *out > max ? -EINVAL : 0;
}

/* One saved line back into a close finding; -EINVAL when damaged. */
static int parse_line(char *line, struct lw_listener *l)
{
	char *field[FIELDS], *rest = line, *tok;
	unsigned long v[11] = { 0 };
	static const unsigned long max[11] = { UINT32_MAX, 255, 1, 0, 65535, UINT32_MAX, UINT32_MAX,
					       LW_SEV_CRITICAL, LW_CLASS_PUBLIC, 1, 1 };
	size_t n = 0;

	line[strcspn(line, "\n")] = '\0';
	/* strsep keeps empty fields: comm and exe may be empty */
	while ((tok = strsep(&rest, "\t")) && n < FIELDS)
		field[n++] = tok;
	if ((n != FIELDS && n != FIELDS_OLD) || tok)
		return -EINVAL;
	for (size_t i = 0; i < 11; i++)
		if (i != 3 && number(field[i], max[i], &v[i]))
			return -EINVAL;
	if ((v[1] != IPPROTO_TCP && v[1] != IPPROTO_UDP) || addr__parse(field[3], &l->addr))
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
	if (strcmp(field[11], "-"))
		service__by_name(field[11], field[12], &l->service);
	snprintf(l->proc.comm, sizeof(l->proc.comm), "%s", field[13]);
	snprintf(l->proc.exe, sizeof(l->proc.exe), "%s", field[14]);
	if (n == FIELDS) {
		char *end;

		errno = 0;
		l->netns_cookie = strtoull(field[15], &end, 10);
		if (errno || *end || end == field[15] || *field[15] == '-')
			return -EINVAL;
		snprintf(l->netns_name, sizeof(l->netns_name), "%s", field[16]);
	}
	l->open = false;
	l->source = "restart";
	return 0;
}

static int push(struct lastopen *lo, const struct lw_listener *l, size_t *cap)
{
	if (grow__reserve((void **)&lo->l, cap, lo->n + 1, sizeof(*lo->l), 32))
		return -ENOMEM;
	lo->l[lo->n++] = *l;
	return 0;
}

int lastopen__load(const char *path, struct lastopen *out)
{
	char line[MAX_LINE], boot[64];
	size_t cap = 0;
	int err = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	if (!fgets(line, sizeof(line), f) ||
	    sscanf(line, MAGIC " %63s %" SCNu64, boot, &out->saved_ns) != 2) {
		err = ferror(f) ? -EIO : -EINVAL;
		fclose(f);
		return err;
	}
	snprintf(out->boot_id, sizeof(out->boot_id), "%s", boot);
	while (!err && fgets(line, sizeof(line), f)) {
		struct lw_listener l = { 0 };

		if (parse_line(line, &l))
			out->skipped++;
		else
			err = push(out, &l, &cap);
	}
	if (!err && ferror(f))
		err = -EIO;
	fclose(f);
	if (err)
		lastopen__free(out);
	return err;
}

void lastopen__free(struct lastopen *lo)
{
	free(lo->l);
	memset(lo, 0, sizeof(*lo));
}
