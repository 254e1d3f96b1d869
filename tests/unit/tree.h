/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A scratch tree for the unit tests that fabricate what the agent reads
 * (/proc entries, the kubelet's logs, a state directory): made fresh under
 * /tmp, filled with files and links, removed whole. Include after cmocka.h.
 */
#ifndef LW_TEST_TREE_H
#define LW_TEST_TREE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define TREE_ROOT_MAX 64

/* A fresh /tmp/lw-NAME-XXXXXX into root; 0, or -1 when it cannot be made. */
static inline int tree_make(char root[TREE_ROOT_MAX], const char *name)
{
	snprintf(root, TREE_ROOT_MAX, "/tmp/lw-%s-XXXXXX", name);
	return mkdtemp(root) ? 0 : -1;
}

/* Removes root and everything under it; 0 on success. */
static inline int tree_remove(const char *root)
{
	char cmd[TREE_ROOT_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

/* root/rel holding n bytes of content, its directories made as needed. */
static inline void tree_file_n(const char *root, const char *rel, const char *content, size_t n)
{
	char path[512], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static inline void tree_file(const char *root, const char *rel, const char *content)
{
	tree_file_n(root, rel, content, strlen(content));
}

/* root/rel, a symbolic link to target (taken as it is). */
static inline void tree_link(const char *root, const char *rel, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

#endif
