/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libssl (and the libcrypto calls that go with it), loaded at the first
 * probe that speaks TLS (os/dynlib.h says why): only `run` probes
 * listeners, and a one-shot command never pays for OpenSSL's start-up.
 * Two of OpenSSL's macros are spelled out where they are used:
 * SSL_get_ex_new_index is get_ex_new_index(CRYPTO_EX_INDEX_SSL, ...) and
 * SSL_CTX_set_min_proto_version is CTX_ctrl(SSL_CTRL_SET_MIN_PROTO_VERSION).
 */
#ifndef LW_SSLAPI_H
#define LW_SSLAPI_H

#include <stddef.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

struct sslapi {
	__typeof__(TLS_client_method) *client_method;
	__typeof__(SSL_CTX_new) *CTX_new;
	__typeof__(SSL_CTX_ctrl) *CTX_ctrl;
	__typeof__(SSL_CTX_set_verify) *CTX_set_verify;
	__typeof__(SSL_CTX_set_security_level) *CTX_set_security_level;
	__typeof__(SSL_CTX_set_client_cert_cb) *CTX_set_client_cert_cb;
	__typeof__(CRYPTO_get_ex_new_index) *get_ex_new_index;
	__typeof__(SSL_new) *new;
	__typeof__(SSL_free) *free;
	__typeof__(SSL_set_fd) *set_fd;
	__typeof__(SSL_set_ex_data) *set_ex_data;
	__typeof__(SSL_get_ex_data) *get_ex_data;
	__typeof__(SSL_connect) *connect;
	__typeof__(SSL_read) *read;
	__typeof__(SSL_write) *write;
	__typeof__(SSL_shutdown) *shutdown;
	__typeof__(SSL_get_error) *get_error;
	__typeof__(SSL_get_rbio) *get_rbio;
	__typeof__(BIO_number_read) *BIO_number_read;
	__typeof__(ERR_peek_last_error) *ERR_peek_last_error;
	__typeof__(ERR_reason_error_string) *ERR_reason_error_string;
	__typeof__(ERR_clear_error) *ERR_clear_error;
};

/* Set by sslapi__load; valid for the life of the process after it. */
extern struct sslapi libssl;

/* Loads libssl once, from any thread; later calls return the first's result.
 * 0, or -ELIBACC with err saying why and which package to install. */
int sslapi__load(char *err, size_t errlen);

#endif
