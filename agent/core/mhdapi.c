// SPDX-License-Identifier: Apache-2.0
#include "core/mhdapi.h"

#include "os/dynlib.h"

struct mhdapi libmhd;

#define SYM(f) { "MHD_" #f, (void **)&libmhd.f }
static const struct dynlib_sym syms[] = {
	SYM(start_daemon), SYM(stop_daemon), SYM(get_daemon_info), SYM(create_response_from_buffer),
	SYM(add_response_header), SYM(queue_response), SYM(destroy_response),
};

static struct dynlib lib = {
	.soname = "libmicrohttpd.so.12", .package = "libmicrohttpd12", .syms = syms,
	.n = sizeof(syms) / sizeof(syms[0]),
};

int mhdapi__load(char *err, size_t errlen)
{
	return dynlib__use(&lib, err, errlen);
}
