// SPDX-License-Identifier: Apache-2.0
#include "probes/sslapi.h"

#include "os/dynlib.h"

struct sslapi libssl;

/* libcrypto's names resolve through libssl's handle, which depends on it */
#define SSLF(f) { "SSL_" #f, (void **)&libssl.f }
#define SYM(f, name) { name, (void **)&libssl.f }
static const struct dynlib_sym syms[] = {
	SYM(client_method, "TLS_client_method"),
	SSLF(CTX_new), SSLF(CTX_ctrl), SSLF(CTX_set_verify), SSLF(CTX_set_security_level), SSLF(CTX_set_client_cert_cb),
	SYM(get_ex_new_index, "CRYPTO_get_ex_new_index"),
	SSLF(new), SSLF(free), SSLF(set_fd), SSLF(set_ex_data), SSLF(get_ex_data), SSLF(connect), SSLF(read), SSLF(write),
	SSLF(shutdown), SSLF(get_error), SSLF(get_rbio),
	SYM(BIO_number_read, "BIO_number_read"),
	SYM(ERR_peek_last_error, "ERR_peek_last_error"),
	SYM(ERR_reason_error_string, "ERR_reason_error_string"),
	SYM(ERR_clear_error, "ERR_clear_error"),
};

static struct dynlib lib = {
	.soname = "libssl.so.3", .package = "libssl3", .syms = syms, .n = sizeof(syms) / sizeof(syms[0]),
};

int sslapi__load(char *err, size_t errlen)
{
	return dynlib__use(&lib, err, errlen);
}
