// SPDX-License-Identifier: Apache-2.0
#include "net/retry.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "os/clock.h"

#define HEADER "Retry-After:"

uint64_t retry__backoff_ms(const struct retry_policy *p, unsigned failures)
{
	uint64_t ms = p->initial_ms ? p->initial_ms : 1;

	if (!failures)
		return 0;
	for (unsigned i = 1; i < failures && ms < p->max_ms; i++)
		ms = ms > p->max_ms / 2 ? p->max_ms : ms * 2;
	return ms < p->max_ms ? ms : p->max_ms;
}

static uint64_t draw(const struct retry_policy *p)
{
	uint64_t r = 0;

	if (p->random)
		return p->random();
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = clock__monotonic_ms() * 2654435761u;
	return r;
}

uint64_t retry__wait_ms(const struct retry_policy *p, unsigned failures, uint64_t retry_after_ms)
{
	uint64_t backoff = retry__backoff_ms(p, failures), half = backoff / 2;
	uint64_t wait = backoff - half + draw(p) % (half + 1);

	if (retry_after_ms > p->max_retry_after_ms)
		retry_after_ms = p->max_retry_after_ms;
	return retry_after_ms > wait ? retry_after_ms : wait;
}

/* delta-seconds: digits only; a value too large for ms saturates */
static int parse_seconds(const char *s, size_t len, uint64_t *out_ms)
{
	uint64_t v = 0;

	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		if (v > (UINT64_MAX / 1000 - 9) / 10) {
			*out_ms = UINT64_MAX;
			return 0;
		}
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out_ms = v * 1000;
	return 0;
}

static int parse_date(const char *s, int64_t now_s, uint64_t *out_ms)
{
	static const char *const forms[] = {
		"%a, %d %b %Y %H:%M:%S GMT", /* IMF-fixdate */
		"%A, %d-%b-%y %H:%M:%S GMT", /* RFC 850 */
		"%a %b %e %H:%M:%S %Y",      /* asctime */
	};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct tm tm = { 0 };
		const char *end = strptime(s, forms[i], &tm);
		int64_t at;

		if (!end || *end)
			continue;
		at = (int64_t)timegm(&tm);
		*out_ms = at > now_s ? (uint64_t)(at - now_s) * 1000 : 0;
		return 0;
	}
	return -EINVAL;
}

int retry__parse_after(const char *value, int64_t now_s, uint64_t *out_ms)
{
	char v[64];
	size_t len;

	value += strspn(value, " \t");
	len = strlen(value);
	while (len && strchr(" \t\r\n", value[len - 1]))
		len--;
	if (len >= sizeof(v))
		return -EINVAL;
	memcpy(v, value, len);
	v[len] = '\0';
	if (len && isdigit((unsigned char)v[0]))
		return parse_seconds(v, len, out_ms);
	return parse_date(v, now_s, out_ms);
}

bool retry__header(const char *line, size_t len, int64_t now_s, uint64_t *out_ms)
{
	char value[64];
	size_t n = sizeof(HEADER) - 1;

	if (len <= n || len - n >= sizeof(value) || strncasecmp(line, HEADER, n))
		return false;
	memcpy(value, line + n, len - n);
	value[len - n] = '\0';
	return retry__parse_after(value, now_s, out_ms) == 0;
}
