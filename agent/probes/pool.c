// SPDX-License-Identifier: Apache-2.0
#include "probes/pool.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "network/netns.h"
#include "probes/runner.h"

struct job_node {
	struct probe_job job;
	struct job_node *next;
};

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t work;   /* a job came, or stopping */
	pthread_cond_t idle;   /* a job finished */
	struct job_node *head, *tail;
	size_t queued, running;
	struct probe_result *done;
	size_t n_done, cap_done;
	bool stopping;
	pthread_t *threads;
	unsigned n_threads;
};

/* The candidates in order, until one recognises its protocol. */
static void run_job(const struct probe_job *j, struct lw_auth *auth)
{
	char path[LW_NETNS_PATH_LEN];
	struct probe_target t = {
		.addr = j->addr,
		.port = j->port,
		.protocol = j->protocol,
		.timeout_ms = j->timeout_ms,
	};
	int err;

	memset(auth, 0, sizeof(*auth));
	if (j->netns_ino) {
		if ((err = netns__find(j->netns_ino, j->pid_hint, path))) {
			auth->state = LW_AUTH_UNKNOWN;
			snprintf(auth->evidence, sizeof(auth->evidence), "network namespace gone: %s",
				 strerror(-err));
			return;
		}
		t.ns_path = path;
	}
	for (size_t i = 0; i < j->n_probes; i++) {
		struct lw_auth a;
		bool refuted = i && auth->refuted;

		runner__run(j->probes[i], &t, &a);
		if (a.protocol[0] || a.state != LW_AUTH_UNKNOWN) {
			*auth = a;
			break;
		}
		/* none recognised: the first one's account, refuted if any got a word */
		if (i == 0)
			*auth = a;
		auth->refuted = refuted || a.refuted;
	}
}

static void finish(struct pool *p, const struct probe_job *j, const struct lw_auth *auth)
{
	pthread_mutex_lock(&p->lock);
	p->running--;
	/* room was made when the job was queued: a verdict is never lost */
	memcpy(p->done[p->n_done].key, j->key, LW_POOL_KEY);
	p->done[p->n_done++].auth = *auth;
	pthread_cond_broadcast(&p->idle);
	pthread_mutex_unlock(&p->lock);
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	sigset_t all;

	/* SIGINT, SIGTERM and SIGHUP are the main loop's to take */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	for (;;) {
		struct job_node *n;
		struct lw_auth auth;

		pthread_mutex_lock(&p->lock);
		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stopping) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		n = p->head;
		p->head = n->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		p->running++;
		pthread_mutex_unlock(&p->lock);

		run_job(&n->job, &auth);
		finish(p, &n->job, &auth);
		free(n);
	}
}

struct pool *pool__new(unsigned threads)
{
	struct pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	p->threads = calloc(threads ? threads : 1, sizeof(*p->threads));
	for (unsigned i = 0; p->threads && i < threads; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p))
			break;
		p->n_threads++;
	}
	if (!p->n_threads) {
		pool__free(p);
		return NULL;
	}
	return p;
}

void pool__free(struct pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	while (p->head) {
		struct job_node *n = p->head;

		p->head = n->next;
		free(n);
	}
	free(p->threads);
	free(p->done);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->idle);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

int pool__submit(struct pool *p, const struct probe_job *j)
{
	struct job_node *n = malloc(sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->job = *j;
	n->next = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->n_done + p->queued + p->running + 1 > p->cap_done) {
		size_t cap = (p->n_done + p->queued + p->running + 1) * 2;
		struct probe_result *grown = realloc(p->done, cap * sizeof(*grown));

		if (!grown) {
			pthread_mutex_unlock(&p->lock);
			free(n);
			return -ENOMEM;
		}
		p->done = grown;
		p->cap_done = cap;
	}
	if (p->tail)
		p->tail->next = n;
	else
		p->head = n;
	p->tail = n;
	p->queued++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

size_t pool__drain(struct pool *p, void (*fn)(void *ctx, const struct probe_result *r), void *ctx)
{
	struct probe_result *done;
	size_t n;

	pthread_mutex_lock(&p->lock);
	n = p->n_done;
	done = n ? malloc(n * sizeof(*done)) : NULL;
	if (done) {
		memcpy(done, p->done, n * sizeof(*done));
		p->n_done = 0;
	} else {
		n = 0; /* stay queued for the next drain */
	}
	pthread_mutex_unlock(&p->lock);
	for (size_t i = 0; i < n; i++)
		fn(ctx, &done[i]);
	free(done);
	return n;
}

size_t pool__busy(struct pool *p)
{
	size_t n;

	pthread_mutex_lock(&p->lock);
	n = p->queued + p->running;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void pool__wait(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	while (p->queued + p->running)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
}
