// SPDX-License-Identifier: Apache-2.0
#include "delivery/curlapi.h"

#include <pthread.h>
#include <stdio.h>

#include "os/dynlib.h"

#define SONAME "libcurl.so.4"

struct curlapi libcurl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_rc;
static char load_err[256];

#define SYM(f) { "curl_" #f, (void **)&libcurl.f }

static void load(void)
{
	static const struct dynlib_sym syms[] = {
		SYM(global_init), SYM(easy_init), SYM(easy_setopt), SYM(easy_perform), SYM(easy_getinfo),
		SYM(easy_strerror), SYM(easy_cleanup), SYM(slist_append), SYM(slist_free_all),
	};

	load_rc = dynlib__load(SONAME, syms, sizeof(syms) / sizeof(syms[0]), load_err, sizeof(load_err));
	/* once per process, before any thread uses curl: it is not thread-safe */
	if (!load_rc)
		libcurl.global_init(CURL_GLOBAL_DEFAULT);
}

int curlapi__load(char *err, size_t errlen)
{
	pthread_once(&once, load);
	if (load_rc)
		snprintf(err, errlen, "%s (the libcurl4 package)", load_err);
	return load_rc;
}
