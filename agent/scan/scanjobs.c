// SPDX-License-Identifier: Apache-2.0
#include "scan/scanjobs.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/scanner.h"
#include "os/log.h"

int scanjobs__add(struct scan_list *l, const char *path)
{
	char *copy;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		char **v = realloc(l->paths, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->paths = v;
		l->cap = cap;
	}
	if (!(copy = strdup(path)))
		return -ENOMEM;
	l->paths[l->n++] = copy;
	return 0;
}

void scanjobs__free(struct scan_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->paths[i]);
	free(l->paths);
	memset(l, 0, sizeof(*l));
}

struct run {
	const struct scan_list *list;
	struct scan_out *outs;
	bool *done;
	size_t next;                /* the next file a worker takes */
	uint64_t bytes;             /* read so far by every worker, for the progress line */
	pthread_mutex_t lock;
	pthread_cond_t ready;       /* a file is done */
};

struct worker {
	struct run *run;
	struct scan sc;             /* its own scanner and blocks; the report only for the baseline */
	pthread_t thread;
	bool started;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->run;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&r->lock);
		i = r->next++;
		pthread_mutex_unlock(&r->lock);
		if (i >= r->list->n)
			break;
		uint64_t before = w->sc.bytes;

		w->sc.out = &r->outs[i];
		w->sc.out->msg = open_memstream(&w->sc.out->msgs, &w->sc.out->msgs_len);
		if (w->sc.out->msg) {
			scanfile__any(&w->sc, r->list->paths[i]);
			fclose(w->sc.out->msg);
		} else {
			w->sc.out->failed = true;
		}
		w->sc.out->msg = NULL;
		w->sc.out = NULL;
		__atomic_add_fetch(&r->bytes, w->sc.bytes - before, __ATOMIC_RELAXED);
		pthread_mutex_lock(&r->lock);
		r->done[i] = true;
		pthread_cond_broadcast(&r->ready);
		pthread_mutex_unlock(&r->lock);
	}
	return NULL;
}

/* A worker: sc's settings, its own scanner and blocks, tallies from zero. */
static int worker_init(struct worker *w, struct run *r, const struct scan *sc, const struct lw_config *cfg,
		       const struct scanner_opts *opts)
{
	struct scanner_opts own = *opts;
	char err[512];

	/* the main thread's scanner has these rules: one database for all */
	own.same_rules_as = sc->sc;
	w->run = r;
	w->sc = *sc;
	w->sc.sc = NULL;
	w->sc.progress = false;
	memset(w->sc.blk, 0, sizeof(w->sc.blk));
	w->sc.found = w->sc.files = w->sc.skipped = 0;
	w->sc.bytes = 0;
	w->sc.errors = 0;
	w->sc.report.in_baseline = 0;
	if (scanner__new_opts(cfg->user_rules, cfg->n_user_rules, &own, &w->sc.sc, err, sizeof(err))) {
		log_error("scanner: %s", err);
		return -EINVAL;
	}
	if (scanfile__init(&w->sc)) {
		scanner__free(w->sc.sc);
		scanfile__fini(&w->sc);
		return -ENOMEM;
	}
	return 0;
}

/* File i's turn: its messages, then its findings, into sc's report. Returns how many. */
static size_t emit(struct scan *sc, struct scan_out *o)
{
	size_t n = o->n;

	if (o->msgs_len)
		fwrite(o->msgs, 1, o->msgs_len, stderr);
	for (size_t i = 0; i < o->n; i++)
		scanreport__finding(&sc->report, &o->v[i]);
	if (o->failed) {
		fprintf(stderr, "leakwatch: error: out of memory holding a file's findings\n");
		sc->errors++;
	}
	scanfile__out_free(o);
	return n;
}

int scanjobs__run(struct scan *sc, const struct scan_list *l, unsigned jobs, const struct lw_config *cfg,
		  const struct scanner_opts *opts)
{
	struct run r = { .list = l };
	struct worker *ws;
	unsigned started = 0;
	size_t found = 0;

	if (!l->n)
		return 0;
	if (jobs > l->n)
		jobs = (unsigned)l->n;
	r.outs = calloc(l->n, sizeof(*r.outs));
	r.done = calloc(l->n, sizeof(*r.done));
	ws = calloc(jobs, sizeof(*ws));
	if (!r.outs || !r.done || !ws) {
		free(r.outs);
		free(r.done);
		free(ws);
		return -ENOMEM;
	}
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.ready, NULL);
	for (unsigned j = 0; j < jobs; j++) {
		if (worker_init(&ws[j], &r, sc, cfg, opts))
			break;
		if (pthread_create(&ws[j].thread, NULL, work, &ws[j])) {
			scanner__free(ws[j].sc.sc);
			scanfile__fini(&ws[j].sc);
			break;
		}
		ws[j].started = true;
		started++;
	}
	if (started) {
		for (size_t i = 0; i < l->n; i++) {
			pthread_mutex_lock(&r.lock);
			while (!r.done[i])
				pthread_cond_wait(&r.ready, &r.lock);
			pthread_mutex_unlock(&r.lock);
			found += emit(sc, &r.outs[i]);
			scanfile__progress(sc, i + 1, __atomic_load_n(&r.bytes, __ATOMIC_RELAXED), found);
		}
	}
	for (unsigned j = 0; j < jobs; j++) {
		if (!ws[j].started)
			continue;
		pthread_join(ws[j].thread, NULL);
		sc->found += ws[j].sc.found;
		sc->files += ws[j].sc.files;
		sc->skipped += ws[j].sc.skipped;
		sc->bytes += ws[j].sc.bytes;
		sc->errors += ws[j].sc.errors;
		sc->report.in_baseline += ws[j].sc.report.in_baseline;
		scanner__free(ws[j].sc.sc);
		scanfile__fini(&ws[j].sc);
	}
	for (unsigned j = 0; j < jobs; j++)
		explicit_bzero(&ws[j].sc.key, sizeof(ws[j].sc.key)); /* each copy held the fingerprint key */
	pthread_mutex_destroy(&r.lock);
	pthread_cond_destroy(&r.ready);
	free(r.outs);
	free(r.done);
	free(ws);
	return started ? 0 : -EINVAL;
}
