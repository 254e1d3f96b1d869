// SPDX-License-Identifier: Apache-2.0
#include "os/dynlib.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

/* one lock for every library: each is loaded once, at a daemon's start */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

int dynlib__load(const char *soname, const struct dynlib_sym *syms, size_t n, char *err, size_t errlen)
{
	/* RTLD_NOW: a missing symbol is found here, not at the first call */
	void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	void *fn[64];

	if (!lib) {
		snprintf(err, errlen, "cannot load %s: %s", soname, dlerror());
		return -ENOENT;
	}
	if (n > sizeof(fn) / sizeof(fn[0])) {
		snprintf(err, errlen, "%s: %zu symbols asked for, at most %zu", soname, n, sizeof(fn) / sizeof(fn[0]));
		dlclose(lib);
		return -EINVAL;
	}
	/* all or nothing: a half-resolved table is never left behind */
	for (size_t i = 0; i < n; i++) {
		fn[i] = dlsym(lib, syms[i].name);
		if (!fn[i]) {
			snprintf(err, errlen, "%s has no %s (too old?)", soname, syms[i].name);
			dlclose(lib);
			return -ENOENT;
		}
	}
	for (size_t i = 0; i < n; i++)
		*syms[i].fn = fn[i];
	return 0;
}

int dynlib__use(struct dynlib *d, char *err, size_t errlen)
{
	pthread_mutex_lock(&lock);
	if (!d->tried) {
		d->tried = true;
		d->rc = dynlib__load(d->soname, d->syms, d->n, d->why, sizeof(d->why)) ? -ELIBACC : 0;
		if (!d->rc && d->loaded)
			d->loaded();
	}
	pthread_mutex_unlock(&lock);
	if (d->rc)
		snprintf(err, errlen, "%s (the %s package)", d->why, d->package);
	return d->rc;
}
