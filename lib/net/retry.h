/* SPDX-License-Identifier: Apache-2.0 */
/*
 * When to try an HTTP delivery again: the one policy of the agent's exporter
 * and the collector's alert sinks. The backoff doubles from initial_ms per
 * failure up to max_ms, and the wait is drawn between half of it and all of
 * it ("equal jitter"), so a fleet that failed together does not come back
 * together. A server's Retry-After (delta-seconds or an HTTP-date) is a
 * floor: the wait is never shorter than it asked, nor longer than
 * max_retry_after_ms, so a wrong header cannot park a sender for days.
 */
#ifndef LW_RETRY_H
#define LW_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What either side waits for a Retry-After at most. */
#define RETRY_AFTER_MAX_MS (3600 * 1000ULL)

struct retry_policy {
	uint64_t initial_ms;         /* the backoff after the first failure */
	uint64_t max_ms;             /* it doubles up to this */
	uint64_t max_retry_after_ms; /* a longer Retry-After is cut to this */
	uint64_t (*random)(void);    /* the jitter's source; NULL for getrandom(2) */
};

/* The backoff after `failures` failures in a row: 0, initial, 2 x initial, ..., max. */
uint64_t retry__backoff_ms(const struct retry_policy *p, unsigned failures);

/* How long to wait after `failures` failures in a row, given the server's
 * Retry-After in ms (0 for none). */
uint64_t retry__wait_ms(const struct retry_policy *p, unsigned failures, uint64_t retry_after_ms);

/*
 * A Retry-After value: delta-seconds ("120") or an HTTP-date in any of the
 * three forms RFC 9110 makes a recipient accept ("Sun, 06 Nov 1994 08:49:37
 * GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"),
 * relative to now_s (Unix seconds); a date past gives 0. -EINVAL otherwise.
 */
int retry__parse_after(const char *value, int64_t now_s, uint64_t *out_ms);

/*
 * One response header line as libcurl hands it over (not NUL-terminated,
 * with its CRLF). True, with *out_ms set, if it is a valid Retry-After.
 */
bool retry__header(const char *line, size_t len, int64_t now_s, uint64_t *out_ms);

#endif
