/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libsystemd's journal reader, loaded when the journal is first opened
 * (os/dynlib.h says why): a scan of files, the rules or a configuration
 * check never read the journal, and did not need to map libsystemd and the
 * libraries behind it (gcrypt, lz4, zstd, lzma, libcap).
 */
#ifndef LW_SDAPI_H
#define LW_SDAPI_H

#include <stddef.h>
#include <systemd/sd-journal.h>

struct sdapi {
	__typeof__(sd_journal_open) *journal_open;
	__typeof__(sd_journal_open_directory) *journal_open_directory;
	__typeof__(sd_journal_close) *journal_close;
	__typeof__(sd_journal_get_fd) *journal_get_fd;
	__typeof__(sd_journal_process) *journal_process;
	__typeof__(sd_journal_set_data_threshold) *journal_set_data_threshold;
	__typeof__(sd_journal_next) *journal_next;
	__typeof__(sd_journal_previous) *journal_previous;
	__typeof__(sd_journal_seek_head) *journal_seek_head;
	__typeof__(sd_journal_seek_tail) *journal_seek_tail;
	__typeof__(sd_journal_seek_cursor) *journal_seek_cursor;
	__typeof__(sd_journal_seek_realtime_usec) *journal_seek_realtime_usec;
	__typeof__(sd_journal_test_cursor) *journal_test_cursor;
	__typeof__(sd_journal_get_cursor) *journal_get_cursor;
	__typeof__(sd_journal_get_realtime_usec) *journal_get_realtime_usec;
	__typeof__(sd_journal_restart_data) *journal_restart_data;
	__typeof__(sd_journal_enumerate_available_data) *journal_enumerate_available_data;
};

/* Set by sdapi__load; valid for the life of the process after it. */
extern struct sdapi libsystemd;

/* Loads libsystemd once, from any thread; later calls return the first's
 * result. 0, or -ELIBACC with err saying why and which package to install. */
int sdapi__load(char *err, size_t errlen);

#endif
