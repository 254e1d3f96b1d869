// SPDX-License-Identifier: Apache-2.0
#include "attrib/pods.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os/clock.h"
#include "attrib/hostfs.h"
#include "data/htab.h"
#include "attrib/procfs.h"

#define CACHE_TTL_MS (60 * 1000)
#define CACHE_MAX 4096

struct cached {
	struct lw_container names; /* only the pod/container name fields matter */
	uint64_t at_ms;
};

/* Keyed by container id, else by pod uid (padded into the same key). */
struct pods {
	struct htab *cache;
};

struct pods *pods__new(void)
{
	struct pods *p = calloc(1, sizeof(*p));

	if (p && !(p->cache = htab__new(LW_CONTAINER_ID_LEN + 1))) {
		free(p);
		return NULL;
	}
	return p;
}

void pods__free(struct pods *p)
{
	if (p)
		htab__free(p->cache, free);
	free(p);
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static void copy_field(char *dst, size_t cap, const char *src, size_t n)
{
	snprintf(dst, cap, "%.*s", (int)n, src);
}

/* "<pod>_<namespace>_<container>-<id>.log": names never hold '_' (DNS rules). */
static bool parse_container_log(const char *name, struct lw_container *c, char id[LW_CONTAINER_ID_LEN + 1])
{
	size_t len = strlen(name);
	const char *u1, *u2, *dash;

	if (len < 4 + LW_CONTAINER_ID_LEN + 6 || strcmp(name + len - 4, ".log"))
		return false;
	dash = name + len - 4 - LW_CONTAINER_ID_LEN - 1;
	if (*dash != '-' || !all_hex(dash + 1, LW_CONTAINER_ID_LEN))
		return false;
	u1 = memchr(name, '_', (size_t)(dash - name));
	u2 = u1 ? memchr(u1 + 1, '_', (size_t)(dash - u1 - 1)) : NULL;
	if (!u1 || !u2 || memchr(u2 + 1, '_', (size_t)(dash - u2 - 1)))
		return false;
	copy_field(c->pod_name, sizeof(c->pod_name), name, (size_t)(u1 - name));
	copy_field(c->pod_namespace, sizeof(c->pod_namespace), u1 + 1, (size_t)(u2 - u1 - 1));
	copy_field(c->container_name, sizeof(c->container_name), u2 + 1, (size_t)(dash - u2 - 1));
	memcpy(id, dash + 1, LW_CONTAINER_ID_LEN);
	id[LW_CONTAINER_ID_LEN] = '\0';
	return true;
}

/* The value of "key":"value" in a runtime's config.json, without a JSON parser. */
static bool annotation(const char *json, const char *key, char *out, size_t cap)
{
	char needle[96];
	const char *p, *end;

	snprintf(needle, sizeof(needle), "\"%s\":", key);
	p = strstr(json, needle);
	if (!p)
		return false;
	p += strlen(needle);
	while (*p == ' ')
		p++;
	if (*p++ != '"' || !(end = strchr(p, '"')))
		return false;
	copy_field(out, cap, p, (size_t)(end - p));
	return true;
}

/* containerd, k3s and CRI-O keep each container's OCI spec with CRI
 * annotations; Docker its config with the same names as labels. */
static void from_runtime_state(const char *id, struct lw_container *c)
{
	static const struct {
		const char *fmt, *ctr, *pod, *ns, *image;
	} runtimes[] = {
		{ "/run/containerd/io.containerd.runtime.v2.task/k8s.io/%s/config.json",
		  "io.kubernetes.cri.container-name", "io.kubernetes.cri.sandbox-name",
		  "io.kubernetes.cri.sandbox-namespace", "io.kubernetes.cri.image-name" },
		/* k3s runs its own containerd, with its state under /run/k3s */
		{ "/run/k3s/containerd/io.containerd.runtime.v2.task/k8s.io/%s/config.json",
		  "io.kubernetes.cri.container-name", "io.kubernetes.cri.sandbox-name",
		  "io.kubernetes.cri.sandbox-namespace", "io.kubernetes.cri.image-name" },
		{ "/run/containers/storage/overlay-containers/%s/userdata/config.json",
		  "io.kubernetes.container.name", "io.kubernetes.pod.name", "io.kubernetes.pod.namespace",
		  "io.kubernetes.cri-o.ImageName" },
		/* Docker (cri-dockerd): the kubelet's names are container labels;
		 * Config.Image, the name it was started from, comes before the
		 * top-level Image, which is an id */
		{ "/var/lib/docker/containers/%s/config.v2.json",
		  "io.kubernetes.container.name", "io.kubernetes.pod.name", "io.kubernetes.pod.namespace", "Image" },
	};
	char path[512], *json = malloc(256 * 1024);
	bool found = false;

	if (!json)
		return;
	for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]) && !found; i++) {
		if (!hostfs__path(path, sizeof(path), runtimes[i].fmt, id) || procfs__read(path, json, 256 * 1024) <= 0)
			continue;
		found = true;
		/* names the logs' layout gave stand; the image is only here */
		if (!c->container_name[0])
			annotation(json, runtimes[i].ctr, c->container_name, sizeof(c->container_name));
		if (!c->pod_name[0])
			annotation(json, runtimes[i].pod, c->pod_name, sizeof(c->pod_name));
		if (!c->pod_namespace[0])
			annotation(json, runtimes[i].ns, c->pod_namespace, sizeof(c->pod_namespace));
		/* an image id (sha256:...) is no name an operator writes */
		if (annotation(json, runtimes[i].image, c->image, sizeof(c->image)) && !strncmp(c->image, "sha256:", 7))
			c->image[0] = '\0';
	}
	free(json);
}

/* A container's log as /var/log/containers names it: <pod>_<namespace>_<container>-<id>.log */
struct container_log {
	const char *dir, *name;
	const struct lw_container *names; /* pod, namespace and container */
	const char *id;
};

/* Called with each one; true stops the walk. */
typedef bool (*container_log_fn)(void *ctx, const struct container_log *log);

static bool each_container_log(container_log_fn fn, void *ctx)
{
	char dir[512], id[LW_CONTAINER_ID_LEN + 1];
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (!hostfs__path(dir, sizeof(dir), "/var/log/containers") || !(d = opendir(dir)))
		return false;
	while (!found && (de = readdir(d))) {
		struct lw_container names = { 0 };
		struct container_log log = { dir, de->d_name, &names, id };

		if (parse_container_log(de->d_name, &names, id))
			found = fn(ctx, &log);
	}
	closedir(d);
	return found;
}

struct names_of {
	const char *id;
	struct lw_container *c;
};

static bool names_if_id(void *ctx, const struct container_log *log)
{
	struct names_of *n = ctx;

	if (strcmp(log->id, n->id))
		return false;
	memcpy(n->c->pod_name, log->names->pod_name, sizeof(n->c->pod_name));
	memcpy(n->c->pod_namespace, log->names->pod_namespace, sizeof(n->c->pod_namespace));
	memcpy(n->c->container_name, log->names->container_name, sizeof(n->c->container_name));
	return true;
}

static bool from_container_logs(const char *id, struct lw_container *c)
{
	struct names_of n = { id, c };

	return each_container_log(names_if_id, &n);
}

/* The one entry of a directory (a pod with one container), if there is exactly one. */
static void only_entry(const char *dir, char *out, size_t cap)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	out[0] = '\0';
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n++ == 0)
			snprintf(out, cap, "%s", de->d_name);
	}
	if (d)
		closedir(d);
	if (n != 1)
		out[0] = '\0';
}

/* /var/log/pods/<namespace>_<pod>_<uid>: the pod, and its container when it has one. */
static bool from_pod_logs(const char *uid, struct lw_container *c)
{
	char dir[512], sub[800];
	size_t ul = strlen(uid);
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (!hostfs__path(dir, sizeof(dir), "/var/log/pods") || !(d = opendir(dir)))
		return false;
	while (!found && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		const char *u1 = strchr(de->d_name, '_'), *u2;

		if (len <= ul + 1 || strcmp(de->d_name + len - ul, uid) || de->d_name[len - ul - 1] != '_' || !u1)
			continue;
		u2 = de->d_name + len - ul - 1;
		if (u2 <= u1)
			continue;
		copy_field(c->pod_namespace, sizeof(c->pod_namespace), de->d_name, (size_t)(u1 - de->d_name));
		copy_field(c->pod_name, sizeof(c->pod_name), u1 + 1, (size_t)(u2 - u1 - 1));
		found = true;
		snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
		only_entry(sub, c->container_name, sizeof(c->container_name));
	}
	closedir(d);
	return found;
}

static bool cache_get(struct pods *p, const char *key, struct lw_container *c)
{
	char k[LW_CONTAINER_ID_LEN + 1] = { 0 };
	struct cached *hit;

	memcpy(k, key, strnlen(key, LW_CONTAINER_ID_LEN));
	hit = htab__get(p->cache, k);
	if (!hit || clock__monotonic_ms() - hit->at_ms >= CACHE_TTL_MS)
		return false;
	memcpy(c->pod_name, hit->names.pod_name, sizeof(c->pod_name));
	memcpy(c->pod_namespace, hit->names.pod_namespace, sizeof(c->pod_namespace));
	memcpy(c->container_name, hit->names.container_name, sizeof(c->container_name));
	return true;
}

static void cache_put(struct pods *p, const char *key, const struct lw_container *c)
{
	char k[LW_CONTAINER_ID_LEN + 1] = { 0 };
	struct cached *v = calloc(1, sizeof(*v));
	struct htab *fresh;

	if (!v)
		return;
	memcpy(k, key, strnlen(key, LW_CONTAINER_ID_LEN));
	v->names = *c;
	v->at_ms = clock__monotonic_ms();
	/* a simple bound: start over */
	if (htab__count(p->cache) >= CACHE_MAX && (fresh = htab__new(sizeof(k)))) {
		htab__free(p->cache, free);
		p->cache = fresh;
	}
	free(htab__del(p->cache, k)); /* an expired answer */
	if (htab__put(p->cache, k, v))
		free(v);
}

void pods__enrich(struct pods *p, struct lw_container *c)
{
	const char *key = c->id[0] ? c->id : c->pod_uid;

	if (!key[0] || cache_get(p, key, c))
		return;
	if (c->id[0]) {
		from_container_logs(c->id, c);
		from_runtime_state(c->id, c);
	}
	if (!c->pod_name[0] && c->pod_uid[0])
		from_pod_logs(c->pod_uid, c);
	cache_put(p, key, c);
}

/* The path as the host's root sees it, when hostfs points elsewhere. */
static const char *host_view(const char *path)
{
	size_t rl = strlen(hostfs__root());

	if (rl && !strncmp(path, hostfs__root(), rl) && path[rl] == '/')
		return path + rl;
	return path;
}

struct log_link {
	const char *path; /* as the host's root sees it */
	char *id;         /* LW_CONTAINER_ID_LEN + 1 */
};

static bool id_if_links_to(void *ctx, const struct container_log *log)
{
	struct log_link *ll = ctx;
	char link[800], target[1024];
	ssize_t n;

	snprintf(link, sizeof(link), "%s/%s", log->dir, log->name);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	if (strcmp(host_view(target), ll->path))
		return false;
	memcpy(ll->id, log->id, LW_CONTAINER_ID_LEN + 1);
	return true;
}

/* The /var/log/containers link that points at `path`: the container's id. */
static bool container_of_log(const char *path, char id[LW_CONTAINER_ID_LEN + 1])
{
	struct log_link ll = { path, id };

	return each_container_log(id_if_links_to, &ll);
}

bool pods__log_owner(const char *full_path, struct lw_container *c)
{
	const char *path = host_view(full_path), *p, *u1, *u2, *slash;
	char id[LW_CONTAINER_ID_LEN + 1];

	/* Docker's json-file driver: /var/lib/docker/containers/<id>/<id>-json.log */
	if (!strncmp(path, "/var/lib/docker/containers/", 27) && strlen(path) > 27 + LW_CONTAINER_ID_LEN &&
	    all_hex(path + 27, LW_CONTAINER_ID_LEN) && path[27 + LW_CONTAINER_ID_LEN] == '/') {
		memset(c, 0, sizeof(*c));
		copy_field(c->id, sizeof(c->id), path + 27, LW_CONTAINER_ID_LEN);
		snprintf(c->runtime, sizeof(c->runtime), "docker");
		return true;
	}
	/* the kubelet's layout: /var/log/pods/<namespace>_<pod>_<uid>/<container>/<n>.log */
	if (strncmp(path, "/var/log/pods/", 14))
		return false;
	p = path + 14;
	slash = strchr(p, '/');
	u1 = slash ? memchr(p, '_', (size_t)(slash - p)) : NULL;
	u2 = u1 ? memchr(u1 + 1, '_', (size_t)(slash - u1 - 1)) : NULL;
	if (!u2 || (size_t)(slash - u2 - 1) != LW_POD_UID_LEN || !strchr(slash + 1, '/'))
		return false;
	memset(c, 0, sizeof(*c));
	copy_field(c->pod_namespace, sizeof(c->pod_namespace), p, (size_t)(u1 - p));
	copy_field(c->pod_name, sizeof(c->pod_name), u1 + 1, (size_t)(u2 - u1 - 1));
	copy_field(c->pod_uid, sizeof(c->pod_uid), u2 + 1, LW_POD_UID_LEN);
	copy_field(c->container_name, sizeof(c->container_name), slash + 1,
		   strcspn(slash + 1, "/"));
	snprintf(c->runtime, sizeof(c->runtime), "cri");
	if (container_of_log(path, id))
		memcpy(c->id, id, sizeof(id));
	return true;
}

struct pid_search {
	const char *id;
	uint32_t pid;
};

static int find_in_cgroup(uint32_t pid, void *ctx)
{
	struct pid_search *s = ctx;
	char path[256], buf[4096];

	if (!hostfs__path(path, sizeof(path), "/proc/%u/cgroup", pid) || procfs__read(path, buf, sizeof(buf)) <= 0)
		return 0;
	if (strstr(buf, s->id) && (!s->pid || pid < s->pid))
		s->pid = pid;
	return 0;
}

uint32_t pods__container_pid(const char *id)
{
	struct pid_search s = { id, 0 };

	if (strlen(id) != LW_CONTAINER_ID_LEN)
		return 0;
	procfs__for_each_pid(find_in_cgroup, &s);
	return s.pid;
}
