// SPDX-License-Identifier: Apache-2.0
#include "leaks/finding.h"

#include <stdio.h>

#include "leakwatch/events.h"

const char *leak__syscall_name(uint8_t syscall)
{
	switch (syscall) {
	case LW_SYS_WRITE: return "write";
	case LW_SYS_WRITEV: return "writev";
	case LW_SYS_PWRITE64: return "pwrite64";
	case LW_SYS_PWRITEV: return "pwritev";
	case LW_SYS_PWRITEV2: return "pwritev2";
	}
	return "unknown";
}

const char *leak__device(uint32_t dev, char buf[LW_DEVICE_LEN])
{
	/* the kernel's dev_t: 12 bits of major above 20 bits of minor */
	snprintf(buf, LW_DEVICE_LEN, "%u:%u", dev >> 20, dev & 0xfffff);
	return buf;
}
