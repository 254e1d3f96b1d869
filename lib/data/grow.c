// SPDX-License-Identifier: Apache-2.0
#include "data/grow.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int grow__reserve(void **items, size_t *cap, size_t need, size_t size, size_t first)
{
	size_t n = *cap ? *cap : first ? first : 1;
	void *grown;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return -ENOMEM;
		n *= 2;
	}
	if (n > SIZE_MAX / size)
		return -ENOMEM;
	grown = realloc(*items, n * size);
	if (!grown)
		return -ENOMEM;
	*items = grown;
	*cap = n;
	return 0;
}
