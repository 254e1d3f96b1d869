/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Base64 encoding for the unit tests that build tokens, JWTs, PEM bodies
 * and Basic credentials: the agent itself only decodes.
 */
#ifndef LW_TEST_B64_H
#define LW_TEST_B64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* in[0..n) into out (4 * ceil(n / 3) + 1 bytes): std alphabet with '='
 * padding, or url alphabet without. */
static void b64(const uint8_t *in, size_t n, bool url, char *out)
{
	const char *alpha = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
				: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0, i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = alpha[v >> 18 & 63];
		out[o++] = alpha[v >> 12 & 63];
		out[o++] = alpha[v >> 6 & 63];
		out[o++] = alpha[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);

		out[o++] = alpha[v >> 18 & 63];
		out[o++] = alpha[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = alpha[v >> 6 & 63];
		if (!url) {
			if (i + 1 >= n)
				out[o++] = '=';
			out[o++] = '=';
		}
	}
	out[o] = '\0';
}

#endif
