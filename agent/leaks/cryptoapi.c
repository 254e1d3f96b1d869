// SPDX-License-Identifier: Apache-2.0
#include "leaks/cryptoapi.h"

#include "os/dynlib.h"

struct cryptoapi libcrypto;

#define SYM(f, name) { name, (void **)&libcrypto.f }
static const struct dynlib_sym syms[] = {
	SYM(MAC_fetch, "EVP_MAC_fetch"),
	SYM(MAC_free, "EVP_MAC_free"),
	SYM(MAC_CTX_new, "EVP_MAC_CTX_new"),
	SYM(MAC_CTX_free, "EVP_MAC_CTX_free"),
	SYM(MAC_init, "EVP_MAC_init"),
	SYM(MAC_update, "EVP_MAC_update"),
	SYM(MAC_final, "EVP_MAC_final"),
	SYM(HMAC, "HMAC"),
	SYM(sha256, "EVP_sha256"),
};

static struct dynlib lib = {
	.soname = "libcrypto.so.3", .package = "libssl3", .syms = syms, .n = sizeof(syms) / sizeof(syms[0]),
};

int cryptoapi__load(char *err, size_t errlen)
{
	return dynlib__use(&lib, err, errlen);
}
