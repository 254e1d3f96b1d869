/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drives one probe against one listener: a socket made inside the
 * listener's network namespace, connected to an address the listener
 * answers on, TLS when the server wants it, every wait bounded by the
 * timeout and every reply by LW_PROBE_REPLY_MAX. Blocking: callers run it
 * on their own threads (listeners/verify.c).
 */
#ifndef LW_PROBE_RUNNER_H
#define LW_PROBE_RUNNER_H

#include <stdint.h>

#include "net/addr.h"
#include "probes/probe.h"

#define LW_PROBE_REPLY_MAX (64 * 1024)

struct probe_target {
	const char *ns_path;   /* opens the listener's namespace; NULL: the caller's own */
	struct lw_addr addr;   /* where to connect */
	uint16_t port;
	uint8_t protocol;      /* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t timeout_ms;   /* for the connect, the TLS handshake, and each reply */
};

/* Fills *auth: the probe's verdict, or unknown with what went wrong. */
void runner__run(const struct lw_probe *p, const struct probe_target *t, struct lw_auth *auth);

#endif
