// SPDX-License-Identifier: Apache-2.0
#include "core/mhdapi.h"

#include <pthread.h>
#include <stdio.h>

#include "os/dynlib.h"

#define SONAME "libmicrohttpd.so.12"

struct mhdapi libmhd;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_rc;
static char load_err[256];

#define SYM(f) { "MHD_" #f, (void **)&libmhd.f }

static void load(void)
{
	static const struct dynlib_sym syms[] = {
		SYM(start_daemon), SYM(stop_daemon), SYM(get_daemon_info), SYM(create_response_from_buffer),
		SYM(add_response_header), SYM(queue_response), SYM(destroy_response),
	};

	load_rc = dynlib__load(SONAME, syms, sizeof(syms) / sizeof(syms[0]), load_err, sizeof(load_err));
}

int mhdapi__load(char *err, size_t errlen)
{
	pthread_once(&once, load);
	if (load_rc)
		snprintf(err, errlen, "%s (the libmicrohttpd12 package)", load_err);
	return load_rc;
}
