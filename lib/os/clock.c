// SPDX-License-Identifier: Apache-2.0
#include "os/clock.h"

#include <stdio.h>
#include <time.h>

static uint64_t read_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t clock__realtime_ns(void)
{
	return read_ns(CLOCK_REALTIME);
}

uint64_t clock__monotonic_ms(void)
{
	return read_ns(CLOCK_MONOTONIC) / 1000000ULL;
}

uint64_t clock__boot_to_realtime_ns(uint64_t boot_ns)
{
	/* Read the offset each time: it moves when the wall clock is stepped. */
	uint64_t offset = read_ns(CLOCK_REALTIME) - read_ns(CLOCK_BOOTTIME);

	return boot_ns + offset;
}

const char *clock__rfc3339(uint64_t realtime_ns, char buf[LW_RFC3339_LEN])
{
	time_t secs = (time_t)(realtime_ns / 1000000000ULL);
	unsigned ms = (unsigned)(realtime_ns % 1000000000ULL / 1000000ULL);
	char date[24];
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, LW_RFC3339_LEN, "%.19s.%03uZ", date, ms % 1000);
	return buf;
}
