// SPDX-License-Identifier: Apache-2.0
/*
 * procinfo: who a process is, from a fabricated /proc and node records
 * under hostfs's root. Its command line is shown with credentials blanked:
 * flags always, and whatever the scrubbing scanner finds when the owner
 * gave one. A container's output written by its runtime is the
 * container's: the runtime is only the writer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib/hostfs.h"
#include "attrib/procinfo.h"
#include "tokens.h"
#include "tree.h"

#define ID "3f4e2a1b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"
#define POD "0d3e1c9a-7b2f-4c1e-9a8b-1234567890ab"
#define APP 4242  /* a process in container ID */
#define SHIM 77   /* the runtime's shim, on the host */

static char root[TREE_ROOT_MAX];
static struct scanner *sc;
static char token[TOKEN_LEN + 1];

/* /proc/PID as the kernel shows it: status, comm, exe, cmdline (argv, NUL-separated), cgroup. */
static void mkproc(uint32_t pid, const char *comm, uint32_t uid, const char *exe, const char *argv,
		   size_t argv_len, const char *cgroup)
{
	char rel[128], text[128];

	snprintf(rel, sizeof(rel), "/proc/%u/status", pid);
	snprintf(text, sizeof(text), "Name:\t%s\nUmask:\t0022\nState:\tS\nUid:\t%u\t%u\t%u\t%u\n", comm, uid, uid,
		 uid, uid);
	tree_file(root, rel, text);
	snprintf(rel, sizeof(rel), "/proc/%u/comm", pid);
	snprintf(text, sizeof(text), "%s\n", comm);
	tree_file(root, rel, text);
	snprintf(rel, sizeof(rel), "/proc/%u/cmdline", pid);
	tree_file_n(root, rel, argv, argv_len);
	snprintf(rel, sizeof(rel), "/proc/%u/cgroup", pid);
	tree_file(root, rel, cgroup);
	snprintf(rel, sizeof(rel), "/proc/%u/exe", pid);
	tree_link(root, rel, exe);
}

static int setup(void **state)
{
	char argv[256], err[256];
	int n;

	(void)state;
	if (tree_make(root, "procinfo") || scanner__new(NULL, 0, &sc, err, sizeof(err)))
		return -1;
	token_aws(token, 7);
	/* argv: worker --db-password hunter2 upload <token>: a flag, and a plain argument */
	n = snprintf(argv, sizeof(argv), "worker%c--db-password%chunter2%cupload%c%s", 0, 0, 0, 0, token);
	mkproc(APP, "worker", 1000, "/app/bin/worker", argv, (size_t)n + 1,
	       "0::/kubepods.slice/kubepods-pod" POD ".slice/cri-containerd-" ID ".scope\n");
	/* the user the process sees: its own root's passwd, not the host's */
	tree_file(root, "/proc/4242/root/etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n");
	mkproc(SHIM, "containerd-shim", 0, "/usr/bin/containerd-shim-runc-v2", "containerd-shim\0", 16,
	       "0::/system.slice/containerd.service\n");
	/* the kubelet's records of the pod */
	tree_file(root, "/var/log/pods/shop_cart-5f7_" POD "/web/0.log", "");
	tree_file(root, "/var/log/containers/README", "\n");
	tree_link(root, "/var/log/containers/cart-5f7_shop_web-" ID ".log", "/var/log/pods/shop_cart-5f7_" POD "/web/0.log");
	hostfs__set_root(root);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	hostfs__set_root("");
	scanner__free(sc);
	return tree_remove(root);
}

static void test_read_says_who_a_process_is(void **state)
{
	struct procinfo *pi = procinfo__new();
	struct lw_proc p;
	(void)state;

	assert_int_equal(procinfo__read(pi, APP, &p), 0);
	assert_int_equal(p.tgid, APP);
	assert_int_equal(p.pid, APP);
	assert_int_equal(p.uid, 1000);
	assert_string_equal(p.comm, "worker");
	assert_string_equal(p.exe, "/app/bin/worker");
	assert_string_equal(p.user, "app");
	assert_string_equal(p.container.id, ID);
	assert_string_equal(p.container.pod_uid, POD);
	assert_string_equal(p.container.runtime, "containerd");
	/* names from the node's records */
	assert_string_equal(p.container.pod_name, "cart-5f7");
	assert_string_equal(p.container.pod_namespace, "shop");
	assert_string_equal(p.container.container_name, "web");
	/* gone, or never there */
	assert_int_equal(procinfo__read(pi, 999999, &p), -ENOENT);
	assert_int_equal(p.tgid, 999999);
	assert_string_equal(p.exe, "");
	procinfo__free(pi);
}

static void test_command_lines_are_blanked_by_flags_and_by_the_scrubber(void **state)
{
	struct procinfo *pi = procinfo__new();
	struct lw_proc p = { .tgid = APP, .pid = APP, .uid = 1000 };
	char want[256];
	(void)state;

	/* without a scanner, flags only: the key given as a plain argument stays */
	procinfo__enrich(pi, &p);
	snprintf(want, sizeof(want), "worker --db-password **** upload %s", token);
	assert_true(strcmp(p.cmdline, want) == 0); /* a failure shows no key */
	/* with the owner's scanner, whatever it knows as a secret is blanked too */
	procinfo__set_scrubber(pi, sc);
	memset(&p, 0, sizeof(p));
	p.tgid = p.pid = APP;
	procinfo__enrich(pi, &p);
	assert_string_equal(p.cmdline, "worker --db-password **** upload ********************");
	assert_null(strstr(p.cmdline, token));
	/* and off again */
	procinfo__set_scrubber(pi, NULL);
	procinfo__enrich(pi, &p);
	assert_non_null(strstr(p.cmdline, token));
	procinfo__free(pi);
}

static void test_a_runtime_log_is_the_containers(void **state)
{
	struct procinfo *pi = procinfo__new();
	struct lw_proc p, writer;
	char path[512];
	(void)state;

	/* the shim writes the container's output into the kubelet's layout */
	assert_int_equal(procinfo__read(pi, SHIM, &p), 0);
	snprintf(path, sizeof(path), "%s/var/log/pods/shop_cart-5f7_" POD "/web/0.log", root);
	assert_true(procinfo__log_writer(pi, path, &p, &writer));
	assert_int_equal(writer.tgid, SHIM);
	assert_string_equal(writer.comm, "containerd-shim");
	assert_int_equal(p.tgid, APP);
	assert_string_equal(p.comm, "worker");
	assert_string_equal(p.container.id, ID);
	assert_string_equal(p.container.pod_name, "cart-5f7");
	assert_string_equal(p.container.container_name, "web");
	/* the container writing its own file: nothing to move */
	writer.tgid = 0;
	assert_false(procinfo__log_writer(pi, path, &p, &writer));
	assert_int_equal(p.tgid, APP);
	assert_int_equal(writer.tgid, 0);
	/* an ordinary log */
	assert_false(procinfo__log_writer(pi, "/var/log/app.log", &p, &writer));
	assert_false(procinfo__log_writer(pi, NULL, &p, &writer));
	procinfo__free(pi);
}

static void test_a_runtime_log_with_no_process_left_names_the_container(void **state)
{
	static const char other[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct procinfo *pi = procinfo__new();
	struct lw_proc p, writer;
	char path[512];
	(void)state;

	/* Docker's json-file driver, for a container that has exited */
	assert_int_equal(procinfo__read(pi, SHIM, &p), 0);
	snprintf(path, sizeof(path), "/var/lib/docker/containers/%s/%s-json.log", other, other);
	assert_true(procinfo__log_writer(pi, path, &p, &writer));
	assert_string_equal(writer.comm, "containerd-shim");
	assert_int_equal(p.tgid, 0);
	assert_string_equal(p.comm, "");
	assert_string_equal(p.container.id, other);
	assert_string_equal(p.container.runtime, "docker");
	procinfo__free(pi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_says_who_a_process_is),
		cmocka_unit_test(test_command_lines_are_blanked_by_flags_and_by_the_scrubber),
		cmocka_unit_test(test_a_runtime_log_is_the_containers),
		cmocka_unit_test(test_a_runtime_log_with_no_process_left_names_the_container),
	};

	return cmocka_run_group_tests_name("procinfo", tests, setup, teardown);
}
