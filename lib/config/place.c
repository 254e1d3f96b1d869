// SPDX-License-Identifier: Apache-2.0
#include "config/place.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/yamlcfg.h"

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n > k && !strncmp(s + n - k, suffix, k);
}

void place__unit_of(const char *cgroup, char *out, size_t len)
{
	const char *p = cgroup, *best = NULL;
	size_t best_len = 0;

	out[0] = '\0';
	while (p && *p) {
		const char *seg = p + (*p == '/');
		size_t n;

		p = strchr(seg, '/');
		n = p ? (size_t)(p - seg) : strlen(seg);
		/* the innermost wins: a service's own sub-cgroups keep its name further up */
		if (ends_with(seg, n, ".service") || ends_with(seg, n, ".scope")) {
			best = seg;
			best_len = n;
		}
	}
	if (best && best_len < len)
		snprintf(out, len, "%.*s", (int)best_len, best);
}

static bool known(const char *s)
{
	return s && *s;
}

/*
 * An image as an operator writes it: "redis:7", "bitnami/redis:*" or
 * "registry.example.com/team/api@sha256:...". A name without a registry is
 * Docker Hub's, as docker pull reads it, so "redis:*" matches
 * "docker.io/library/redis:7". A pattern without a tag or digest matches
 * every tag and digest of that repository.
 */
static bool image_matches(const char *want, const char *image)
{
	static const char *const hub[] = { "docker.io/library/", "docker.io/", "index.docker.io/library/",
					   "index.docker.io/" };
	const char *names[1 + sizeof(hub) / sizeof(hub[0])];
	const char *slash = strrchr(want, '/');
	bool tagged = strchr(slash ? slash : want, ':') || strchr(want, '@');
	size_t n = 0;

	names[n++] = image;
	for (size_t i = 0; i < sizeof(hub) / sizeof(hub[0]); i++)
		if (!strncmp(image, hub[i], strlen(hub[i])))
			names[n++] = image + strlen(hub[i]);
	for (size_t i = 0; i < n; i++) {
		char repo[512];
		const char *s = strrchr(names[i], '/'), *tag;

		if (!fnmatch(want, names[i], 0))
			return true;
		if (tagged)
			continue;
		/* the repository alone: up to the tag (after the last /) or the digest */
		tag = strchr(names[i], '@');
		if (!tag)
			tag = strchr(s ? s : names[i], ':');
		if (tag && (size_t)(tag - names[i]) < sizeof(repo)) {
			snprintf(repo, sizeof(repo), "%.*s", (int)(tag - names[i]), names[i]);
			if (!fnmatch(want, repo, 0))
				return true;
		}
	}
	return false;
}

bool place__wants_any(const struct lw_place_want *w)
{
	return w->namespace || w->pod || w->container || w->image || w->unit;
}

bool place__matches(const struct lw_place_want *w, const struct lw_place *at)
{
	char unit[256];

	if (!place__wants_any(w))
		return true;
	if (!at)
		return false;
	if (w->namespace && (!known(at->namespace) || strcmp(w->namespace, at->namespace)))
		return false;
	if (w->pod && (!known(at->pod) || fnmatch(w->pod, at->pod, 0)))
		return false;
	if (w->container && (!known(at->container) || strcmp(w->container, at->container)))
		return false;
	if (w->image && (!known(at->image) || !image_matches(w->image, at->image)))
		return false;
	if (w->unit) {
		place__unit_of(at->cgroup, unit, sizeof(unit));
		return unit[0] && !fnmatch(w->unit, unit, 0);
	}
	return true;
}

void place__free(struct lw_place_want *w)
{
	free(w->namespace);
	free(w->pod);
	free(w->container);
	free(w->image);
	free(w->unit);
	memset(w, 0, sizeof(*w));
}

/* A name: at most 253, the longest DNS-1123 name Kubernetes allows. A glob
 * may name an image, registry, path, tag and digest together. */
static int read_text(struct yamlcfg *c, yaml_node_t *n, bool glob)
{
	char **out = c->member;
	size_t max = glob ? 512 : 253;

	if (yamlcfg__strdup(c, n, out))
		return -1;
	if (!**out || strlen(*out) > max)
		return yamlcfg__fail(c, "expected 1 to %zu characters%s", max, glob ? " (a glob)" : "");
	return 0;
}

int place__read_name(struct yamlcfg *c, yaml_node_t *n)
{
	return read_text(c, n, false);
}

int place__read_glob(struct yamlcfg *c, yaml_node_t *n)
{
	return read_text(c, n, true);
}
