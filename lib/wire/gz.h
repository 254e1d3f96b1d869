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

#endif
