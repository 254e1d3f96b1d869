/* SPDX-License-Identifier: Apache-2.0 */
/*
 * State files written whole beside their final name and then renamed over
 * it, so that a reader, or the next start after a crash, sees the old file
 * or the new one and never half of one.
 */
#ifndef LW_TMPFILE_H
#define LW_TMPFILE_H

/*
 * Ends such a write: err is what writing and closing tmp gave (0 when all
 * went). Without an error tmp takes path's place; with one, or when the
 * rename fails, tmp is removed. Returns err, or the rename's -errno.
 */
int tmpfile__finish(const char *tmp, const char *path, int err);

#endif
