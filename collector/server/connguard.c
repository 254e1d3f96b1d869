// SPDX-License-Identifier: Apache-2.0
#include "server/connguard.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "os/clock.h"
#include "os/log.h"

#define SWEEP_MS 250
#define LOG_EVERY_MS 10000

enum phase {
	PHASE_HEADERS,   /* waiting for a request's headers */
	PHASE_BODY,      /* reading its body */
	PHASE_ANSWERING, /* the server has it; no deadline of ours */
};

struct guarded {
	struct guarded *prev, *next;
	int fd;
	struct sockaddr_storage peer; /* to know fd is still this connection */
	socklen_t peer_len;
	enum phase phase;
	uint64_t since_ms;    /* the phase's start */
	uint64_t grace_ms;    /* PHASE_HEADERS: added to the deadline (a kept-alive connection) */
	uint64_t body_bytes;
	bool reserve;
	bool closed_by_us;
};

struct connguard {
	struct connguard_opts o;
	struct metrics *m;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running, stop;
	struct guarded *head;
	size_t count;
	uint64_t slow_since_log, last_log_ms;
};

/*
 * A fleet keeps thousands of mostly idle connections: the descriptor limit
 * is raised to what `want` connections need, as far as the hard limit
 * allows. Returns how many connections fit.
 */
unsigned connguard__fit_descriptors(unsigned want)
{
	const rlim_t spare = 128; /* the database, the log, sinks' sockets */
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return want;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want + spare) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want + spare ? want + spare : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want + spare) {
		unsigned fit = rl.rlim_cur > 2 * spare ? (unsigned)(rl.rlim_cur - spare) : (unsigned)(rl.rlim_cur / 2);

		log_warn("open files are limited to %llu: room for %u connections, not %u (raise LimitNOFILE)",
			 (unsigned long long)rl.rlim_cur, fit, want);
		return fit;
	}
	return want;
}

struct connguard *connguard__new(const struct connguard_opts *o, struct metrics *m)
{
	struct connguard *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->o = *o;
	g->m = m;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->wake, NULL);
	return g;
}

struct guarded *connguard__opened(struct connguard *g, int fd)
{
	struct guarded *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->peer_len = sizeof(c->peer);
	if (getpeername(fd, (struct sockaddr *)&c->peer, &c->peer_len))
		c->peer_len = 0;
	c->phase = PHASE_HEADERS;
	c->since_ms = clock__monotonic_ms();
	pthread_mutex_lock(&g->lock);
	c->reserve = g->count >= g->o.reserve_from;
	c->next = g->head;
	if (g->head)
		g->head->prev = c;
	g->head = c;
	g->count++;
	pthread_mutex_unlock(&g->lock);
	return c;
}

void connguard__closed(struct connguard *g, struct guarded *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		g->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	g->count--;
	pthread_mutex_unlock(&g->lock);
	free(c);
}

bool connguard__in_reserve(const struct guarded *c)
{
	return c && c->reserve;
}

static void set_phase(struct connguard *g, struct guarded *c, enum phase p, uint64_t grace_ms)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	c->phase = p;
	c->since_ms = clock__monotonic_ms();
	c->grace_ms = grace_ms;
	c->body_bytes = 0;
	pthread_mutex_unlock(&g->lock);
}

void connguard__headers(struct connguard *g, struct guarded *c, bool body)
{
	set_phase(g, c, body ? PHASE_BODY : PHASE_ANSWERING, 0);
}

void connguard__body(struct connguard *g, struct guarded *c, size_t n)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	c->body_bytes += n;
	pthread_mutex_unlock(&g->lock);
}

void connguard__answered(struct connguard *g, struct guarded *c)
{
	/* the next request may start as late as the idle timeout allows */
	set_phase(g, c, PHASE_HEADERS, g->o.idle_ms);
}

size_t connguard__count(struct connguard *g)
{
	size_t n;

	pthread_mutex_lock(&g->lock);
	n = g->count;
	pthread_mutex_unlock(&g->lock);
	return n;
}

static bool too_slow(const struct connguard *g, const struct guarded *c, uint64_t now)
{
	/* a phase stamped just after `now` was read has lasted no time at all */
	uint64_t t = g->o.header_timeout_ms, elapsed = now > c->since_ms ? now - c->since_ms : 0;

	switch (c->phase) {
	case PHASE_HEADERS:
		return t && elapsed > c->grace_ms + t;
	case PHASE_BODY:
		/* judged over the whole body so far, once it has had the header time */
		return g->o.min_body_rate && elapsed > (t ? t : 10000) &&
		       c->body_bytes * 1000 < g->o.min_body_rate * elapsed;
	default:
		return false;
	}
}

/* Under the lock, which connguard__closed also takes: fd cannot have been
 * closed and handed to another connection in between, and the peer check
 * holds if a server ever closed before it told. */
static bool cut(struct guarded *c)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);

	int unread = 0;

	if (c->peer_len && (getpeername(c->fd, (struct sockaddr *)&peer, &len) || len != c->peer_len ||
			    memcmp(&peer, &c->peer, len)))
		return false;
	/* bytes the client sent and the server has not read: the server is
	 * behind (a worker waiting on the database), not the client */
	if (!ioctl(c->fd, FIONREAD, &unread) && unread > 0)
		return false;
	return shutdown(c->fd, SHUT_RDWR) == 0;
}

static void sweep(struct connguard *g)
{
	uint64_t now, cut_now = 0;

	pthread_mutex_lock(&g->lock);
	now = clock__monotonic_ms(); /* under the lock: no phase starts after it */
	for (struct guarded *c = g->head; c; c = c->next) {
		if (c->closed_by_us || !too_slow(g, c, now))
			continue;
		if (cut(c)) {
			c->closed_by_us = true;
			cut_now++;
		}
	}
	g->slow_since_log += cut_now;
	if (g->slow_since_log && now - g->last_log_ms >= LOG_EVERY_MS) {
		log_warn("closed %llu slow connection(s): headers not in within %llu ms, or a body under %llu bytes/s",
			 (unsigned long long)g->slow_since_log, (unsigned long long)g->o.header_timeout_ms,
			 (unsigned long long)g->o.min_body_rate);
		g->slow_since_log = 0;
		g->last_log_ms = now;
	}
	pthread_mutex_unlock(&g->lock);
	if (cut_now)
		metrics__reject(g->m, REJECT_SLOW, cut_now);
}

static void *run(void *arg)
{
	struct connguard *g = arg;
	struct timespec until;

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += SWEEP_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->wake, &g->lock, &until);
		if (g->stop)
			break;
		pthread_mutex_unlock(&g->lock);
		sweep(g);
		pthread_mutex_lock(&g->lock);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int connguard__start(struct connguard *g)
{
	int err;

	if (!g->o.header_timeout_ms && !g->o.min_body_rate)
		return 0;
	err = pthread_create(&g->thread, NULL, run, g);
	if (err)
		return -err;
	g->running = true;
	return 0;
}

void connguard__free(struct connguard *g)
{
	if (!g)
		return;
	if (g->running) {
		pthread_mutex_lock(&g->lock);
		g->stop = true;
		pthread_cond_signal(&g->wake);
		pthread_mutex_unlock(&g->lock);
		pthread_join(g->thread, NULL);
	}
	/* the server is stopped first: every connection has been closed */
	while (g->head) {
		struct guarded *c = g->head;

		g->head = c->next;
		free(c);
	}
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->wake);
	free(g);
}
