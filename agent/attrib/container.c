// SPDX-License-Identifier: Apache-2.0
#include "attrib/container.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "attrib/hostfs.h"
#include "attrib/procfs.h"

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

/* A 64-hex run that fills the component or sits between a known prefix and ".scope". */
static const char *container_id_in(const char *comp, size_t len, const char **runtime)
{
	static const struct {
		const char *prefix;
		const char *runtime;
	} prefixes[] = {
		{ "docker-", "docker" },
		{ "cri-containerd-", "containerd" },
		{ "crio-conmon-", "cri-o" },
		{ "crio-", "cri-o" },
		{ "libpod-conmon-", "podman" },
		{ "libpod-", "podman" },
	};

	if (len == LW_CONTAINER_ID_LEN && all_hex(comp, len)) {
		*runtime = NULL; /* decided by the parent component */
		return comp;
	}
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i].prefix);

		if (len < pl + LW_CONTAINER_ID_LEN || strncmp(comp, prefixes[i].prefix, pl))
			continue;
		if (!all_hex(comp + pl, LW_CONTAINER_ID_LEN))
			continue;
		if (len != pl + LW_CONTAINER_ID_LEN &&
		    (len != pl + LW_CONTAINER_ID_LEN + 6 || strncmp(comp + pl + LW_CONTAINER_ID_LEN, ".scope", 6)))
			continue;
		*runtime = prefixes[i].runtime;
		return comp + pl;
	}
	return NULL;
}

/* "pod<uuid>" in cgroupfs paths, "...-pod<uuid_with_underscores>.slice" under systemd. */
static bool pod_uid_in(const char *comp, size_t len, char out[LW_POD_UID_LEN + 1])
{
	const char *p = comp, *end = comp + len;

	while ((p = memmem(p, (size_t)(end - p), "pod", 3))) {
		const char *u = p + 3;
		size_t i;

		p += 3;
		if ((size_t)(end - u) < LW_POD_UID_LEN)
			return false;
		for (i = 0; i < LW_POD_UID_LEN; i++) {
			char c = u[i];
			bool dash = i == 8 || i == 13 || i == 18 || i == 23;

			if (dash ? (c != '-' && c != '_') : !(isxdigit((unsigned char)c) && !isupper((unsigned char)c)))
				break;
		}
		if (i < LW_POD_UID_LEN)
			continue;
		for (i = 0; i < LW_POD_UID_LEN; i++)
			out[i] = u[i] == '_' ? '-' : u[i];
		out[LW_POD_UID_LEN] = '\0';
		return true;
	}
	return false;
}

static const char *runtime_from_parent(const char *parent, size_t len, bool in_kubepods)
{
	if (len == 6 && !strncmp(parent, "docker", 6))
		return "docker";
	if (len >= 6 && !strncmp(parent, "libpod", 6))
		return "podman";
	/* the kubelet's cgroupfs layout does not name the runtime */
	return in_kubepods ? "cri" : "containerd";
}

bool container__parse_path(const char *path, struct lw_container *out)
{
	const char *comp = path, *parent = "";
	size_t parent_len = 0;
	bool in_kubepods = strstr(path, "kubepods") != NULL;
	bool found = false;

	memset(out, 0, sizeof(*out));
	snprintf(out->cgroup, sizeof(out->cgroup), "%s", path);
	while (*comp) {
		size_t len = strcspn(comp, "/");
		const char *runtime, *id;

		if (len) {
			pod_uid_in(comp, len, out->pod_uid);
			id = container_id_in(comp, len, &runtime);
			if (id) {
				/* the deepest match wins: nested cgroups belong to it */
				memcpy(out->id, id, LW_CONTAINER_ID_LEN);
				out->id[LW_CONTAINER_ID_LEN] = '\0';
				snprintf(out->runtime, sizeof(out->runtime), "%s",
					 runtime ? runtime : runtime_from_parent(parent, parent_len, in_kubepods));
				found = true;
			}
			parent = comp;
			parent_len = len;
		}
		comp += len;
		if (*comp == '/')
			comp++;
	}
	return found || out->pod_uid[0];
}

int container__of_pid(uint32_t pid, struct lw_container *out)
{
	char path[256], buf[8192];
	char *line, *save = NULL;
	struct lw_container first = { 0 }, candidate;
	bool have_first = false;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	if (!hostfs__path(path, sizeof(path), "/proc/%u/cgroup", pid))
		return -ENAMETOOLONG;
	n = procfs__read(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	/* "hierarchy:controllers:path"; the v2 line is "0::path". */
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = strchr(line, ':');

		p = p ? strchr(p + 1, ':') : NULL;
		if (!p)
			continue;
		if (container__parse_path(p + 1, &candidate) && candidate.id[0]) {
			*out = candidate;
			return 0;
		}
		if (!have_first || (candidate.pod_uid[0] && !first.pod_uid[0]) ||
		    (!strncmp(line, "0::", 3) && !first.pod_uid[0])) {
			first = candidate;
			have_first = true;
		}
	}
	if (have_first)
		*out = first;
	return 0;
}
