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
	case LW_SYS_IO_URING_WRITE: return "io_uring_write";
	case LW_SYS_IO_URING_WRITEV: return "io_uring_writev";
	case LW_SYS_IO_URING_WRITE_FIXED: return "io_uring_write_fixed";
	case LW_SYS_IO_URING_WRITEV_FIXED: return "io_uring_writev_fixed";
	case LW_SYS_READBACK + LW_VIA_SENDFILE: return "sendfile";
	case LW_SYS_READBACK + LW_VIA_SPLICE: return "splice";
	case LW_SYS_READBACK + LW_VIA_COPY_FILE_RANGE: return "copy_file_range";
	case LW_SYS_READBACK + LW_VIA_IO_URING_SPLICE: return "io_uring_splice";
	case LW_SYS_READBACK + LW_VIA_MMAP: return "mmap";
	}
	return "unknown";
}

const char *leak__device(uint32_t dev, char buf[LW_DEVICE_LEN])
{
	/* the kernel's dev_t: 12 bits of major above 20 bits of minor */
	snprintf(buf, LW_DEVICE_LEN, "%u:%u", dev >> 20, dev & 0xfffff);
	return buf;
}
