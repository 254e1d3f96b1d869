// SPDX-License-Identifier: Apache-2.0
#include "access/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/hex.h"
#include "os/log.h"

struct auth {
	int refs;
	struct auth_cred *v;
	size_t n;
};

static void free_hosts(char **hosts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(hosts[i]);
	free(hosts);
}

void auth_cred_cfg__free(struct auth_cred_cfg *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].digest_file);
		free_hosts(v[i].hosts, v[i].n_hosts);
	}
	free(v);
}

const char *auth_role__name(unsigned roles)
{
	switch (roles) {
	case AUTH_INGEST: return "ingest";
	case AUTH_OPERATOR: return "operator";
	case AUTH_INGEST | AUTH_OPERATOR: return "ingest and operator";
	default: return "none";
	}
}

int auth_role__parse(const char *s, unsigned *out)
{
	if (!strcmp(s, "ingest"))
		*out = AUTH_INGEST;
	else if (!strcmp(s, "operator"))
		*out = AUTH_OPERATOR;
	else
		return -EINVAL;
	return 0;
}

int auth__parse_digest(const char *text, uint8_t out[TOKEN_DIGEST_LEN])
{
	size_t n;

	if (!strncmp(text, "sha256:", 7))
		text += 7;
	n = strcspn(text, " \t\r\n");
	if (n != 2 * TOKEN_DIGEST_LEN || text[n + strspn(text + n, " \t\r\n")])
		return -EINVAL;
	return hex__decode(text, TOKEN_DIGEST_LEN, out) ? -EINVAL : 0;
}

static int read_digest(const char *path, uint8_t out[TOKEN_DIGEST_LEN], char *err, size_t errlen)
{
	char buf[256];
	struct stat st;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		snprintf(err, errlen, "digest file %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "digest file %s: not a regular file", path);
		return -EINVAL;
	}
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got < 0) {
		snprintf(err, errlen, "digest file %s: %s", path, strerror(errno));
		return -EIO;
	}
	buf[got] = '\0';
	if (auth__parse_digest(buf, out)) {
		/* the content is never echoed: it may be a token put there by mistake */
		snprintf(err, errlen, "digest file %s: expected the token's SHA-256 as 64 hex digits "
			 "(leakwatch-collector token create writes one)", path);
		return -EINVAL;
	}
	return 0;
}

static int copy_cred(struct auth_cred *c, const struct auth_cred_cfg *cfg, char *err, size_t errlen)
{
	snprintf(c->name, sizeof(c->name), "%s", cfg->name);
	c->roles = cfg->roles;
	if (read_digest(cfg->digest_file, c->digest, err, errlen))
		return -EINVAL;
	if (!cfg->n_hosts)
		return 0;
	if (!(c->hosts = calloc(cfg->n_hosts, sizeof(*c->hosts)))) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg->n_hosts; i++) {
		if (!(c->hosts[i] = strdup(cfg->hosts[i]))) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		c->n_hosts++;
	}
	return 0;
}

static void free_set(struct auth *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free_hosts(a->v[i].hosts, a->v[i].n_hosts);
		explicit_bzero(a->v[i].digest, sizeof(a->v[i].digest));
	}
	free(a->v);
	free(a);
}

struct auth *auth__build(const struct auth_cred_cfg *cfg, size_t n, const uint8_t *legacy,
			 const char *legacy_name, char *err, size_t errlen)
{
	struct auth *a = calloc(1, sizeof(*a));

	if (!a || !(a->v = calloc(n + 1, sizeof(*a->v)))) {
		free(a);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->refs = 1;
	for (size_t i = 0; i < n; i++) {
		if (copy_cred(&a->v[a->n], &cfg[i], err, errlen)) {
			a->n++; /* freed with the rest */
			free_set(a);
			return NULL;
		}
		a->n++;
	}
	if (legacy) {
		struct auth_cred *c = &a->v[a->n++];

		snprintf(c->name, sizeof(c->name), "%s", legacy_name);
		c->roles = AUTH_INGEST | AUTH_OPERATOR;
		memcpy(c->digest, legacy, TOKEN_DIGEST_LEN);
	}
	return a;
}

struct auth *auth__ref(struct auth *a)
{
	if (a)
		__atomic_add_fetch(&a->refs, 1, __ATOMIC_RELAXED);
	return a;
}

void auth__unref(struct auth *a)
{
	if (a && __atomic_sub_fetch(&a->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free_set(a);
}

size_t auth__count(const struct auth *a)
{
	return a ? a->n : 0;
}

const struct auth_cred *auth__check(const struct auth *a, const char *authorization)
{
	uint8_t got[TOKEN_DIGEST_LEN];
	const struct auth_cred *match = NULL;
	bool presented = token__presented(authorization, got);

	/* every digest is compared, whichever matches: the time says nothing */
	for (size_t i = 0; a && i < a->n; i++) {
		bool same = token__same(got, a->v[i].digest);

		if (same && presented && !match)
			match = &a->v[i];
	}
	explicit_bzero(got, sizeof(got));
	return match;
}

const struct auth_cred *auth__by_name(const struct auth *a, const char *name)
{
	for (size_t i = 0; a && name && i < a->n; i++)
		if (!strcmp(a->v[i].name, name))
			return &a->v[i];
	return NULL;
}

bool auth__host_allowed(const struct auth_cred *c, const char *hostname)
{
	if (!c->n_hosts)
		return true;
	for (size_t i = 0; hostname && i < c->n_hosts; i++)
		if (!fnmatch(c->hosts[i], hostname, FNM_CASEFOLD)) /* host names have no case */
			return true;
	return false;
}
