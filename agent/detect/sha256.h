/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104): the digests of rule
 * sets that every start-up takes (hscache, hsdb), and the keyed
 * fingerprints of secrets (leaks/secret). With the CPU's SHA-256
 * instructions where it has them (x86 SHA extensions, arm64 SHA2).
 * OpenSSL would cost a scan ~4 ms of loading libcrypto, its configuration
 * and its providers before the first fingerprint.
 */
#ifndef LW_SHA256_H
#define LW_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LW_SHA256_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t total;   /* bytes fed */
	uint8_t block[64];
	size_t fill;      /* bytes waiting in block */
};

void sha256__init(struct sha256 *c);
void sha256__update(struct sha256 *c, const void *data, size_t len);
/* Writes the digest and wipes c. */
void sha256__final(struct sha256 *c, uint8_t out[LW_SHA256_LEN]);
/*
 * Whether blocks go through the CPU's SHA-256 instructions: allowed by
 * default where the CPU has them. With allow false, never (tests compare
 * both ways on one machine). Returns whether they are used now.
 */
bool sha256__accelerated(bool allow);

/* An HMAC-SHA256 key, as the hash states after its inner and outer key
 * blocks: each message then costs only its own blocks and one more. */
struct hmac_sha256 {
	uint32_t inner[8], outer[8];
};

void hmac_sha256__key(struct hmac_sha256 *m, const void *key, size_t len);
void hmac_sha256__mac(const struct hmac_sha256 *m, const void *msg, size_t len, uint8_t out[LW_SHA256_LEN]);

#endif
