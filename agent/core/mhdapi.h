/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libmicrohttpd, loaded when the metrics endpoint starts (os/dynlib.h says
 * why): only `run` serves /metrics, and only it pays for GnuTLS behind it.
 */
#ifndef LW_MHDAPI_H
#define LW_MHDAPI_H

#include <stddef.h>
#include <sys/socket.h>
#include <microhttpd.h>

struct mhdapi {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_get_daemon_info) *get_daemon_info;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
};

/* Set by mhdapi__load; valid for the life of the process after it. */
extern struct mhdapi libmhd;

/* Loads libmicrohttpd once, from any thread; later calls return the first's result.
 * 0, or -ELIBACC with err saying why and which package to install. */
int mhdapi__load(char *err, size_t errlen);

#endif
