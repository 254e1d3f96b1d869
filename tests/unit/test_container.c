// SPDX-License-Identifier: Apache-2.0
/* container: id, runtime and pod UID from cgroup paths and /proc/PID/cgroup. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attrib/container.h"
#include "attrib/hostfs.h"

#define ID "3f4e2a1b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"
#define ID2 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define POD "0d3e1c9a-7b2f-4c1e-9a8b-1234567890ab"
#define POD_ "0d3e1c9a_7b2f_4c1e_9a8b_1234567890ab"

static void check(const char *path, const char *id, const char *runtime, const char *pod_uid)
{
	struct lw_container c;
	bool found = container__parse_path(path, &c);

	assert_int_equal(found, id[0] || pod_uid[0]);
	assert_string_equal(c.id, id);
	assert_string_equal(c.runtime, runtime);
	assert_string_equal(c.pod_uid, pod_uid);
	assert_string_equal(c.cgroup, path);
}

static void test_docker(void **state)
{
	(void)state;

	check("/docker/" ID, ID, "docker", "");
	check("/system.slice/docker-" ID ".scope", ID, "docker", "");
}

static void test_kubernetes(void **state)
{
	(void)state;

	/* systemd driver: the pod UID has underscores for dashes */
	check("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_ ".slice/"
	      "cri-containerd-" ID ".scope", ID, "containerd", POD);
	check("/kubepods.slice/kubepods-pod" POD_ ".slice/cri-containerd-" ID ".scope", ID, "containerd", POD);
	/* cgroupfs driver: the runtime is not named */
	check("/kubepods/besteffort/pod" POD "/" ID, ID, "cri", POD);
	check("/kubepods/pod" POD "/" ID, ID, "cri", POD);
	/* the pod's own cgroup: a pod but no container yet */
	check("/kubepods/burstable/pod" POD, "", "", POD);
}

static void test_crio_and_podman(void **state)
{
	(void)state;

	check("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_ ".slice/crio-" ID
	      ".scope", ID, "cri-o", POD);
	check("/machine.slice/libpod-" ID ".scope", ID, "podman", "");
	/* rootless podman with cgroup v2 puts the payload one level down */
	check("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope/container", ID,
	      "podman", "");
	check("/libpod_parent/libpod-" ID, ID, "podman", "");
}

static void test_deepest_wins(void **state)
{
	(void)state;

	/* docker-in-docker: the inner container is the one that listens */
	check("/docker/" ID "/docker/" ID2, ID2, "docker", "");
}

static void test_host_paths(void **state)
{
	(void)state;

	check("/", "", "", "");
	check("", "", "", "");
	check("/system.slice/redis.service", "", "", "");
	check("/user.slice/user-1000.slice/session-3.scope", "", "", "");
	check("/init.scope", "", "", "");
	/* near misses: too short, upper case, a wrong suffix */
	check("/docker/" "3f4e2a1b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2", "", "", "");
	check("/docker/" "3F4E2A1B9C8D7E6F5A4B3C2D1E0F9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F", "", "", "");
	check("/system.slice/docker-" ID ".mount", "", "", "");
	check("/system.slice/docker-" ID "0.scope", "", "", "");
	check("/kubepods/burstable/podnot-a-uid", "", "", "");
}

/* A fabricated /proc under a temporary root. */
static char root[64];

static void write_cgroup(unsigned pid, const char *text)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/proc/%u", root, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/proc/%u/cgroup", root, pid);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void remove_cgroup(unsigned pid)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/proc/%u/cgroup", root, pid);
	unlink(path);
	snprintf(path, sizeof(path), "%s/proc/%u", root, pid);
	rmdir(path);
}

static int setup_root(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/lw-test-container-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	hostfs__set_root(root);
	return 0;
}

static int teardown_root(void **state)
{
	char path[160];
	(void)state;

	hostfs__set_root("");
	snprintf(path, sizeof(path), "%s/proc", root);
	rmdir(path);
	rmdir(root);
	return 0;
}

static void test_of_pid_v2(void **state)
{
	struct lw_container c;
	(void)state;

	write_cgroup(4242, "0::/system.slice/docker-" ID ".scope\n");
	assert_int_equal(container__of_pid(4242, &c), 0);
	assert_string_equal(c.id, ID);
	assert_string_equal(c.runtime, "docker");
	assert_string_equal(c.cgroup, "/system.slice/docker-" ID ".scope");
	remove_cgroup(4242);

	/* an agent in its own cgroup namespace (a pod) sees other cgroups
	 * relative to its own: the ".." steps lead back to the host's tree */
	write_cgroup(4243, "0::/../../kubepods.slice/kubepods-pod" POD_ ".slice/cri-containerd-" ID
			   ".scope\n");
	assert_int_equal(container__of_pid(4243, &c), 0);
	assert_string_equal(c.id, ID);
	assert_string_equal(c.runtime, "containerd");
	assert_string_equal(c.pod_uid, POD);
	remove_cgroup(4243);

	/* a host process: no container, and no error */
	write_cgroup(1, "0::/init.scope\n");
	memset(&c, 'X', sizeof(c));
	assert_int_equal(container__of_pid(1, &c), 0);
	assert_string_equal(c.id, "");
	assert_string_equal(c.pod_uid, "");
	remove_cgroup(1);
}

static void test_of_pid_v1(void **state)
{
	struct lw_container c;
	(void)state;

	/* the container is named on some controllers only */
	write_cgroup(77, "12:pids:/\n"
			 "11:memory:/kubepods/besteffort/pod" POD "/" ID "\n"
			 "10:cpu,cpuacct:/kubepods/besteffort/pod" POD "/" ID "\n"
			 "1:name=systemd:/\n"
			 "0::/\n");
	assert_int_equal(container__of_pid(77, &c), 0);
	assert_string_equal(c.id, ID);
	assert_string_equal(c.runtime, "cri");
	assert_string_equal(c.pod_uid, POD);
	remove_cgroup(77);

	/* a pod but no container id anywhere: the pod still counts */
	write_cgroup(78, "12:pids:/\n5:memory:/kubepods/burstable/pod" POD "\n0::/\n");
	assert_int_equal(container__of_pid(78, &c), 0);
	assert_string_equal(c.id, "");
	assert_string_equal(c.pod_uid, POD);
	remove_cgroup(78);

	/* malformed lines are skipped */
	write_cgroup(79, "garbage\n:\n0::/docker/" ID "\n");
	assert_int_equal(container__of_pid(79, &c), 0);
	assert_string_equal(c.id, ID);
	remove_cgroup(79);
}

static void test_of_pid_gone(void **state)
{
	struct lw_container c;
	(void)state;

	memset(&c, 'X', sizeof(c));
	assert_int_equal(container__of_pid(999999, &c), -ENOENT);
	assert_string_equal(c.id, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_kubernetes),
		cmocka_unit_test(test_crio_and_podman),
		cmocka_unit_test(test_deepest_wins),
		cmocka_unit_test(test_host_paths),
		cmocka_unit_test_setup_teardown(test_of_pid_v2, setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_of_pid_v1, setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_of_pid_gone, setup_root, teardown_root),
	};

	return cmocka_run_group_tests_name("container", tests, NULL, NULL);
}
