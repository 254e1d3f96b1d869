/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libcrypto, loaded at the first fingerprint (os/dynlib.h says why): OpenSSL
 * costs every start-up a few milliseconds to map and relocate, and a scan
 * of clean files, `rules` or `check-config` never fingerprints anything.
 */
#ifndef LW_CRYPTOAPI_H
#define LW_CRYPTOAPI_H

#include <stddef.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

struct cryptoapi {
	__typeof__(EVP_MAC_fetch) *MAC_fetch;
	__typeof__(EVP_MAC_free) *MAC_free;
	__typeof__(EVP_MAC_CTX_new) *MAC_CTX_new;
	__typeof__(EVP_MAC_CTX_free) *MAC_CTX_free;
	__typeof__(EVP_MAC_init) *MAC_init;
	__typeof__(EVP_MAC_update) *MAC_update;
	__typeof__(EVP_MAC_final) *MAC_final;
	__typeof__(HMAC) *HMAC;
	__typeof__(EVP_sha256) *sha256;
};

/* Set by cryptoapi__load; valid for the life of the process after it. */
extern struct cryptoapi libcrypto;

/* Loads libcrypto once, from any thread; later calls return the first's result.
 * 0, or -ELIBACC with err saying why and which package to install. */
int cryptoapi__load(char *err, size_t errlen);

#endif
