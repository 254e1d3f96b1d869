/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pod and container names without the API server, from what a Kubernetes
 * node keeps on disk: the kubelet's log layout
 *   /var/log/containers/<pod>_<namespace>_<container>-<id>.log
 *   /var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log
 * and, where readable, the CRI runtime's container state (containerd,
 * CRI-O). All paths are under hostfs's root.
 */
#ifndef LW_PODS_H
#define LW_PODS_H

#include <stdbool.h>
#include <stdint.h>

#include "attrib/container.h"

/* What the node's records said about each container, for a minute. No lock:
 * one per thread. */
struct pods;

struct pods *pods__new(void);
void pods__free(struct pods *p);

/* Adds pod name, namespace and container name to c (by c->id or c->pod_uid). */
void pods__enrich(struct pods *p, struct lw_container *c);

/*
 * Is `path` a container's output kept by its runtime (a file under
 * /var/log/pods, or Docker's <id>-json.log)? Then fills c for the container
 * that produced it: the shim or log driver only carried the bytes.
 */
bool pods__log_owner(const char *path, struct lw_container *c);

/* A process running in container `id` (the lowest pid), or 0. */
uint32_t pods__container_pid(const char *id);

#endif
