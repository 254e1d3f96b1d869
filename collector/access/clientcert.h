/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mTLS: an agent may authenticate with a client certificate instead of a
 * token. With server.tls.client_ca_file the server asks each client for a
 * certificate (libmicrohttpd's trust list); this verifies the one a
 * connection presented against that CA, for TLS client use, and names its
 * identity: the first DNS subjectAltName, else the subject's CN. That name
 * is the one host the connection may report for.
 */
#ifndef COLLECTOR_CLIENTCERT_H
#define COLLECTOR_CLIENTCERT_H

#include <microhttpd.h>
#include <stddef.h>

enum clientcert {
	CLIENTCERT_NONE,    /* none presented (or not TLS) */
	CLIENTCERT_VALID,   /* identity set */
	CLIENTCERT_INVALID, /* presented, and refused: *why says why */
};

enum clientcert clientcert__identity(struct MHD_Connection *c, char *identity, size_t len, const char **why);

#endif
