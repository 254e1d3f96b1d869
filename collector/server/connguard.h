/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Slow clients must not starve the fleet. libmicrohttpd's idle timeout
 * never fires on a client that sends a byte now and then, so a few hundred
 * such connections could hold every slot. The guard keeps each connection's
 * phase and closes (shutdown(2), which the server's poll loop then sees as
 * EOF) those that miss:
 *   - a deadline for a request's headers: header_timeout after the
 *     connection opened, or after the idle timeout plus header_timeout
 *     since the last answer on a kept-alive connection;
 *   - a minimum body rate, judged once the body has had header_timeout.
 * Each one closed is counted as rejected{reason="slow"}. A connection with
 * bytes waiting unread is left alone: then the server is behind (a worker
 * waiting on the database), not the client.
 *
 * It also marks the connections beyond `reserve_from` as the reserve: the
 * server answers /healthz, /metrics and operators' queries on them, and
 * sends agents away with 503, so that a full house still lets an operator in.
 */
#ifndef COLLECTOR_CONNGUARD_H
#define COLLECTOR_CONNGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/metrics.h"

struct connguard_opts {
	uint64_t header_timeout_ms; /* 0: no deadline */
	uint64_t min_body_rate;     /* bytes per second; 0: none */
	uint64_t idle_ms;           /* the server's idle timeout */
	unsigned reserve_from;      /* connections past this many are the reserve */
};

struct connguard;
struct guarded; /* one connection */

struct connguard *connguard__new(const struct connguard_opts *o, struct metrics *m);
/* The sweeper thread. */
int connguard__start(struct connguard *g);
void connguard__free(struct connguard *g);

/* A connection was accepted (fd); NULL when out of memory: it goes unguarded. */
struct guarded *connguard__opened(struct connguard *g, int fd);
/* It is closed; c is freed. */
void connguard__closed(struct connguard *g, struct guarded *c);
bool connguard__in_reserve(const struct guarded *c);

/* A request's headers are in; body: whether one follows. */
void connguard__headers(struct connguard *g, struct guarded *c, bool body);
void connguard__body(struct connguard *g, struct guarded *c, size_t n);
/* The request was answered; the connection may be kept for the next one. */
void connguard__answered(struct connguard *g, struct guarded *c);

/* Raises the open-files limit to what `want` connections need, as far as
 * the hard limit allows; returns how many fit (logged when fewer). */
unsigned connguard__fit_descriptors(unsigned want);

/* Live connections, and those in the reserve (for tests and logs). */
size_t connguard__count(struct connguard *g);

#endif
