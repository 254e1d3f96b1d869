// SPDX-License-Identifier: Apache-2.0
#include "journal/sdapi.h"

#include "os/dynlib.h"

struct sdapi libsystemd;

#define SYM(f) { "sd_" #f, (void **)&libsystemd.f }
static const struct dynlib_sym syms[] = {
	SYM(journal_open), SYM(journal_open_directory), SYM(journal_close), SYM(journal_get_fd),
	SYM(journal_process), SYM(journal_set_data_threshold), SYM(journal_next), SYM(journal_previous),
	SYM(journal_seek_head), SYM(journal_seek_tail), SYM(journal_seek_cursor), SYM(journal_seek_realtime_usec),
	SYM(journal_test_cursor), SYM(journal_get_cursor), SYM(journal_get_realtime_usec), SYM(journal_restart_data),
	SYM(journal_enumerate_available_data),
};

static struct dynlib lib = {
	.soname = "libsystemd.so.0", .package = "libsystemd0", .syms = syms, .n = sizeof(syms) / sizeof(syms[0]),
};

int sdapi__load(char *err, size_t errlen)
{
	return dynlib__use(&lib, err, errlen);
}
