// SPDX-License-Identifier: Apache-2.0
#include "core/reload.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "detect/scanner.h"

enum job_state { IDLE, RUNNING, DONE };

struct reload {
	const char *file;
	bool file_given;
	bool with_scanner;
	pthread_mutex_t lock;
	pthread_t thread;
	bool joinable;          /* thread ran the job and waits to be joined */
	enum job_state state;   /* under lock */
	bool again;             /* a SIGHUP arrived during the job */
	struct reload_result result;
};

static void *run(void *arg)
{
	struct reload *r = arg;
	struct reload_result *res = &r->result;

	memset(res, 0, sizeof(*res));
	config__defaults(&res->cfg);
	if (config__load(&res->cfg, r->file, r->file_given, res->err, sizeof(res->err)) ||
	    config__load_ignore(&res->cfg, NULL, res->err, sizeof(res->err))) {
		config__free(&res->cfg);
		goto out;
	}
	if (r->with_scanner &&
	    scanner__new(res->cfg.user_rules, res->cfg.n_user_rules, &res->scanner, res->err, sizeof(res->err))) {
		config__free(&res->cfg);
		res->scanner = NULL;
		goto out;
	}
	res->ok = true;
out:
	pthread_mutex_lock(&r->lock);
	r->state = DONE;
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

struct reload *reload__new(const char *file, bool file_given, bool with_scanner)
{
	struct reload *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->file = file;
	r->file_given = file_given;
	r->with_scanner = with_scanner;
	pthread_mutex_init(&r->lock, NULL);
	return r;
}

/* Under lock, with the state IDLE. */
static void start(struct reload *r)
{
	r->state = RUNNING;
	r->joinable = !pthread_create(&r->thread, NULL, run, r);
	if (!r->joinable) {
		/* no thread: the same work, here; a reload is rare */
		pthread_mutex_unlock(&r->lock);
		run(r);
		pthread_mutex_lock(&r->lock);
	}
}

void reload__request(struct reload *r)
{
	pthread_mutex_lock(&r->lock);
	if (r->state == IDLE)
		start(r);
	else
		r->again = true;
	pthread_mutex_unlock(&r->lock);
}

bool reload__poll(struct reload *r, struct reload_result *out)
{
	bool done;

	pthread_mutex_lock(&r->lock);
	done = r->state == DONE;
	pthread_mutex_unlock(&r->lock);
	if (!done)
		return false;
	if (r->joinable)
		pthread_join(r->thread, NULL);
	r->joinable = false;
	*out = r->result;
	memset(&r->result, 0, sizeof(r->result));
	pthread_mutex_lock(&r->lock);
	r->state = IDLE;
	if (r->again) {
		r->again = false;
		start(r);
	}
	pthread_mutex_unlock(&r->lock);
	return true;
}

void reload__free(struct reload *r)
{
	struct reload_result res;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->again = false;
	pthread_mutex_unlock(&r->lock);
	if (r->joinable)
		pthread_join(r->thread, NULL);
	r->joinable = false;
	if (r->state == RUNNING)
		r->state = DONE; /* run() set it already; a job never started has nothing */
	if (reload__poll(r, &res) && res.ok) {
		config__free(&res.cfg);
		scanner__free(res.scanner);
	}
	pthread_mutex_destroy(&r->lock);
	free(r);
}
