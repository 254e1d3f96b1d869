/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A state directory private to its daemon: the fingerprint key, the spool,
 * the token and the database live there. Created 0700 with its parents;
 * one that already exists open to group or others is tightened when this
 * user owns it, and named in a warning either way.
 */
#ifndef LW_PRIVDIR_H
#define LW_PRIVDIR_H

/* 0, or -errno with err naming what failed. what names the key ("state_dir"). */
int privdir__ensure(const char *path, const char *what, char *err, unsigned errlen);

#endif
