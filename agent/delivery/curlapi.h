/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libcurl, loaded by the exporter when it starts (os/dynlib.h says why):
 * only `run` ships events, and only it pays for libcurl's dependencies.
 */
#ifndef LW_CURLAPI_H
#define LW_CURLAPI_H

#include <stddef.h>
#include <curl/curl.h>

struct curlapi {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
};

/* Set by curlapi__load; valid for the life of the process after it. */
extern struct curlapi libcurl;

/* Loads libcurl once, from any thread; later calls return the first's result.
 * 0, or -ELIBACC with err saying why and which package to install. */
int curlapi__load(char *err, size_t errlen);

#endif
