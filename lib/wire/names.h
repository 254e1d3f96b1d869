/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The names of severities and address classes, from their one list each
 * (leakwatch/severity.h, addr.h), in the agent's numbering and in the wire's
 * (leakwatch.v1: the same order one higher, 0 meaning unspecified). The
 * collector sees only wire values; the agent converts with severity__wire().
 */
#ifndef LW_NAMES_H
#define LW_NAMES_H

#include "net/addr.h"
#include "leakwatch/severity.h"

/* "unknown" for a value outside the list. */
const char *severity__name(enum lw_severity s);
/* -EINVAL unless s is one of the names, exactly. */
int severity__parse(const char *s, enum lw_severity *out);
/* "info, low, medium, high or critical", for error messages. */
const char *severity__choices(void);

static inline int severity__wire(enum lw_severity s)
{
	return (int)s + 1;
}

static inline int addr_class__wire(enum lw_addr_class c)
{
	return (int)c + 1;
}

/* "unspecified" for 0, "unknown" for a value outside the list. */
const char *severity__wire_name(int wire);
const char *addr_class__wire_name(int wire);

/*
 * Where a journal leak is kept and shown, as a file leak is by its path:
 * "journal:<unit>", else "journal:<identifier>", else "journal". Malloc'd,
 * or NULL.
 */
char *leak__journal_place(const char *unit, const char *identifier);

/* leakwatch.v1.Auth.State: none, required, tls, unknown; NULL for unspecified. */
const char *auth_state__wire_name(int wire);
/* leakwatch.v1.Auth.ClientCert: not-requested, optional, required; NULL for unspecified. */
const char *client_cert__wire_name(int wire);
/*
 * leakwatch.v1.ListenerEvent.Source: kernel (and unspecified), inventory,
 * reload, restart, probe, address, nat; and back, kernel for an unknown name.
 */
const char *listener_source__wire_name(int wire);
int listener_source__wire(const char *name);
/* leakwatch.v1.Service.IdentifiedBy: process, port or protocol ("process" for unspecified). */
const char *identified_by__wire_name(int wire);

#endif
