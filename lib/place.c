// SPDX-License-Identifier: Apache-2.0
#include "place.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yamlcfg.h"

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

bool place__wants_any(const struct lw_place_want *w)
{
	return w->namespace || w->pod || w->container || w->unit;
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
	free(w->unit);
	memset(w, 0, sizeof(*w));
}

/* 253: the longest DNS-1123 name Kubernetes allows, and more than a unit's 256 less ".service". */
static int read_text(struct yamlcfg *c, yaml_node_t *n, bool glob)
{
	char **out = c->member;

	if (yamlcfg__strdup(c, n, out))
		return -1;
	if (!**out || strlen(*out) > 253)
		return yamlcfg__fail(c, "expected 1 to 253 characters%s", glob ? " (a glob)" : "");
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
