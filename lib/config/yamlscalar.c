// SPDX-License-Identifier: Apache-2.0
/* The scalar readers of yamlcfg.h: strings, booleans, numbers, durations,
 * sizes and words, each failing with the key's path and the form expected. */
#include "config/yamlcfg.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *yamlcfg__path_or(const char *path, const char *dir, const char *name, char *buf, size_t len)
{
	if (path)
		return path;
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

int yamlcfg__str(struct yamlcfg *c, yaml_node_t *n, const char **out)
{
	const char *s = n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;

	if (!s)
		return yamlcfg__fail(c, "expected a single value");
	*out = s;
	return 0;
}

int yamlcfg__strdup(struct yamlcfg *c, yaml_node_t *n, char **out)
{
	const char *s = NULL;
	char *copy;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	copy = strdup(s);
	if (!copy)
		return yamlcfg__fail(c, "out of memory");
	free(*out);
	*out = copy;
	return 0;
}

int yamlcfg__bool(struct yamlcfg *c, yaml_node_t *n, bool *out)
{
	const char *s = NULL;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))
		*out = true;
	else if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))
		*out = false;
	else
		return yamlcfg__fail(c, "expected true or false, got \"%s\"", s);
	return 0;
}

static int parse_u64(const char *s, uint64_t *out, char **rest)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	*out = v;
	*rest = end;
	return 0;
}

int yamlcfg__uint(struct yamlcfg *c, yaml_node_t *n, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *s = NULL;
	char *rest;
	uint64_t v;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (parse_u64(s, &v, &rest) || *rest)
		return yamlcfg__fail(c, "expected a whole number, got \"%s\"", s);
	if (v < min || v > max)
		return yamlcfg__fail(c, "%" PRIu64 " is outside %" PRIu64 "..%" PRIu64, v, min, max);
	*out = v;
	return 0;
}

struct unit {
	const char *suffix;
	uint64_t mult;
};

static int parse_with_units(const char *s, const struct unit *units, uint64_t bare, uint64_t *out)
{
	char *rest;
	uint64_t v;

	if (parse_u64(s, &v, &rest))
		return -EINVAL;
	if (!*rest) {
		*out = v * bare;
		return v && *out / v != bare ? -ERANGE : 0;
	}
	for (; units->suffix; units++) {
		if (!strcmp(rest, units->suffix)) {
			if (v && (v * units->mult) / v != units->mult)
				return -ERANGE;
			*out = v * units->mult;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_duration_ms(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 }, { 0 },
	};
	return parse_with_units(s, units, 1000, out);
}

int parse_size(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{ "B", 1 }, { "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 }, { "GiB", 1ULL << 30 },
		{ "K", 1ULL << 10 }, { "M", 1ULL << 20 }, { "G", 1ULL << 30 }, { 0 },
	};
	return parse_with_units(s, units, 1, out);
}

/* A number with units: what it looks like, and how its range is written. */
struct measure {
	int (*parse)(const char *s, uint64_t *out);
	const char *example; /* "a duration such as 500ms, ..." */
	const char *each;    /* after each bound: "ms" */
	const char *after;   /* after the range: " bytes" */
};

static int measured(struct yamlcfg *c, yaml_node_t *n, const struct measure *m, uint64_t min,
		    uint64_t max, uint64_t *out)
{
	const char *s = NULL;
	uint64_t v;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	if (m->parse(s, &v))
		return yamlcfg__fail(c, "expected %s, got \"%s\"", m->example, s);
	if (v < min || v > max)
		return yamlcfg__fail(c, "\"%s\" is outside %" PRIu64 "%s..%" PRIu64 "%s%s", s, min, m->each, max,
				     m->each, m->after);
	*out = v;
	return 0;
}

int yamlcfg__duration_ms(struct yamlcfg *c, yaml_node_t *n, uint64_t min_ms, uint64_t max_ms,
			 uint64_t *out)
{
	static const struct measure m = { parse_duration_ms, "a duration such as 500ms, 5s, 2m or 1h", "ms", "" };

	return measured(c, n, &m, min_ms, max_ms, out);
}

int yamlcfg__size(struct yamlcfg *c, yaml_node_t *n, uint64_t min, uint64_t max, uint64_t *out)
{
	static const struct measure m = { parse_size, "a size such as 4096, 64KiB or 8MiB", "", " bytes" };

	return measured(c, n, &m, min, max, out);
}

int yamlcfg__word(struct yamlcfg *c, yaml_node_t *n, const char *const *words, size_t count,
		  unsigned *index)
{
	char expected[256];
	const char *s = NULL;
	size_t len = 0;

	if (yamlcfg__str(c, n, &s))
		return -EINVAL;
	for (size_t i = 0; i < count; i++) {
		if (!strcmp(s, words[i])) {
			*index = (unsigned)i;
			return 0;
		}
	}
	expected[0] = '\0';
	for (size_t i = 0; i < count && len < sizeof(expected); i++)
		len += (size_t)snprintf(expected + len, sizeof(expected) - len, "%s%s",
					i == 0 ? "" : i + 1 == count ? " or " : ", ", words[i]);
	return yamlcfg__fail(c, "expected %s, got \"%s\"", expected, s);
}

int yamlcfg__port(struct yamlcfg *c, yaml_node_t *n, uint16_t *out)
{
	uint64_t v;

	if (yamlcfg__uint(c, n, 1, 65535, &v))
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int yamlcfg__protocol(struct yamlcfg *c, yaml_node_t *n, uint8_t *out)
{
	static const char *const names[] = { "tcp", "udp" };
	unsigned i;

	if (yamlcfg__word(c, n, names, 2, &i))
		return -EINVAL;
	*out = i ? IPPROTO_UDP : IPPROTO_TCP;
	return 0;
}
