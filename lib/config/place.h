/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a listener runs, named as its operator names it: the pod's namespace,
 * the pod (a glob, for a Deployment's or StatefulSet's pods), the container,
 * its image (a glob), and the systemd unit (a glob, read from the cgroup
 * path). Shared by
 * exposure.expected, probe.exclude and the ignore file's listeners.
 */
#ifndef LW_PLACE_H
#define LW_PLACE_H

#include <stdbool.h>
#include <stddef.h>

struct yamlcfg;
struct yaml_node_s;

/* What an entry asks for; NULL matches any. */
struct lw_place_want {
	char *namespace;
	char *pod;       /* a glob */
	char *container;
	char *image;     /* a glob; without a registry, Docker Hub's is implied */
	char *unit;      /* a glob */
};

/* Where one listener runs; NULL or "" where not known. */
struct lw_place {
	const char *namespace, *pod, *container, *image, *cgroup;
};

/* True when every field want gives matches; a field not known matches nothing. */
bool place__matches(const struct lw_place_want *want, const struct lw_place *at);
bool place__wants_any(const struct lw_place_want *want);
void place__free(struct lw_place_want *want);

/* The systemd unit a cgroup path names: its last .service or .scope ("" if none). */
void place__unit_of(const char *cgroup, char *out, size_t len);

/* What an entry about a listener must give one of, for its error. */
#define PLACE_ENTRY_FIELDS "process, port, address, namespace, pod, container, image or unit"

/* YAMLCFG_CALL_AT readers of one field into c->member (a char *): a name, or a glob. */
int place__read_name(struct yamlcfg *c, struct yaml_node_s *n);
int place__read_glob(struct yamlcfg *c, struct yaml_node_s *n);

/* The five keys of a struct lw_place_want member of YAMLCFG_TARGET, for its key table. */
#define PLACE_KEYS(member)                                                  \
	YAMLCFG_CALL_AT("namespace", member.namespace, place__read_name),  \
	YAMLCFG_CALL_AT("pod", member.pod, place__read_glob),              \
	YAMLCFG_CALL_AT("container", member.container, place__read_name),  \
	YAMLCFG_CALL_AT("image", member.image, place__read_glob),          \
	YAMLCFG_CALL_AT("unit", member.unit, place__read_glob)

#endif
