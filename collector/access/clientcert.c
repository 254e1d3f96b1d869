// SPDX-License-Identifier: Apache-2.0
#include "access/clientcert.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* What a failed verification says, most telling first. */
static const char *reason(unsigned status)
{
	if (status & GNUTLS_CERT_EXPIRED)
		return "client certificate expired";
	if (status & GNUTLS_CERT_NOT_ACTIVATED)
		return "client certificate not yet valid";
	if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
		return "client certificate not signed by server.tls.client_ca_file";
	if (status & GNUTLS_CERT_PURPOSE_MISMATCH)
		return "client certificate not for TLS client authentication";
	if (status & GNUTLS_CERT_REVOKED)
		return "client certificate revoked";
	return "client certificate not valid";
}

/* A name that is a host name: no glob, no space, no control character. */
static bool plain_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s == 0x7f || strchr("*?[]/\\\"", *s))
			return false;
	return true;
}

/* Does it carry an extended key usage extension at all? */
static bool has_key_purposes(gnutls_x509_crt_t crt)
{
	char oid[128];
	size_t n = sizeof(oid);

	return gnutls_x509_crt_get_key_purpose_oid(crt, 0, oid, &n, NULL) != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE;
}

/*
 * The first DNS subjectAltName. The CN only when the certificate has no
 * subjectAltName at all: one with only IP or URI names (a mesh's SPIFFE
 * id) names no host, and a SAN that cannot be read is no name either.
 */
static bool name_of(gnutls_x509_crt_t crt, char *out, size_t len)
{
	bool any_san = false;

	for (unsigned i = 0; i < 64; i++) {
		size_t n = len;
		unsigned critical;
		int type = gnutls_x509_crt_get_subject_alt_name(crt, i, out, &n, &critical);

		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type < 0)
			return false; /* too long for a host name, or malformed */
		any_san = true;
		if (type == GNUTLS_SAN_DNSNAME && n < len) {
			out[n] = '\0';
			return plain_name(out);
		}
	}
	if (any_san)
		return false;
	size_t n = len;

	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, out, &n) < 0)
		return false;
	return plain_name(out);
}

enum clientcert clientcert__identity(struct MHD_Connection *c, char *identity, size_t len, const char **why)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_typed_vdata_st purpose = { .type = GNUTLS_DT_KEY_PURPOSE_OID,
					  .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT };
	const gnutls_datum_t *chain;
	gnutls_session_t session;
	gnutls_x509_crt_t crt;
	unsigned n = 0, status = 0;
	bool named;

	*why = NULL;
	if (!ci || !ci->tls_session)
		return CLIENTCERT_NONE;
	session = (gnutls_session_t)ci->tls_session;
	chain = gnutls_certificate_get_peers(session, &n);
	if (!chain || !n)
		return CLIENTCERT_NONE;
	if (gnutls_certificate_verify_peers(session, &purpose, 1, &status) < 0 || status) {
		*why = reason(status);
		return CLIENTCERT_INVALID;
	}
	if (gnutls_x509_crt_init(&crt) < 0)
		return CLIENTCERT_NONE;
	if (gnutls_x509_crt_import(crt, &chain[0], GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(crt);
		*why = "client certificate unreadable";
		return CLIENTCERT_INVALID;
	}
	/* GnuTLS lets a certificate with no extended key usage pass for any
	 * purpose (RFC 5280 reads it so): an agent's must say TLS client */
	if (!has_key_purposes(crt) ||
	    !gnutls_x509_crt_check_key_purpose(crt, GNUTLS_KP_TLS_WWW_CLIENT, GNUTLS_KP_FLAG_DISALLOW_ANY)) {
		gnutls_x509_crt_deinit(crt);
		*why = "client certificate not for TLS client authentication";
		return CLIENTCERT_INVALID;
	}
	named = name_of(crt, identity, len);
	gnutls_x509_crt_deinit(crt);
	if (!named) {
		*why = "client certificate names no host (a DNS subjectAltName or a CN)";
		return CLIENTCERT_INVALID;
	}
	return CLIENTCERT_VALID;
}
