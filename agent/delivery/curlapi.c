// SPDX-License-Identifier: Apache-2.0
#include "delivery/curlapi.h"

#include "os/dynlib.h"

struct curlapi libcurl;

#define SYM(f) { "curl_" #f, (void **)&libcurl.f }
static const struct dynlib_sym syms[] = {
	SYM(global_init), SYM(easy_init), SYM(easy_setopt), SYM(easy_perform), SYM(easy_getinfo),
	SYM(easy_strerror), SYM(easy_cleanup), SYM(slist_append), SYM(slist_free_all),
};

/* once per process, before any thread uses curl: it is not thread-safe */
static void global_init(void)
{
	libcurl.global_init(CURL_GLOBAL_DEFAULT);
}

static struct dynlib lib = {
	.soname = "libcurl.so.4", .package = "libcurl4", .syms = syms, .n = sizeof(syms) / sizeof(syms[0]),
	.loaded = global_init,
};

int curlapi__load(char *err, size_t errlen)
{
	return dynlib__use(&lib, err, errlen);
}
