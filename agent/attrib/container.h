/* SPDX-License-Identifier: Apache-2.0 */
/* Container id, runtime and pod UID from a process's cgroup path. */
#ifndef LW_CONTAINER_H
#define LW_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>

#include "config/place.h"

#define LW_CONTAINER_ID_LEN 64
#define LW_POD_UID_LEN 36

struct lw_container {
	char id[LW_CONTAINER_ID_LEN + 1]; /* "" when not in a container */
	char runtime[16];                 /* docker, containerd, cri-o, podman, cri */
	char pod_uid[LW_POD_UID_LEN + 1]; /* "" outside Kubernetes */
	char cgroup[256];                 /* the path the answer came from */
	/* from the node's own records (pods.h), when it keeps them */
	char pod_name[254];
	char pod_namespace[64];
	char container_name[64];
	char image[256];                  /* as the runtime records it: docker.io/library/redis:7 */
};

/* Its pod, container and cgroup, as an expected or ignore entry names them. */
static inline struct lw_place container__place(const struct lw_container *c)
{
	return (struct lw_place){ .namespace = c->pod_namespace, .pod = c->pod_name,
				  .container = c->container_name, .image = c->image, .cgroup = c->cgroup };
}

/* Parses one cgroup path, e.g. "/kubepods/burstable/pod<uid>/<id>". */
bool container__parse_path(const char *path, struct lw_container *out);
/* Reads /proc/PID/cgroup (under hostfs) and parses the most telling line. */
int container__of_pid(uint32_t pid, struct lw_container *out);

#endif
