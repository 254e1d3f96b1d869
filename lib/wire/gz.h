/* SPDX-License-Identifier: Apache-2.0 */
/* gzip in memory, with hard limits on what inflating may produce. */
#ifndef LW_GZ_H
#define LW_GZ_H

#include <stddef.h>
#include <stdint.h>

int gz__compress(const void *in, size_t len, uint8_t **out, size_t *out_len);
/*
 * Inflates a gzip body. -EFBIG when the result would pass max_out bytes or
 * max_ratio times the input (a bomb); -EINVAL when it is not valid gzip.
 */
int gz__inflate(const void *in, size_t len, size_t max_out, size_t max_ratio, uint8_t **out,
		size_t *out_len);

/* The size, modulo 2^32, that a gzip trailer (a body's last 4 bytes) says
 * its last member inflates to. Only a claim: inflating checks it. */
size_t gz__isize(const uint8_t trailer[4]);
/*
 * The gzip member at the start of in, inflated whole by libdeflate into
 * out: 0, with *used the member's length and *out_len the output's;
 * -ENOSPC when more than out_cap would come out; -EINVAL when it is not
 * valid (its data, checksum or length); -ENOMEM. A header's own checksum
 * (FHCRC) is skipped unread.
 */
int gz__inflate_member(const void *in, size_t in_len, void *out, size_t out_cap, size_t *used, size_t *out_len);

#endif
