/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 (FIPS 180-4), for the digests of rule sets that every start-up
 * takes (hscache, hsdb). OpenSSL's EVP digests would first load its
 * configuration and providers, about 2.5 ms that a scan of clean files
 * never needs otherwise; the fingerprints, which do need OpenSSL, take it
 * on their first finding.
 */
#ifndef LW_SHA256_H
#define LW_SHA256_H

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
void sha256__final(struct sha256 *c, uint8_t out[LW_SHA256_LEN]);

#endif
