/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's HTTP status endpoint (default 127.0.0.1:9464):
 *   GET /metrics  Prometheus text exposition (metrics.h)
 *   GET /healthz  200 once the programs are attached and the consumer runs
 *                 (readiness), else 503
 *   GET /livez    200 while the main loop keeps turning (liveness), else 503
 * It serves a snapshot the main loop publishes; it reads nothing else.
 */
#ifndef LW_STATUSD_H
#define LW_STATUSD_H

#include <stdbool.h>

#include "core/metrics.h"

struct statusd;

/* listen: "127.0.0.1:9464", "[::1]:9464", "0.0.0.0:9464". */
int statusd__start(const char *listen, struct statusd **out, char *err, size_t errlen);
void statusd__stop(struct statusd *s);
/* The port bound (listen port 0 lets the kernel choose). */
unsigned statusd__port(const struct statusd *s);

/* From the main loop: the latest counters, whether it is ready, and that it is alive. */
void statusd__publish(struct statusd *s, const struct lw_metrics *m, bool ready);
void statusd__heartbeat(struct statusd *s);

/* Parses "host:port" as statusd__start does (for config checks). */
int statusd__parse_listen(const char *listen, void *sockaddr_storage, unsigned *len);

#endif
