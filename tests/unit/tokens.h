/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Credentials for the unit tests of the leak pipeline, built at run time
 * and never pasted: AWS access key ids ("AKIA" and 16 characters of A-Z2-7)
 * from a fixed seed, so that a run is repeatable. A test prints them only
 * redacted.
 */
#ifndef LW_TEST_TOKENS_H
#define LW_TEST_TOKENS_H

#include <stdint.h>

#define TOKEN_LEN 20

/* The seed's key id into out (TOKEN_LEN + 1 bytes); two seeds, two keys. */
static inline void token_aws(char out[TOKEN_LEN + 1], uint32_t seed)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint64_t x = 0x9e3779b97f4a7c15ULL ^ seed;

	out[0] = 'A', out[1] = 'K', out[2] = 'I', out[3] = 'A';
	for (int i = 4; i < TOKEN_LEN; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		out[i] = alpha[(x >> 20) % 32];
	}
	out[TOKEN_LEN] = '\0';
}

#endif
