// SPDX-License-Identifier: Apache-2.0
/* pods: pod and container names from a node's on-disk layout. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attrib/hostfs.h"
#include "attrib/pods.h"
#include "tree.h"

#define ID "3f4e2a1b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"
#define ID2 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID_ "0d3e1c9a-7b2f-4c1e-9a8b-1234567890ab"
#define UID2 "11111111-2222-4333-8444-555555555555"

static char root[TREE_ROOT_MAX];
static struct pods *pods;

static int setup(void **state)
{
	(void)state;
	if (tree_make(root, "pods"))
		return -1;
	tree_file(root, "/var/log/pods/shop_cart-5f7_" UID_ "/web/0.log", "");
	tree_file(root, "/var/log/pods/shop_cart-5f7_" UID_ "/sidecar/0.log", "");
	tree_file(root, "/var/log/pods/ops_probe-1_" UID2 "/only/0.log", "");
	tree_file(root, "/var/log/containers/README", "not a container log\n");
	tree_link(root, "/var/log/containers/cart-5f7_shop_web-" ID ".log", "/var/log/pods/shop_cart-5f7_" UID_ "/web/0.log");
	tree_file(root, "/run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID2 "/config.json",
	       "{\"annotations\":{\"io.kubernetes.cri.container-name\":\"worker\","
	       "\"io.kubernetes.cri.image-name\":\"registry.example.com/jobs/worker:2.4.1\","
	       "\"io.kubernetes.cri.sandbox-name\":\"batch-9\",\"io.kubernetes.cri.sandbox-namespace\":\"jobs\"}}");
	hostfs__set_root(root);
	pods = pods__new();
	return pods ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	hostfs__set_root("");
	pods__free(pods);
	return tree_remove(root);
}

static void test_names_from_container_logs(void **state)
{
	struct lw_container c = { .id = ID };
	(void)state;

	pods__enrich(pods, &c);
	assert_string_equal(c.pod_name, "cart-5f7");
	assert_string_equal(c.pod_namespace, "shop");
	assert_string_equal(c.container_name, "web");
}

static void test_names_from_runtime_state(void **state)
{
	struct lw_container c = { .id = ID2 };
	(void)state;

	pods__enrich(pods, &c);
	assert_string_equal(c.container_name, "worker");
	assert_string_equal(c.pod_name, "batch-9");
	assert_string_equal(c.pod_namespace, "jobs");
	assert_string_equal(c.image, "registry.example.com/jobs/worker:2.4.1");
}

#define ID3 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID4 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ID5 "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

/* k3s's containerd, CRI-O and Docker, each where and as it keeps them */
static void test_names_from_each_runtime(void **state)
{
	static const struct {
		const char *id, *path, *json, *container, *pod, *ns, *image;
	} cases[] = {
		{ ID3, "/run/k3s/containerd/io.containerd.runtime.v2.task/k8s.io/" ID3 "/config.json",
		  "{\"annotations\":{\"io.kubernetes.cri.container-name\":\"traefik\","
		  "\"io.kubernetes.cri.sandbox-name\":\"traefik-7d\",\"io.kubernetes.cri.sandbox-namespace\":\"kube-system\"}}",
		  "traefik", "traefik-7d", "kube-system", "" },
		{ ID4, "/run/containers/storage/overlay-containers/" ID4 "/userdata/config.json",
		  "{\"annotations\":{\"io.kubernetes.container.name\":\"db\",\"io.kubernetes.pod.name\":\"pg-0\","
		  "\"io.kubernetes.cri-o.ImageName\":\"quay.io/sclorg/postgresql-15-c9s:latest\","
		  "\"io.kubernetes.pod.namespace\":\"data\"}}",
		  "db", "pg-0", "data", "quay.io/sclorg/postgresql-15-c9s:latest" },
		{ ID5, "/var/lib/docker/containers/" ID5 "/config.v2.json",
		  "{\"Config\":{\"Image\":\"nginx:1.25\",\"Labels\":{\"io.kubernetes.container.name\": \"api\","
		  "\"io.kubernetes.pod.name\": \"web-1\",\"io.kubernetes.pod.namespace\": \"prod\"}},"
		  "\"Image\":\"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}",
		  "api", "web-1", "prod", "nginx:1.25" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lw_container c = { 0 };

		snprintf(c.id, sizeof(c.id), "%s", cases[i].id);
		tree_file(root, cases[i].path, cases[i].json);
		pods__enrich(pods, &c);
		assert_string_equal(c.container_name, cases[i].container);
		assert_string_equal(c.pod_name, cases[i].pod);
		assert_string_equal(c.pod_namespace, cases[i].ns);
		assert_string_equal(c.image, cases[i].image);
	}
}

static void test_names_from_pod_uid(void **state)
{
	struct lw_container two = { .pod_uid = UID_ }, one = { .pod_uid = UID2 }, none = { .pod_uid = "99999999-2222-4333-8444-555555555555" };
	(void)state;

	pods__enrich(pods, &two);
	assert_string_equal(two.pod_name, "cart-5f7");
	assert_string_equal(two.pod_namespace, "shop");
	assert_string_equal(two.container_name, ""); /* two containers: which one is unknown */
	pods__enrich(pods, &one);
	assert_string_equal(one.container_name, "only");
	pods__enrich(pods, &none);
	assert_string_equal(none.pod_name, "");
}

static void test_log_owner(void **state)
{
	char path[512];
	struct lw_container c;
	(void)state;

	/* the path as the writer saw it: under the root, as the kernel reports it */
	snprintf(path, sizeof(path), "%s/var/log/pods/shop_cart-5f7_" UID_ "/web/0.log", root);
	assert_true(pods__log_owner(path, &c));
	assert_string_equal(c.pod_namespace, "shop");
	assert_string_equal(c.pod_name, "cart-5f7");
	assert_string_equal(c.pod_uid, UID_);
	assert_string_equal(c.container_name, "web");
	assert_string_equal(c.id, ID); /* from the /var/log/containers link */

	assert_true(pods__log_owner("/var/lib/docker/containers/" ID2 "/" ID2 "-json.log", &c));
	assert_string_equal(c.id, ID2);
	assert_string_equal(c.runtime, "docker");

	assert_false(pods__log_owner("/var/log/syslog", &c));
	assert_false(pods__log_owner("/var/log/pods/not-a-pod-dir/x.log", &c));
	assert_false(pods__log_owner("/var/log/pods/a_b_short/c/0.log", &c));
}

static void test_answers_kept_by_their_owner(void **state)
{
	char path[512];
	struct lw_container c = { .id = ID2 }, again = { .id = ID2 };
	struct pods *fresh = pods__new();
	(void)state;

	/* asked once, the runtime's record goes away: the cache still knows */
	pods__enrich(pods, &c);
	assert_string_equal(c.pod_name, "batch-9");
	snprintf(path, sizeof(path), "%s/run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID2 "/config.json", root);
	assert_int_equal(unlink(path), 0);
	pods__enrich(pods, &c);
	assert_string_equal(c.pod_name, "batch-9");
	/* a cache is its owner's: another one knows nothing and reads the node */
	assert_non_null(fresh);
	pods__enrich(fresh, &again);
	assert_string_equal(again.pod_name, "");
	pods__free(fresh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_from_container_logs),
		cmocka_unit_test(test_names_from_runtime_state),
		cmocka_unit_test(test_names_from_each_runtime),
		cmocka_unit_test(test_names_from_pod_uid),
		cmocka_unit_test(test_log_owner),
		/* last: it removes a record the others read */
		cmocka_unit_test(test_answers_kept_by_their_owner),
	};

	return cmocka_run_group_tests_name("pods", tests, setup, teardown);
}
