/* SPDX-License-Identifier: Apache-2.0 */
/* Time sources and formats: kernel records carry CLOCK_BOOTTIME stamps. */
#ifndef LW_CLOCK_H
#define LW_CLOCK_H

#include <stdint.h>

#define LW_RFC3339_LEN 32

uint64_t clock__realtime_ns(void);
uint64_t clock__monotonic_ms(void);
/* Converts a CLOCK_BOOTTIME stamp from the kernel to wall-clock ns. */
uint64_t clock__boot_to_realtime_ns(uint64_t boot_ns);
/* "2026-11-29T06:40:01.123Z" */
const char *clock__rfc3339(uint64_t realtime_ns, char buf[LW_RFC3339_LEN]);

#endif
